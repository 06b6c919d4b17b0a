#include "plugin_under_test.h"

#include <dlfcn.h>

#include <cstddef>

#include <stdexcept>

namespace cabridge::test {

namespace {

void appendToString(void *ctx, const uint8_t *data, size_t len) {
    static_cast<std::string *>(ctx)->append(reinterpret_cast<const char *>(data), len);
}

cabridge_sink sinkInto(CallResult &r) { return cabridge_sink{&r.output, &appendToString}; }

const cabridge_plugin_api_v1 *entryOf(void *library) {
    auto entry = reinterpret_cast<cabridge_plugin_entry_fn>(dlsym(library, CABRIDGE_PLUGIN_ENTRY_SYMBOL));
    if (entry == nullptr)
        throw std::runtime_error("plugin has no entry point");
    const cabridge_plugin_api_v1 *api = entry(CABRIDGE_PLUGIN_ABI_VERSION);
    if (api == nullptr || api->abi_version != CABRIDGE_PLUGIN_ABI_VERSION ||
        api->struct_size != sizeof(cabridge_plugin_api_v1))
        throw std::runtime_error("plugin table does not match ABI 1");
    return api;
}

} // namespace

PluginUnderTest::PluginUnderTest(const std::string &libraryPath, const std::string &configJson) {
    library_ = dlopen(libraryPath.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library_ == nullptr)
        throw std::runtime_error(std::string("dlopen failed: ") + dlerror());
    api_ = entryOf(library_);
    cabridge_error err{};
    if (api_->create(configJson.c_str(), &self_, &err) != CABRIDGE_OK || self_ == nullptr) {
        dlclose(library_);
        throw std::runtime_error(std::string("create failed: ") + err.message);
    }
}

PluginUnderTest::~PluginUnderTest() {
    if (api_ != nullptr)
        api_->destroy(self_);
    // The library stays mapped: a loaded PKCS#11 module must not be unloaded
    // under libp11 0.4.12 (unloading one context finalizes it under the others,
    // which then hang), exactly as in the host.
}

CallResult PluginUnderTest::tryCreate(const std::string &libraryPath, const std::string &configJson) {
    CallResult r;
    void *library = dlopen(libraryPath.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr)
        throw std::runtime_error(std::string("dlopen failed: ") + dlerror());
    const cabridge_plugin_api_v1 *api = entryOf(library);
    cabridge_plugin *self = nullptr;
    r.status = api->create(configJson.c_str(), &self, &r.error);
    api->destroy(self);
    return r;
}

CallResult PluginUnderTest::describe() {
    CallResult r;
    r.status = api_->describe(self_, sinkInto(r), &r.error);
    return r;
}

CallResult PluginUnderTest::listTokens() {
    CallResult r;
    r.status = api_->list_tokens(self_, sinkInto(r), &r.error);
    return r;
}

CallResult PluginUnderTest::listToken(const std::string &tokenRef) {
    CallResult r;
    if (api_->struct_size < offsetof(cabridge_plugin_api_v1, list_token) + sizeof api_->list_token ||
        api_->list_token == nullptr)
        throw std::runtime_error("plugin has no list_token");
    r.status = api_->list_token(self_, tokenRef.c_str(), sinkInto(r), &r.error);
    return r;
}

CallResult PluginUnderTest::identify(const std::vector<std::uint8_t> &der) {
    CallResult r;
    r.status = api_->identify(self_, der.data(), der.size(), sinkInto(r), &r.error);
    return r;
}

CallResult PluginUnderTest::login(const std::string &tokenRef, const std::string &pin) {
    CallResult r;
    r.status = api_->login(self_, tokenRef.c_str(), pin.data(), pin.size(), &r.error);
    return r;
}

CallResult PluginUnderTest::sign(const std::string &tokenRef, const std::string &certRef, const std::string &algorithm,
                                 const std::vector<std::uint8_t> &data) {
    CallResult r;
    r.status = api_->sign(self_, tokenRef.c_str(), certRef.c_str(), algorithm.c_str(), data.data(), data.size(),
                          sinkInto(r), &r.error);
    return r;
}

CallResult PluginUnderTest::logout(const std::string &tokenRef) {
    CallResult r;
    r.status = api_->logout(self_, tokenRef.c_str(), &r.error);
    return r;
}

} // namespace cabridge::test
