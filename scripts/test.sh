#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test suite with CTest.
# Usage: scripts/test.sh [extra ctest args]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

bash scripts/install-deps.sh

build=${CABRIDGE_BUILD_DIR:-build}
jobs=$(nproc)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$jobs"

# JavaScript test dependencies come from the lockfile only.
if [ -f tests/e2e/package-lock.json ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi

cd "$build"
ctest --output-on-failure -j"$jobs" "$@"
