#include "generic_plugin.h"

#include <cabridge/common/identity.h>
#include <cabridge/support/module_locator.h>

#ifndef CABRIDGE_GENERIC_VERSION
#error "CABRIDGE_GENERIC_VERSION must be set by the build"
#endif

namespace cabridge::generic {

std::unique_ptr<GenericPlugin> GenericPlugin::create(const nlohmann::json &config) {
    return std::unique_ptr<GenericPlugin>(new GenericPlugin(parseGenericConfig(config)));
}

GenericPlugin::GenericPlugin(GenericConfig config) : config_(std::move(config)), filter_(config_.tokenLabels) {}

Pkcs11TokenService *GenericPlugin::tokens() {
    if (!tokens_) {
        if (auto path = firstExistingModule(config_.modules)) {
            tokens_ = std::make_unique<Pkcs11TokenService>(*path, config_.retryCounterSymbol, config_.sm2);
            modulePath_ = *path;
        }
    }
    return tokens_.get();
}

std::string GenericPlugin::noModuleMessage() const {
    return config_.id + ": PKCS#11 module not installed; tried: " + joinPaths(config_.modules);
}

Pkcs11TokenService &GenericPlugin::requireTokens() {
    Pkcs11TokenService *service = tokens();
    if (service == nullptr)
        throw PluginFailure(CABRIDGE_ERR_NO_TOKEN, noModuleMessage());
    return *service;
}

nlohmann::json GenericPlugin::describe() {
    return {
        {"id", config_.id},
        {"name", config_.name},
        {"version", CABRIDGE_GENERIC_VERSION},
        {"origins", config_.origins},
        {"legacyOrigins", config_.legacyOrigins},
        {"pin", pinRulesToJson(config_.pin)},
        {"help", config_.help},
        {"enrollOrigins", config_.enrollOrigins},
        {"enrollCAs", config_.enrollCAs},
    };
}

nlohmann::json GenericPlugin::listOwnTokens(Pkcs11TokenService &service) {
    nlohmann::json own = filter_.apply(service.listTokens());
    ownTokenRefs_.clear();
    for (const auto &token : own)
        if (token.contains("ref") && token["ref"].is_string())
            ownTokenRefs_.insert(token["ref"].get<std::string>());
    return own;
}

nlohmann::json GenericPlugin::listTokens() {
    Pkcs11TokenService *service = tokens();
    if (service == nullptr) {
        // No key software means no key can be present: an empty list, not an error.
        notice = noModuleMessage();
        return nlohmann::json::array();
    }
    // Which middleware answered, for `cabridge plugins check`.
    notice = config_.id + ": PKCS#11 module " + modulePath_;
    return listOwnTokens(*service);
}

nlohmann::json GenericPlugin::listToken(std::string_view tokenRef) {
    Pkcs11TokenService *service = tokens();
    if (service == nullptr) {
        notice = noModuleMessage();
        return nlohmann::json::array();
    }
    nlohmann::json own = filter_.apply(service->listToken(tokenRef));
    if (own.empty())
        ownTokenRefs_.erase(std::string(tokenRef));
    else
        ownTokenRefs_.insert(std::string(tokenRef));
    return own;
}

nlohmann::json GenericPlugin::identify(std::span<const std::uint8_t> der) {
    if (config_.identity == IdentityProfile::None)
        return nlohmann::json::object();
    return identityToJson(extractIdentity(der, config_.uniqueIdOid));
}

void GenericPlugin::requireOwnToken(std::string_view tokenRef, bool mayEnumerate) {
    if (filter_.admitsAll() || ownTokenRefs_.contains(tokenRef))
        return;
    if (mayEnumerate) {
        listOwnTokens(requireTokens());
        if (ownTokenRefs_.contains(tokenRef))
            return;
    }
    throw PluginFailure(CABRIDGE_ERR_NO_TOKEN,
                        config_.id + ": no token of this vendor with reference " + std::string(tokenRef.substr(0, 64)));
}

void GenericPlugin::login(std::string_view tokenRef, std::string_view pin) {
    Pkcs11TokenService &service = requireTokens();
    requireOwnToken(tokenRef, true);
    service.login(tokenRef, pin);
}

std::vector<std::uint8_t> GenericPlugin::sign(std::string_view tokenRef, std::string_view certRef,
                                              std::string_view algorithm, std::span<const std::uint8_t> data) {
    Pkcs11TokenService &service = requireTokens();
    requireOwnToken(tokenRef, false);
    return service.sign(tokenRef, certRef, algorithm, data);
}

void GenericPlugin::checkCertificate(std::string_view tokenRef, std::string_view certRef,
                                     std::span<const std::uint8_t, 32> certSha256) {
    Pkcs11TokenService &service = requireTokens();
    requireOwnToken(tokenRef, false);
    service.checkCertificate(tokenRef, certRef, certSha256);
}

Authentication GenericPlugin::authenticate(std::string_view tokenRef, std::string_view certRef,
                                           std::span<const std::uint8_t, 32> certSha256, std::string_view pin,
                                           std::string_view algorithm, std::span<const std::uint8_t> data) {
    Pkcs11TokenService &service = requireTokens();
    requireOwnToken(tokenRef, true);
    const Pkcs11TokenService::Authentication done = service.authenticate(tokenRef, certRef, certSha256, pin, algorithm,
                                                                         data);
    return {done.signature, done.pinToBeChanged ? CABRIDGE_AUTH_FLAG_PIN_TO_BE_CHANGED : 0u};
}

void GenericPlugin::changePin(std::string_view tokenRef, std::string_view oldPin, std::string_view newPin) {
    Pkcs11TokenService &service = requireTokens();
    requireOwnToken(tokenRef, true);
    service.changePin(tokenRef, oldPin, newPin);
}

void GenericPlugin::unblockPin(std::string_view tokenRef, std::string_view soPin, std::string_view newPin) {
    Pkcs11TokenService &service = requireTokens();
    requireOwnToken(tokenRef, true);
    service.unblockPin(tokenRef, soPin, newPin);
}

nlohmann::json GenericPlugin::generateKey(std::string_view tokenRef, std::string_view keyType, std::string_view pin) {
    Pkcs11TokenService &service = requireTokens();
    requireOwnToken(tokenRef, true);
    return service.generateKey(tokenRef, keyType, pin);
}

std::vector<std::uint8_t> GenericPlugin::signWithKey(std::string_view tokenRef, std::string_view keyId,
                                                     std::string_view pin, std::string_view algorithm,
                                                     std::span<const std::uint8_t> data) {
    Pkcs11TokenService &service = requireTokens();
    requireOwnToken(tokenRef, true);
    return service.signWithKey(tokenRef, keyId, pin, algorithm, data);
}

nlohmann::json GenericPlugin::installCertificate(std::string_view tokenRef, std::string_view keyId,
                                                 std::span<const std::uint8_t> der,
                                                 std::optional<std::string_view> replaceRef, std::string_view pin) {
    Pkcs11TokenService &service = requireTokens();
    requireOwnToken(tokenRef, true);
    return service.installCertificate(tokenRef, keyId, der, replaceRef, pin);
}

nlohmann::json GenericPlugin::listKeys(std::string_view tokenRef) {
    Pkcs11TokenService &service = requireTokens();
    requireOwnToken(tokenRef, true);
    return service.listKeys(tokenRef);
}

void GenericPlugin::deleteKey(std::string_view tokenRef, std::string_view keyId, std::string_view pin) {
    Pkcs11TokenService &service = requireTokens();
    requireOwnToken(tokenRef, true);
    service.deleteKey(tokenRef, keyId, pin);
}

void GenericPlugin::logout(std::string_view tokenRef) {
    if (tokens_)
        tokens_->logout(tokenRef);
}

} // namespace cabridge::generic
