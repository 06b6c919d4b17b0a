# Cross build for arm64 (aarch64) with Debian 12's cross toolchain and multiarch libraries:
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64-linux-gnu.cmake
# scripts/arm64.sh does the whole run; scripts/install-deps.sh arm64 installs what this needs.
# No sysroot: the arm64 libraries live in the multiarch paths (/usr/lib/aarch64-linux-gnu,
# /usr/include/aarch64-linux-gnu), which Debian's aarch64-linux-gnu-g++ searches itself. The
# arm64 packages that cannot be installed beside their amd64 versions (libp11-dev, libsofthsm2)
# are unpacked into CABRIDGE_ARM64_ROOT.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

set(CABRIDGE_ARM64_ROOT "$ENV{CABRIDGE_ARM64_ROOT}")
if(NOT CABRIDGE_ARM64_ROOT)
  set(CABRIDGE_ARM64_ROOT /opt/cabridge-arm64)
endif()

# Libraries, headers and CMake packages: arm64 only (CMAKE_LIBRARY_ARCHITECTURE picks the
# aarch64-linux-gnu directories, never x86_64-linux-gnu); programs (python3, node): the machine's.
set(CMAKE_FIND_ROOT_PATH / ${CABRIDGE_ARM64_ROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config reads only the arm64 .pc files (libp11.pc from CABRIDGE_ARM64_ROOT).
set(ENV{PKG_CONFIG_LIBDIR}
    "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig:${CABRIDGE_ARM64_ROOT}/usr/lib/aarch64-linux-gnu/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# CTest (and gtest_discover_tests) run the arm64 programs under qemu-user. -L makes qemu look up
# an absolute path under CABRIDGE_ARM64_ROOT first, so /usr/lib/softhsm/libsofthsm2.so is the
# arm64 SoftHSM module there; QEMU_LD_PREFIX says the same to the arm64 processes a test starts
# (the host), which the kernel hands to qemu-aarch64 through binfmt_misc.
set(CMAKE_CROSSCOMPILING_EMULATOR
    /usr/bin/env "QEMU_LD_PREFIX=${CABRIDGE_ARM64_ROOT}" /usr/bin/qemu-aarch64 -L "${CABRIDGE_ARM64_ROOT}")

# The .deb is for arm64 (CPack would otherwise ask dpkg for the build machine's architecture).
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
