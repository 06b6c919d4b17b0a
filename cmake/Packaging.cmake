# Debian package of cabridge (CPack DEB). Included from tools/admin/CMakeLists.txt.
# Contents: /usr/bin/cabridge-host, /usr/bin/cabridge (and whatever else the parts install),
# plugins in /usr/lib/cabridge/plugins, policy templates in /usr/share/cabridge/policies.
# Browser manifests are not shipped as files: postinst runs `cabridge install --system`,
# so they always carry the real host path; prerm removes them again.

set(CABRIDGE_DEBIAN_SCRIPTS_DIR ${PROJECT_SOURCE_DIR}/tools/admin/packaging/debian)

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "cabridge")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "cabridge project")
set(CPACK_PACKAGE_CONTACT "cabridge maintainers <cabridge@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "Native messaging host, vendor plugins and browser registration that let Chrome and\nEdge use a USB-key certificate for login on Chinese government portals.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_SECTION "utils")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# Named explicitly because plugins are dlopen()ed (libp11) and would be missed by a
# dependency scan of the executables alone; shlibdeps adds libc, libstdc++ and the rest.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libssl3, libp11-3, publicsuffix")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${CABRIDGE_DEBIAN_SCRIPTS_DIR}/postinst;${CABRIDGE_DEBIAN_SCRIPTS_DIR}/prerm;${CABRIDGE_DEBIAN_SCRIPTS_DIR}/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# Build-tree test libraries and headers are never packaged: only install() rules count,
# and the package is built from the whole install tree in one component.
set(CPACK_DEB_COMPONENT_INSTALL OFF)
set(CPACK_PACKAGE_DIRECTORY "${CMAKE_BINARY_DIR}/packages")

include(CPack)
