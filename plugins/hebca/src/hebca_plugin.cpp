#include "hebca_plugin.h"
#include "hebca_profile.h"

#include <cabridge/support/identity.h>
#include <cabridge/support/module_locator.h>

namespace cabridge::hebca {

std::unique_ptr<HebcaPlugin> HebcaPlugin::create(const nlohmann::json &config) {
    return std::unique_ptr<HebcaPlugin>(new HebcaPlugin(parseHebcaConfig(config)));
}

Pkcs11TokenService *HebcaPlugin::tokens() {
    if (!tokens_) {
        if (auto path = firstExistingModule(config_.modules)) {
            tokens_ = std::make_unique<Pkcs11TokenService>(*path, config_.retryCounterSymbol);
            modulePath_ = *path;
        }
    }
    return tokens_.get();
}

std::string HebcaPlugin::noModuleMessage() const {
    return "HeBCA PKCS#11 module not installed; tried: " + joinPaths(config_.modules);
}

nlohmann::json HebcaPlugin::describe() { return describeHebca(config_); }

nlohmann::json HebcaPlugin::listTokens() {
    Pkcs11TokenService *service = tokens();
    if (service == nullptr) {
        // No key software means no key can be present: an empty list, not an error.
        notice = noModuleMessage();
        return nlohmann::json::array();
    }
    // Which middleware answered, for `cabridge plugins check`.
    notice = "PKCS#11 module " + modulePath_;
    return service->listTokens();
}

nlohmann::json HebcaPlugin::listToken(std::string_view tokenRef) {
    Pkcs11TokenService *service = tokens();
    if (service == nullptr) {
        notice = noModuleMessage();
        return nlohmann::json::array();
    }
    return service->listToken(tokenRef);
}

nlohmann::json HebcaPlugin::identify(std::span<const std::uint8_t> der) {
    return identityToJson(extractIdentity(der, kUniqueIdOid));
}

void HebcaPlugin::login(std::string_view tokenRef, std::string_view pin) {
    Pkcs11TokenService *service = tokens();
    if (service == nullptr)
        throw PluginError(CABRIDGE_ERR_NO_TOKEN, noModuleMessage());
    service->login(tokenRef, pin);
}

std::vector<std::uint8_t> HebcaPlugin::sign(std::string_view tokenRef, std::string_view certRef,
                                            std::string_view algorithm, std::span<const std::uint8_t> data) {
    Pkcs11TokenService *service = tokens();
    if (service == nullptr)
        throw PluginError(CABRIDGE_ERR_NO_TOKEN, noModuleMessage());
    return service->sign(tokenRef, certRef, algorithm, data);
}

void HebcaPlugin::checkCertificate(std::string_view tokenRef, std::string_view certRef,
                                   std::span<const std::uint8_t, 32> certSha256) {
    Pkcs11TokenService *service = tokens();
    if (service == nullptr)
        throw PluginError(CABRIDGE_ERR_NO_TOKEN, noModuleMessage());
    service->checkCertificate(tokenRef, certRef, certSha256);
}

Authentication HebcaPlugin::authenticate(std::string_view tokenRef, std::string_view certRef,
                                         std::span<const std::uint8_t, 32> certSha256, std::string_view pin,
                                         std::string_view algorithm, std::span<const std::uint8_t> data) {
    Pkcs11TokenService *service = tokens();
    if (service == nullptr)
        throw PluginError(CABRIDGE_ERR_NO_TOKEN, noModuleMessage());
    const Pkcs11TokenService::Authentication done = service->authenticate(tokenRef, certRef, certSha256, pin, algorithm,
                                                                          data);
    return {done.signature, done.pinToBeChanged ? CABRIDGE_AUTH_FLAG_PIN_TO_BE_CHANGED : 0u};
}

void HebcaPlugin::logout(std::string_view tokenRef) {
    if (tokens_)
        tokens_->logout(tokenRef);
}

} // namespace cabridge::hebca
