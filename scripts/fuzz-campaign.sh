#!/usr/bin/env bash
# A long fuzzing campaign (docs/fuzzing.md "Campaign"), resumable across sessions.
# For each target, runs libFuzzer until the target's campaign has RUNS executions in
# total, counting earlier sessions: the corpus and the count live in
# build-fuzz/campaign/<target>/ and a later call continues where the last stopped.
# Each session ends after SESSION_SECONDS (default: no limit), so a campaign can be
# fitted into idle time. Afterwards the campaign corpus is minimised (-merge=1) and
# its coverage printed; with CABRIDGE_FUZZ_UPDATE_CORPUS=1 the inputs that add
# coverage are merged into fuzz/corpus/<target> (to review and commit).
# Runs at nice 19, so it takes only CPU time nobody else wants.
#
# usage: scripts/fuzz-campaign.sh RUNS [TARGET ...]
# env:   CABRIDGE_FUZZ_SESSION_SECONDS=S   stop each target's session after S seconds
#        CABRIDGE_FUZZ_UPDATE_CORPUS=1      merge new coverage into fuzz/corpus/<target>
# Build first: CABRIDGE_FUZZ_BUILD_ONLY=1 scripts/fuzz.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
total_runs=${1:?usage: scripts/fuzz-campaign.sh RUNS [TARGET ...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(host_messages certificate descriptor origin_policy host_config auth_token verify_cli)
fi
build="$root/build-fuzz"
# shellcheck source=scripts/fuzz-options.sh
source "$root/scripts/fuzz-options.sh"

for t in "${targets[@]}"; do
  exe="$build/fuzz/fuzz_$t"
  [ -x "$exe" ] || { echo "fuzz-campaign.sh: $exe not built (CABRIDGE_FUZZ_BUILD_ONLY=1 scripts/fuzz.sh)" >&2; exit 2; }
  work="$build/campaign/$t"
  mkdir -p "$work/corpus" "$work/artifacts"
  done_runs=$(cat "$work/executions" 2>/dev/null || echo 0)
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
    echo $((done_runs + ${ran:-0})) >"$work/executions"
    grep -E "^#[0-9]+.*(DONE|pulse)" "$log" | tail -1 | sed "s/^/   /" || true
    if [ $status -ne 0 ]; then
      echo "!! fuzz_$t FAILED (exit $status); log: $log; artifacts: $work/artifacts" >&2
      exit 1
    fi
  fi
  echo "   $t: $(cat "$work/executions") executions in total"
  rm -rf "$work/minimised"
  mkdir -p "$work/minimised"
  # shellcheck disable=SC2046  # the options are words
  "$exe" -merge=1 $(cabridge_fuzz_options "$t") "$work/minimised" "$root/fuzz/corpus/$t" "$work/corpus" \
    >"$work/merge.log" 2>&1
  # Coverage of the minimised corpus: libFuzzer's INITED line after loading it.
  # shellcheck disable=SC2046  # the options are words
  "$exe" -runs=0 $(cabridge_fuzz_options "$t") "$work/minimised" 2>&1 | grep -E "INITED" | sed "s/^/   minimised: /"
  echo "   minimised corpus: $(find "$work/minimised" -type f | wc -l) inputs, $(du -sk "$work/minimised" | cut -f1) KiB"
  if [ "${CABRIDGE_FUZZ_UPDATE_CORPUS:-}" = 1 ]; then
    # shellcheck disable=SC2046  # the options are words
    "$exe" -merge=1 $(cabridge_fuzz_options "$t") "$root/fuzz/corpus/$t" "$work/corpus" >"$work/update.log" 2>&1
    echo "   fuzz/corpus/$t: $(find "$root/fuzz/corpus/$t" -type f | wc -l) inputs"
  fi
done
