#!/usr/bin/env bash
# Installs every Debian 12 package cabridge needs to build, test and run its demo.
# Idempotent: packages already present are skipped, so a second run costs only dpkg queries.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  libssl-dev openssl libp11-dev libp11-kit-dev
  nlohmann-json3-dev libboost-dev libboost-filesystem-dev
  libgtest-dev libgmock-dev googletest
  softhsm2 opensc
  clang clang-tidy clang-format cppcheck libclang-rt-14-dev
  python3
  chromium chromium-driver chromium-l10n fonts-wqy-microhei xvfb
  sqlite3 dpkg-dev file procps publicsuffix
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js: any existing node with npm will do (some machines carry a newer build whose
# package conflicts with Debian's separate npm package); otherwise Debian's.
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
