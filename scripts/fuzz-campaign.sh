#!/usr/bin/env bash
# A long fuzzing campaign (docs/fuzzing.md "Campaign"), resumable across sessions and checkouts.
# For each target, runs libFuzzer until the target's campaign has RUNS executions in total,
# counting earlier sessions. What carries a campaign from one session (or clone) to the next is
# committed: the execution count per target in fuzz/campaign.tsv, and the corpus: after each
# session the inputs that add coverage are merged (-merge=1) into fuzz/corpus/<target>, which the
# next session starts from. Scratch (the session's raw corpus, logs, crash artifacts) lives in
# build-fuzz/campaign/<target>/. Each session ends after SESSION_SECONDS (default: no limit), so a
# campaign can be fitted into idle time; the minimised corpus's coverage is printed at the end.
# Runs at nice 19, so it takes only CPU time nobody else wants. Commit fuzz/campaign.tsv and
# fuzz/corpus/ afterwards.
#
# usage: scripts/fuzz-campaign.sh RUNS [TARGET ...]
# env:   CABRIDGE_FUZZ_SESSION_SECONDS=S   stop each target's session after S seconds
# Build first: CABRIDGE_FUZZ_BUILD_ONLY=1 scripts/fuzz.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
total_runs=${1:?usage: scripts/fuzz-campaign.sh RUNS [TARGET ...]}
shift
# shellcheck source=scripts/fuzz-options.sh
source "$root/scripts/fuzz-options.sh"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=("${cabridge_fuzz_targets[@]}")
fi
build="$root/build-fuzz"
ledger="$root/fuzz/campaign.tsv"
# ledger_get TARGET -> executions so far; ledger_add TARGET N adds N (under a lock: two campaign
# processes on disjoint targets share the file).
ledger_get() { awk -F'\t' -v t="$1" '$1 == t { print $2; found = 1 } END { if (!found) print 0 }' "$ledger"; }
ledger_add() {
  (
    flock 9
    awk -F'\t' -v OFS='\t' -v t="$1" -v n="$2" -v d="$(date -u +%Y-%m-%d)" '
      NR == 1 { print; next }
      $1 == t { $2 += n; $3 = d; found = 1 }
      { print }
      END { if (!found) print t, n, d }' "$ledger" >"$ledger.new"
    mv "$ledger.new" "$ledger"
  ) 9>"$ledger.lock"
}
[ -f "$ledger" ] || printf 'target\texecutions\tlast_session\n' >"$ledger"

for t in "${targets[@]}"; do
  exe="$build/fuzz/fuzz_$t"
  [ -x "$exe" ] || { echo "fuzz-campaign.sh: $exe not built (CABRIDGE_FUZZ_BUILD_ONLY=1 scripts/fuzz.sh)" >&2; exit 2; }
  work="$build/campaign/$t"
  mkdir -p "$work/corpus" "$work/artifacts"
  done_runs=$(ledger_get "$t")
  remaining=$((total_runs - done_runs))
  if [ "$remaining" -gt 0 ]; then
    limit=()
    [ -n "${CABRIDGE_FUZZ_SESSION_SECONDS:-}" ] && limit=(-max_total_time="$CABRIDGE_FUZZ_SESSION_SECONDS")
    log="$work/session-$(date +%Y%m%dT%H%M%S).log"
    echo "== fuzz_$t: $done_runs of $total_runs executions done, running up to $remaining more; log $log"
    set +e
    # shellcheck disable=SC2046  # the options are words
    nice -n 19 "$exe" -runs="$remaining" "${limit[@]}" $(cabridge_fuzz_options "$t") -print_final_stats=1 \
      -artifact_prefix="$work/artifacts/" "$work/corpus" "$root/fuzz/corpus/$t" >"$log" 2>&1
    status=$?
    set -e
    ran=$(sed -n 's/^stat::number_of_executed_units: //p' "$log" | tail -1)
    ledger_add "$t" "${ran:-0}"
    # The session's new coverage joins the committed corpus the next session starts from.
    # shellcheck disable=SC2046  # the options are words
    nice -n 19 "$exe" -merge=1 $(cabridge_fuzz_options "$t") "$root/fuzz/corpus/$t" "$work/corpus" >"$work/update.log" 2>&1
    rm -rf "$work/corpus"; mkdir -p "$work/corpus"
    grep -E "^#[0-9]+.*(DONE|pulse)" "$log" | tail -1 | sed "s/^/   /" || true
    if [ $status -ne 0 ]; then
      echo "!! fuzz_$t FAILED (exit $status); log: $log; artifacts: $work/artifacts" >&2
      exit 1
    fi
  fi
  echo "   $t: $(ledger_get "$t") executions in total (fuzz/campaign.tsv)"
  rm -rf "$work/minimised"
  mkdir -p "$work/minimised"
  # shellcheck disable=SC2046  # the options are words
  nice -n 19 "$exe" -merge=1 $(cabridge_fuzz_options "$t") "$work/minimised" "$root/fuzz/corpus/$t" "$work/corpus" \
    >"$work/merge.log" 2>&1
  # Coverage of the minimised corpus: libFuzzer's INITED line after loading it.
  # shellcheck disable=SC2046  # the options are words
  "$exe" -runs=0 $(cabridge_fuzz_options "$t") "$work/minimised" 2>&1 | grep -E "INITED" | sed "s/^/   minimised: /"
  echo "   minimised corpus: $(find "$work/minimised" -type f | wc -l) inputs, $(du -sk "$work/minimised" | cut -f1) KiB"
  echo "   fuzz/corpus/$t: $(find "$root/fuzz/corpus/$t" -type f | wc -l) inputs"
done
