#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer run of the unit and integration
# suites (docs/fuzzing.md "Sanitizers"). Configures build-asan with
# -DCABRIDGE_SANITIZE=ON (gcc) and without the benchmark programs (no test runs them),
# builds the rest, and runs ctest on every test except the browser e2e tests and the
# demo (label e2e) and the Debian packaging test.
# Any sanitizer report aborts the process that hit it, and a report in a child process
# (host, plugins, admin tool, verifier) fails the test that started it, so a green run
# = zero reports.
#
# usage: scripts/sanitize.sh [extra ctest args]
# env:   CABRIDGE_ASAN_BUILD_DIR (default build-asan), CABRIDGE_JOBS (default: nproc)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${CABRIDGE_ASAN_BUILD_DIR:-$root/build-asan}
jobs=${CABRIDGE_JOBS:-$(nproc)}

start=$(date +%s)
# Debug (-O0 -g): compiles about twice as fast as -O2, which matters on the 2-core CI machine,
# and the sanitizers see the same code paths.
# -g1 (line tables only): sanitizer reports keep file:line, and the build skips full debug
# information (measured on tests/login/pin_test.cpp: 7.8 s against 9.2 s, 6.2 MB against 8.1 MB).
cmake -S "$root" -B "$build" -DCABRIDGE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DCABRIDGE_BUILD_BENCH=OFF \
      -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" -DCMAKE_C_FLAGS_DEBUG="-O0 -g1" >/dev/null
cmake --build "$build" -j"$jobs"
built=$(date +%s)

# abort_on_error: a report kills the process, so the test fails even if the
# program would have exited 0. The suppressions cover only leaks whose whole
# stack lies in third-party libraries (each one is explained in the file).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

status=0
(cd "$build" && ctest --output-on-failure -j"$jobs" -LE e2e -E '^e2e\.|admin_debian_package' "$@") || status=$?
end=$(date +%s)
echo "sanitize.sh: build $((built - start)) s, tests $((end - built)) s, total $((end - start)) s, ctest exit $status"
exit $status
