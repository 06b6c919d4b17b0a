#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang and runs each for SECONDS
# (default 30) on a copy of its seed corpus. Exits non-zero on any crash, leak,
# timeout or out-of-memory; the crashing input is kept in
# $CABRIDGE_FUZZ_OUT/<target>/ (default build-fuzz/fuzz-out) and its path printed.
#
# usage: scripts/fuzz.sh [SECONDS] [TARGET ...]
#   TARGET: host_messages certificate descriptor origin_policy host_config auth_token
#           verify_cli skf_parsing (default: all)
# env:  CABRIDGE_FUZZ_JOBS=N  run N fuzzing processes per target (-fork=N; default 1)
#       CABRIDGE_FUZZ_BUILD_ONLY=1  build the targets and stop (for scripts/fuzz-campaign.sh)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-30}
shift || true
# shellcheck source=scripts/fuzz-options.sh
source "$root/scripts/fuzz-options.sh"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=("${cabridge_fuzz_targets[@]}")
fi
build="$root/build-fuzz"
out=${CABRIDGE_FUZZ_OUT:-$build/fuzz-out}

# The project libraries are instrumented too (fuzzer-no-link adds coverage, not
# libFuzzer's main). Clang-only warnings in project code that -Werror would turn
# into errors are listed in docs/fuzzing.md and relaxed here for this build only.
sanitize="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
clang_relax=""
cmake -S "$root" -B "$build" \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O1 -gline-tables-only" -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" \
  -DCABRIDGE_FUZZ=ON \
  -DCMAKE_C_FLAGS="$sanitize $clang_relax" -DCMAKE_CXX_FLAGS="$sanitize $clang_relax" \
  >/dev/null
cmake --build "$build" -j2 --target fuzz_targets
[ "${CABRIDGE_FUZZ_BUILD_ONLY:-}" = 1 ] && exit 0


failed=0
for t in "${targets[@]}"; do
  exe="$build/fuzz/fuzz_$t"
  [ -x "$exe" ] || { echo "fuzz.sh: no such target: $t" >&2; exit 2; }
  work="$out/$t"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp "$root/fuzz/corpus/$t/"* "$work/corpus/"
  extra=()
  if [ -n "${CABRIDGE_FUZZ_JOBS:-}" ]; then
    extra+=("-fork=$CABRIDGE_FUZZ_JOBS" -ignore_crashes=0 -ignore_timeouts=0 -ignore_ooms=0)
  fi
  echo "== fuzz_$t for ${seconds}s"
  # shellcheck disable=SC2046  # the options are words
  if "$exe" -max_total_time="$seconds" $(cabridge_fuzz_options "$t") \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/" "${extra[@]}" \
        "$work/corpus" >"$work/log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE" "$work/log" | sed "s/^/   /" || true
    echo "   corpus: $(ls "$work/corpus" | wc -l) inputs"
  else
    failed=1
    echo "!! fuzz_$t FAILED; log: $work/log" >&2
    grep -E "ERROR: |SUMMARY: |invariant violated|Test unit written to" "$work/log" | head -10 >&2 || true
    ls "$work/artifacts" >&2
  fi
done
exit $failed
