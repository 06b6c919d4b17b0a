#!/usr/bin/env bash
# The test command. Installs what is missing, then runs the phases asked for, in order:
#   main   build (gcc) and every CTest suite: unit, integration against the real host and
#          SoftHSM tokens, CA-login faults, admin tool, browser end-to-end, the demo
#   lint   clang-format, cppcheck and clang-tidy over every project source (scripts/lint.sh),
#          on the main phase's compile database; with the main phase it runs beside the
#          main phase's tests at nice 19 (same checks, on the cores the tests leave idle)
#   asan   the unit and integration suites again under AddressSanitizer + UBSan (scripts/sanitize.sh)
#   fuzz   a short libFuzzer run of every fuzz target (scripts/fuzz.sh)
# Usage: scripts/test.sh [extra ctest args for the main phase]
# env:   CABRIDGE_TEST_PHASES (default "main lint asan fuzz"; "main" alone for a quick run)
#        CABRIDGE_BUILD_DIR (default build), CABRIDGE_FUZZ_SECONDS (default 20 per target)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

phases=${CABRIDGE_TEST_PHASES:-main lint asan fuzz}
build=${CABRIDGE_BUILD_DIR:-build}
jobs=$(nproc)
has_phase() { [[ " $phases " == *" $1 "* ]]; }
timer() { echo "test.sh: $1 took $(( $(date +%s) - $2 )) s"; }

bash scripts/install-deps.sh

start_all=$(date +%s)
status=0
if has_phase main; then
  t=$(date +%s)
  # Release at -O2 without -g: the build is most of the CI time on 2 cores (and g++ 12 at
  # -O3 reports false stringop-overflow warnings inside libstdc++).
  # Tests on explicitly: scripts/demo.sh may have configured the same directory without them.
  cmake -S . -B "$build" -DCABRIDGE_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
  cmake --build "$build" -j"$jobs"
  if has_phase lint; then
    # Lint reads only the build's compile database, so it runs beside the tests at the lowest
    # priority: the tests spend much of their time waiting (host processes, SoftHSM, Chromium,
    # timeouts), and clang-tidy, the longest check, takes the cores they leave idle. Its
    # output is shown in the lint phase below.
    lint_log="$build/lint-phase.log"
    nice -n 19 bash scripts/lint.sh "$build" >"$lint_log" 2>&1 &
    lint_pid=$!
  fi
  # JavaScript test dependencies come from the lockfile only.
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
  (cd "$build" && ctest --output-on-failure -j"$jobs" "$@") || status=1
  timer "main phase" "$t"
fi
if has_phase lint; then
  t=$(date +%s)
  if [ -n "${lint_pid:-}" ]; then
    lint_status=0
    wait "$lint_pid" || lint_status=$?
    cat "$lint_log"
    [ "$lint_status" -eq 0 ] || status=1
    timer "lint phase (what was left after the main phase's tests)" "$t"
  else
    # Tests on: the lint set includes them, and scripts/demo.sh may have configured without them.
    cmake -S . -B "$build" -DCABRIDGE_BUILD_TESTS=ON >/dev/null
    bash scripts/lint.sh "$build" || status=1
    timer "lint phase" "$t"
  fi
fi
if has_phase asan; then
  t=$(date +%s)
  bash scripts/sanitize.sh || status=1
  timer "asan phase" "$t"
fi
if has_phase fuzz; then
  t=$(date +%s)
  # 8 targets x 10 s: no more than the 4 x 20 s it was (docs/fuzzing.md "CI cost").
  bash scripts/fuzz.sh "${CABRIDGE_FUZZ_SECONDS:-10}" || status=1
  timer "fuzz phase" "$t"
fi
echo "test.sh: all phases took $(( $(date +%s) - start_all )) s"
exit $status
