// Where the built parts under test are; set by tests/login/CMakeLists.txt.
#pragma once

namespace cabridge::logintest {

inline constexpr const char* kHostExe = CABRIDGE_LOGIN_HOST_EXE;
inline constexpr const char* kPkcs11Plugin = CABRIDGE_LOGIN_PKCS11_PLUGIN;
inline constexpr const char* kBuildPluginDir = CABRIDGE_LOGIN_BUILD_PLUGIN_DIR;
inline constexpr const char* kFaultModule = CABRIDGE_LOGIN_FAULT_MODULE;
inline constexpr const char* kVerifyExe = CABRIDGE_LOGIN_VERIFY_EXE;
inline constexpr const char* kPkiToolsDir = CABRIDGE_LOGIN_PKI_TOOLS_DIR;
inline constexpr const char* kSoftHsmModule = "/usr/lib/softhsm/libsofthsm2.so";

}  // namespace cabridge::logintest
