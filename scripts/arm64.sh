#!/usr/bin/env bash
# The arm64 (aarch64) run on an amd64 Debian 12 machine, not part of CI (docs/arm64.md):
#   1. packages  scripts/install-deps.sh arm64 (cross g++, qemu-user, arm64 multiarch libraries)
#   2. build     cross build with cmake/toolchain-aarch64-linux-gnu.cmake, tests included
#   3. tests     every CTest suite but the browser ones, the arm64 programs under qemu-user: unit,
#                integration (the real arm64 host against SoftHSM's arm64 module), CA login,
#                vendor2, admin tool, and the arm64 .deb's contents check (admin_debian_package)
#   4. package   the arm64 .deb, written to BUILD/packages/
# Each step prints its time. Usage: scripts/arm64.sh [extra ctest args]
# env: CABRIDGE_ARM64_BUILD_DIR (default build-arm64), CABRIDGE_ARM64_ROOT (default
#      /opt/cabridge-arm64, where install-deps.sh unpacks libp11-dev and libsofthsm2 for arm64),
#      CABRIDGE_JOBS (default: the number of cores)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
build=${CABRIDGE_ARM64_BUILD_DIR:-build-arm64}
jobs=${CABRIDGE_JOBS:-$(nproc)}
export CABRIDGE_ARM64_ROOT=${CABRIDGE_ARM64_ROOT:-/opt/cabridge-arm64}
timer() { echo "arm64.sh: $1 took $(( $(date +%s) - $2 )) s"; }
start=$(date +%s)

t=$(date +%s)
bash scripts/install-deps.sh arm64
timer "packages" "$t"

# What makes the tests arm64 tests: the SoftHSM module qemu gives an arm64 process that opens
# /usr/lib/softhsm/libsofthsm2.so is the arm64 one, and the kernel hands an arm64 program that a
# test starts (the host) to qemu-aarch64.
module=$CABRIDGE_ARM64_ROOT/usr/lib/softhsm/libsofthsm2.so
readelf -h "$module" | grep -q 'Machine: *AArch64' || { echo "arm64.sh: $module is not an arm64 module" >&2; exit 1; }
grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null ||
  { echo "arm64.sh: qemu-aarch64 is not registered with binfmt_misc" >&2; exit 1; }

t=$(date +%s)
# GoogleTest lists its tests when CTest starts (PRE_TEST), not after each link: a listing runs
# under qemu, which a loaded machine can hold past the discovery timeout mid-build.
cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64-linux-gnu.cmake \
      -DCABRIDGE_BUILD_TESTS=ON -DCABRIDGE_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE=PRE_TEST \
      -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
cmake --build "$build" -j"$jobs"
readelf -h "$build/bin/cabridge-host" | grep -q 'Machine: *AArch64' ||
  { echo "arm64.sh: $build/bin/cabridge-host is not an arm64 program" >&2; exit 1; }
timer "build" "$t"

t=$(date +%s)
status=0
# Read by every qemu-aarch64 the kernel starts for a test's arm64 child process.
export QEMU_LD_PREFIX=$CABRIDGE_ARM64_ROOT
# Browser end-to-end tests (label e2e) need a browser for arm64 and are not run under qemu.
# faultmod.faults drives the arm64 fault module with the machine's pkcs11-tool, an amd64 program
# that cannot load it; the login suites run that module inside the arm64 host instead.
(cd "$build" && ctest --output-on-failure -j"$jobs" -LE e2e -E '^e2e\.|^faultmod\.faults$' "$@") || status=1
timer "tests" "$t"

t=$(date +%s)
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$build/packages" >"$build/cpack.log" 2>&1 ||
  { cat "$build/cpack.log" >&2; exit 1; }
ls "$build"/packages/*_arm64.deb
timer "package" "$t"
echo "arm64.sh: all steps took $(( $(date +%s) - start )) s"
exit $status
