#!/usr/bin/env bash
# The cabridge demo ("the main job"): on a fresh Debian 12 machine, installs what is
# missing, builds, and shows a CA login in Chromium (or Firefox ESR with --browser firefox)
# against a software USB key: by default an SM2 key with HeBCA-like certificates on the
# software SKF library (what a HeBCA user holds), with --token softhsm an RSA certificate on a
# SoftHSM2 token; demo portal on 127.0.0.1, "CA 绑定" then "CA 证书登录" with the PIN (123456)
# typed into the extension's own dialog. A browser window if $DISPLAY or $WAYLAND_DISPLAY is set,
# headless otherwise. Writes only under out/demo (token, database, logs, screenshots)
# and a temporary browser profile.
# Usage: scripts/demo.sh [--headless|--headed] [--port N] [--browser chromium|firefox]
#                       [--token skf|softhsm] [--renew]   (passed to tools/demo/run-demo.mjs;
#                       --renew goes on to the demo CA site for 老用户延期, Chromium only)
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

# Firefox ESR is installed only for a Firefox demo; the key's plugin and library are built only
# for the key the demo uses.
deps=demo
token=skf
previous=""
for arg in "$@"; do
  if [ "$arg" = "--browser=firefox" ] || { [ "$previous" = "--browser" ] && [ "$arg" = "firefox" ]; }; then
    deps=demo-firefox
  fi
  case "$arg" in --token=*) token=${arg#--token=} ;; esac
  [ "$previous" = "--token" ] && token=$arg
  previous=$arg
done
case "$token" in
  skf) token_targets="cabridge-skf cabridge-softskf" ; token_parts="SKF plugin, software SKF library" ;;
  softhsm) token_targets="cabridge-pkcs11" ; token_parts="PKCS#11 plugin" ;;
  *) die "--token must be skf or softhsm, not \"$token\"" ;;
esac

t0=$(date +%s)
say "1/4 packages (scripts/install-deps.sh $deps)"
bash scripts/install-deps.sh "$deps" || die "installing Debian packages failed"

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 18 ] || die "Node.js 18 or newer is needed (Debian 12's nodejs is 18.20); found $(node --version 2>&1)"

t1=$(date +%s)
build=${CABRIDGE_BUILD_DIR:-build}
say "2/4 build ($build: host, token engine, $token_parts, verifier; no test suites)"
# What the demo runs, and nothing else: the host and its engine module, the key's plugin (SKF:
# the SKF plugin HeBCA's SKF descriptor names and the software SKF library the key lives in;
# SoftHSM: the generic PKCS#11 plugin that HeBCA's hebca.json, copied at configure time,
# names), and the verifier the demo portal calls. Not the test suites (gtest, half the build) nor the admin tool, which the demo
# does not run. Same build type and flags as scripts/test.sh, so a later test run in the same
# directory reuses every object built here (it turns the tests back on).
cmake -S . -B "$build" -DCABRIDGE_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null \
  || die "cmake configure failed"
# shellcheck disable=SC2086  # token_targets is a list of target names
cmake --build "$build" -j"$(nproc)" --target cabridge-host cabridge-host-engine $token_targets cabridge-verify ||
  die "build failed"

t2=$(date +%s)
say "3/4 browser driver (npm ci in tests/e2e: playwright-core, puppeteer-core from the lockfile, no browser download)"
# The lockfile's playwright-core drives Debian's /usr/bin/chromium, puppeteer-core its
# /usr/bin/firefox-esr; a second run keeps node_modules.
if [ ! -f tests/e2e/node_modules/playwright-core/package.json ] \
   || [ ! -f tests/e2e/node_modules/puppeteer-core/package.json ] \
   || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ]; then
  (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) \
    || die "npm ci in tests/e2e failed"
fi

t3=$(date +%s)
say "4/4 demo"
node tools/demo/run-demo.mjs --build "$build" --out out/demo "$@" &
driver_pid=$!
status=0
wait "$driver_pid" || status=$?
driver_pid=""
t4=$(date +%s)
printf '\nscripts/demo.sh: %d s in all (packages %d s, build %d s, npm ci %d s, demo %d s)\n' \
  $((t4 - t0)) $((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t4 - t3))
exit "$status"
