#!/usr/bin/env bash
# Installs the Debian 12 packages cabridge needs: every one the build, tests and lint need
# (default, "all"), or only those the demo needs ("demo": scripts/demo.sh builds without the
# test suites, so it needs no GoogleTest, clang, clang-tidy, cppcheck, Xvfb or packaging tools).
# Idempotent: packages already present are skipped, so a second run costs only dpkg queries.
# Firefox ESR (Debian's firefox-esr) comes with "all" (the Firefox end-to-end suite) and with
# "demo-firefox" (scripts/demo.sh --browser firefox).
# Usage: scripts/install-deps.sh [all|demo|demo-firefox]
set -euo pipefail

set_name=${1:-all}
DEMO_PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  libssl-dev openssl libp11-dev libp11-kit-dev
  nlohmann-json3-dev libboost-dev libboost-filesystem-dev
  softhsm2 opensc
  python3
  chromium chromium-l10n fonts-wqy-microhei fonts-hanazono publicsuffix
)
TEST_PACKAGES=(
  libgtest-dev libgmock-dev googletest
  clang clang-tidy clang-format cppcheck libclang-rt-14-dev
  chromium-driver xvfb firefox-esr firefox-esr-l10n-zh-cn
  sqlite3 dpkg-dev file procps
)
case $set_name in
  demo) PACKAGES=("${DEMO_PACKAGES[@]}") ;;
  demo-firefox) PACKAGES=("${DEMO_PACKAGES[@]}" firefox-esr firefox-esr-l10n-zh-cn) ;;
  all) PACKAGES=("${DEMO_PACKAGES[@]}" "${TEST_PACKAGES[@]}") ;;
  *) echo "usage: scripts/install-deps.sh [all|demo|demo-firefox]" >&2; exit 2 ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js: any existing node (18 or newer) with npm will do (some machines carry a newer build
# whose package conflicts with Debian's separate npm package); otherwise Debian's own, 18.20 on
# Debian 12, which the tests and the demo are made for (README.md, "Versions").
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "cabridge: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
