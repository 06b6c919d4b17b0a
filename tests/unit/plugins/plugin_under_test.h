// Loads a built plugin library with dlopen and calls it through its C ABI,
// exactly as the host does.
#pragma once

#include <cabridge/plugin.h>

#include <cstdint>
#include <string>
#include <vector>

namespace cabridge::test {

struct CallResult {
    cabridge_status status = CABRIDGE_ERR_PLUGIN;
    cabridge_error error{};
    std::string output; // everything written to the sink
};

class PluginUnderTest {
public:
    // Throws std::runtime_error when the library or its entry point is missing
    // or create() fails (the status is in createStatus()).
    PluginUnderTest(const std::string &libraryPath, const std::string &configJson);
    ~PluginUnderTest();
    PluginUnderTest(const PluginUnderTest &) = delete;
    PluginUnderTest &operator=(const PluginUnderTest &) = delete;

    const cabridge_plugin_api_v1 &api() const { return *api_; }

    CallResult describe();
    CallResult listTokens();
    // list_token; the plugin must offer it (struct_size covers it).
    CallResult listToken(const std::string &tokenRef);
    CallResult identify(const std::vector<std::uint8_t> &der);
    CallResult login(const std::string &tokenRef, const std::string &pin);
    CallResult sign(const std::string &tokenRef, const std::string &certRef, const std::string &algorithm,
                    const std::vector<std::uint8_t> &data);
    CallResult logout(const std::string &tokenRef);

    // Loads the library and tries create() only; returns its status and error.
    static CallResult tryCreate(const std::string &libraryPath, const std::string &configJson);

private:
    void *library_ = nullptr; // dlopen handle, closed in the destructor
    const cabridge_plugin_api_v1 *api_ = nullptr;
    cabridge_plugin *self_ = nullptr; // destroyed through api_->destroy
};

} // namespace cabridge::test
