#!/usr/bin/env bash
# The cabridge demo ("the main job"): on a fresh Debian 12 machine, installs what is
# missing, builds, and shows a CA login in Chromium against a software USB key:
# demo portal on 127.0.0.1, "CA 绑定" then "CA 证书登录" with the PIN (123456) typed into
# the extension's own dialog. A browser window if $DISPLAY or $WAYLAND_DISPLAY is set,
# headless otherwise. Writes only under out/demo (token, database, logs, screenshots)
# and a temporary browser profile.
# Usage: scripts/demo.sh [--headless|--headed] [--port N]   (passed to tools/demo/run-demo.mjs)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

say() { printf '\n== %s\n' "$*"; }
die() { printf '\ncabridge demo FAILED: %s\n' "$*" >&2; exit 1; }

driver_pid=""
# shellcheck disable=SC2317  # called from the traps
stop_driver() {
  # The driver stops its portal and browser on SIGTERM; only a driver still running needs it.
  if [ -n "$driver_pid" ] && kill -0 "$driver_pid" 2>/dev/null; then
    kill -TERM "$driver_pid" 2>/dev/null || true
    wait "$driver_pid" 2>/dev/null || true
  fi
}
trap stop_driver EXIT
trap 'stop_driver; exit 130' INT TERM HUP

say "1/4 packages (scripts/install-deps.sh)"
bash scripts/install-deps.sh || die "installing Debian packages failed"

build=${CABRIDGE_BUILD_DIR:-build}
say "2/4 build ($build)"
cmake -S . -B "$build" >/dev/null || die "cmake configure failed"
cmake --build "$build" -j"$(nproc)" || die "build failed"

say "3/4 browser driver (npm ci in tests/e2e: playwright-core from the lockfile, no browser download)"
# The lockfile's playwright-core drives Debian's /usr/bin/chromium; a second run keeps node_modules.
if [ ! -f tests/e2e/node_modules/playwright-core/package.json ] \
   || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ]; then
  (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) \
    || die "npm ci in tests/e2e failed"
fi

say "4/4 demo"
node tools/demo/run-demo.mjs --build "$build" --out out/demo "$@" &
driver_pid=$!
status=0
wait "$driver_pid" || status=$?
driver_pid=""
exit "$status"
