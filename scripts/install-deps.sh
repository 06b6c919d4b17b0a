#!/usr/bin/env bash
# Installs the Debian 12 packages cabridge needs: every one the build, tests and lint need
# (default, "all"), or only those the demo needs ("demo": scripts/demo.sh builds without the
# test suites, so it needs no GoogleTest, clang, clang-tidy, cppcheck, Xvfb or packaging tools),
# or those the arm64 cross build and its qemu-user test run need ("arm64": scripts/arm64.sh; see
# docs/arm64.md). The amd64 build never needs the arm64 group.
# Idempotent: packages already present are skipped, so a second run costs only dpkg queries.
# Firefox ESR (Debian's firefox-esr) comes with "all" (the Firefox end-to-end suite) and with
# "demo-firefox" (scripts/demo.sh --browser firefox).
# Usage: scripts/install-deps.sh [all|demo|demo-firefox|arm64]
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
# arm64: Debian's cross compiler, qemu-user (and binfmt, so an arm64 test can start the arm64
# host), the arm64 libraries through multiarch, and the native tools the tests call (softhsm2-util,
# pkcs11-tool, openssl, python3), which stay amd64. Only Multi-Arch: same packages are installed as
# :arm64; ARM64_EXTRACTED are not (installing them would replace their amd64 versions), so they
# are only unpacked into ARM64_ROOT, see below.
ARM64_PACKAGES=(
  cmake pkg-config git ca-certificates nlohmann-json3-dev
  g++-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-user qemu-user-binfmt binfmt-support
  libssl-dev:arm64 libp11-3:arm64 libp11-kit-dev:arm64 libboost-dev:arm64
  libboost-filesystem-dev:arm64 libgtest-dev:arm64 libgmock-dev:arm64
  libssl-dev libp11-dev softhsm2 opensc openssl python3 sqlite3 dpkg-dev file procps
)
# libp11-dev:arm64 (headers, libp11.so, libp11.pc) and libsofthsm2:arm64 (the SoftHSM module the
# arm64 host dlopens under qemu) conflict with their amd64 packages.
ARM64_EXTRACTED=(libp11-dev libsofthsm2)
ARM64_ROOT=${CABRIDGE_ARM64_ROOT:-/opt/cabridge-arm64}
case $set_name in
  demo) PACKAGES=("${DEMO_PACKAGES[@]}") ;;
  demo-firefox) PACKAGES=("${DEMO_PACKAGES[@]}" firefox-esr firefox-esr-l10n-zh-cn) ;;
  all) PACKAGES=("${DEMO_PACKAGES[@]}" "${TEST_PACKAGES[@]}") ;;
  arm64) PACKAGES=("${ARM64_PACKAGES[@]}") ;;
  *) echo "usage: scripts/install-deps.sh [all|demo|demo-firefox|arm64]" >&2; exit 2 ;;
esac

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if [ "$set_name" = arm64 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "cabridge: adding the arm64 architecture to dpkg" >&2
  $SUDO dpkg --add-architecture arm64
  $SUDO apt-get update -q
fi

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
  $SUDO apt-get update -q
  if [ "$set_name" = arm64 ]; then
    # Multiarch must never cost the machine an amd64 package: simulate first, refuse removals.
    removals=$(apt-get install -s -q --no-install-recommends "${missing[@]}" | grep '^Remv' || true)
    if [ -n "$removals" ]; then
      echo "cabridge: refusing: installing the arm64 group would remove:" >&2
      echo "$removals" >&2
      exit 1
    fi
  fi
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ "$set_name" = arm64 ]; then
  # The conflicting arm64 packages, unpacked (not installed) into ARM64_ROOT, same versions as
  # the amd64 ones: usr/lib/softhsm/libsofthsm2.so is what qemu (-L ARM64_ROOT) gives an arm64
  # process that opens /usr/lib/softhsm/libsofthsm2.so; libp11.pc points at ARM64_ROOT.
  for p in "${ARM64_EXTRACTED[@]}"; do
    version=$(apt-cache policy "$p:arm64" | awk '/Candidate:/ {print $2}')
    stamp="$ARM64_ROOT/.installed-$p-$version"
    [ -e "$stamp" ] && continue
    echo "cabridge: unpacking $p:arm64 $version into $ARM64_ROOT" >&2
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download -q "$p:arm64=$version" >/dev/null)
    $SUDO mkdir -p "$ARM64_ROOT"
    $SUDO dpkg-deb -x "$tmp"/*.deb "$ARM64_ROOT"
    rm -rf "$tmp"
    $SUDO touch "$stamp"
  done
  libdir=$ARM64_ROOT/usr/lib/aarch64-linux-gnu
  $SUDO sed -i "s|^prefix=.*|prefix=$ARM64_ROOT/usr|" "$libdir/pkgconfig/libp11.pc"
  # libp11.so links to libp11.so.3, which the installed libp11-3:arm64 holds.
  $SUDO ln -sfn /usr/lib/aarch64-linux-gnu/libp11.so.3 "$libdir/libp11.so"
  # An arm64 test starts the arm64 host with execve: the kernel needs binfmt_misc to hand it to
  # qemu-aarch64 (containers often have it unmounted).
  if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
    $SUDO mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
      echo "cabridge: cannot mount binfmt_misc: arm64 tests that start the host will fail" >&2
  fi
  if [ -e /proc/sys/fs/binfmt_misc/status ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    $SUDO update-binfmts --enable qemu-aarch64 ||
      echo "cabridge: cannot register qemu-aarch64 with binfmt_misc" >&2
  fi
fi
