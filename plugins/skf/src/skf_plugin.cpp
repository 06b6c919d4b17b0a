#include "skf_plugin.h"

#include "skf_key_enrollment.h"

#include <cabridge/common/encoding.h>
#include <cabridge/common/identity.h>
#include <cabridge/support/module_locator.h>

#ifndef CABRIDGE_SKF_VERSION
#error "CABRIDGE_SKF_VERSION must be set by the build"
#endif

namespace cabridge::skf {

namespace {

// Logs the application out (SKF_ClearSecureState) when it goes, whatever happened after the PIN
// was tried: a login never outlives the call that made it.
class SecureStateGuard {
public:
    SecureStateGuard(SkfTokenService &service, OpenToken &token) : service_(service), token_(token) {}
    ~SecureStateGuard() { service_.clearSecureState(token_); }
    SecureStateGuard(const SecureStateGuard &) = delete;
    SecureStateGuard &operator=(const SecureStateGuard &) = delete;

private:
    SkfTokenService &service_;
    OpenToken &token_;
};

} // namespace

std::unique_ptr<SkfPlugin> SkfPlugin::create(const nlohmann::json &config) {
    return std::unique_ptr<SkfPlugin>(new SkfPlugin(parseSkfConfig(config)));
}

SkfTokenService *SkfPlugin::tokens() {
    if (!tokens_) {
        if (auto path = firstExistingModule(config_.libraries)) {
            library_ = config_.onlineUnlock
                           ? SkfLibrary::load(*path, config_.ulongBits, config_.onlineUnlock->challenge,
                                              config_.onlineUnlock->response)
                           : SkfLibrary::load(*path, config_.ulongBits);
            tokens_ = std::make_unique<SkfTokenService>(*library_, config_);
        }
    }
    return tokens_.get();
}

std::string SkfPlugin::noLibraryMessage() const {
    return config_.id + ": SKF library not installed; tried: " + joinPaths(config_.libraries);
}

SkfTokenService &SkfPlugin::requireTokens() {
    SkfTokenService *service = tokens();
    if (service == nullptr)
        throw PluginFailure(CABRIDGE_ERR_NO_TOKEN, noLibraryMessage());
    return *service;
}

void SkfPlugin::endLogin() noexcept {
    if (session_ && tokens_)
        tokens_->clearSecureState(session_->token);
    session_.reset();
}

nlohmann::json SkfPlugin::describe() {
    return {
        {"id", config_.id},
        {"name", config_.name},
        {"version", CABRIDGE_SKF_VERSION},
        {"origins", config_.origins},
        {"legacyOrigins", config_.legacyOrigins},
        {"pin", pinRulesToJson(config_.pin)},
        {"help", config_.help},
        // plugin.h: this library offers the online-unlock pair for every descriptor; only one
        // that names the vendor's calls can use it.
        {"onlineUnlock", config_.onlineUnlock.has_value()},
        {"enrollOrigins", config_.enrollOrigins},
        {"enrollCAs", config_.enrollCAs},
    };
}

nlohmann::json SkfPlugin::listTokens() {
    endLogin();
    SkfTokenService *service = tokens();
    if (service == nullptr) {
        // No key software means no key can be present: an empty list, not an error.
        notice = noLibraryMessage();
        return nlohmann::json::array();
    }
    std::string problems;
    nlohmann::json tokens = service->listTokens(problems);
    // Which middleware answered, for `cabridge plugins check`.
    notice = config_.id + ": SKF library " + library_->path() + " (ULONG " + std::to_string(config_.ulongBits) +
             " bits)" + (problems.empty() ? "" : "; " + problems);
    return tokens;
}

nlohmann::json SkfPlugin::listToken(std::string_view tokenRef) {
    endLogin();
    SkfTokenService *service = tokens();
    if (service == nullptr) {
        notice = noLibraryMessage();
        return nlohmann::json::array();
    }
    return service->listToken(tokenRef);
}

nlohmann::json SkfPlugin::identify(std::span<const std::uint8_t> der) {
    return identityToJson(extractIdentity(der, config_.uniqueIdOid));
}

void SkfPlugin::login(std::string_view tokenRef, std::string_view pin) {
    endLogin();
    SkfTokenService &service = requireTokens();
    OpenToken token = service.openToken(tokenRef);
    service.verifyUserPin(token, pin);
    session_ = LoginSession{std::string(tokenRef), std::move(token)};
}

std::vector<std::uint8_t> SkfPlugin::sign(std::string_view tokenRef, std::string_view certRef,
                                          std::string_view algorithm, std::span<const std::uint8_t> data) {
    if (!session_ || session_->tokenRef != tokenRef)
        throw PluginFailure(CABRIDGE_ERR_NOT_LOGGED_IN, "skf: sign without a login on this token");
    SkfTokenService &service = requireTokens();
    SigningContainer container = service.openSigningContainer(session_->token, certRef);
    return service.sign(container, algorithm, data);
}

void SkfPlugin::logout(std::string_view /*tokenRef*/) { endLogin(); }

void SkfPlugin::checkCertificate(std::string_view tokenRef, std::string_view certRef,
                                 std::span<const std::uint8_t, 32> certSha256) {
    endLogin();
    SkfTokenService &service = requireTokens();
    OpenToken token = service.openToken(tokenRef);
    service.openCheckedContainer(token, certRef, certSha256);
}

Authentication SkfPlugin::authenticate(std::string_view tokenRef, std::string_view certRef,
                                       std::span<const std::uint8_t, 32> certSha256, std::string_view pin,
                                       std::string_view algorithm, std::span<const std::uint8_t> data) {
    endLogin();
    SkfTokenService &service = requireTokens();
    OpenToken token = service.openToken(tokenRef);
    // The certificate first: a key that is gone never costs a PIN try.
    SigningContainer container = service.openCheckedContainer(token, certRef, certSha256);
    // Logged out whatever happens after the PIN is tried.
    const SecureStateGuard guard(service, token);
    service.verifyUserPin(token, pin);
    Authentication result;
    result.signature = service.sign(container, algorithm, data);
    if (service.pinState(token).isDefault)
        result.flags |= CABRIDGE_AUTH_FLAG_PIN_TO_BE_CHANGED;
    return result;
}

void SkfPlugin::changePin(std::string_view tokenRef, std::string_view oldPin, std::string_view newPin) {
    endLogin();
    SkfTokenService &service = requireTokens();
    OpenToken token = service.openToken(tokenRef);
    service.changeUserPin(token, oldPin, newPin);
    service.clearSecureState(token); // SKF_ChangePIN may leave the application logged in
}

void SkfPlugin::unblockPin(std::string_view tokenRef, std::string_view soPin, std::string_view newPin) {
    endLogin();
    SkfTokenService &service = requireTokens();
    OpenToken token = service.openToken(tokenRef);
    service.unblockUserPin(token, soPin, newPin);
    service.clearSecureState(token);
}

nlohmann::json SkfPlugin::unblockChallenge(std::string_view tokenRef) {
    endLogin();
    if (!config_.onlineUnlock)
        throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, config_.id + ": no onlineUnlock calls in the descriptor");
    SkfTokenService &service = requireTokens();
    OpenToken token = service.openToken(tokenRef);
    const std::vector<std::uint8_t> challenge = service.unblockChallenge(token);
    return {{"challenge", base64Encode(challenge)}, {"serial", token.info.serial}};
}

void SkfPlugin::unblockWithResponse(std::string_view tokenRef, std::span<const std::uint8_t> response,
                                    std::string_view newPin) {
    endLogin();
    if (!config_.onlineUnlock)
        throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, config_.id + ": no onlineUnlock calls in the descriptor");
    SkfTokenService &service = requireTokens();
    OpenToken token = service.openToken(tokenRef);
    service.unblockUserPinByResponse(token, response, newPin);
    service.clearSecureState(token);
}

template <class Body>
auto SkfPlugin::withLogin(std::string_view tokenRef, std::string_view pin, Body body) {
    endLogin();
    SkfTokenService &service = requireTokens();
    OpenToken token = service.openToken(tokenRef);
    const SecureStateGuard guard(service, token);
    service.verifyUserPin(token, pin);
    SkfKeyEnrollment enrollment(*library_, service, config_);
    return body(enrollment, token);
}

nlohmann::json SkfPlugin::generateKey(std::string_view tokenRef, std::string_view keyType, std::string_view pin) {
    if (keyType != "SM2" && keyType != "RSA-2048") // before the PIN is tried
        throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED,
                            "skf: SKF keys are SM2 or RSA-2048, not " + std::string(keyType.substr(0, 16)));
    return withLogin(tokenRef, pin, [&](SkfKeyEnrollment &enrollment, OpenToken &token) {
        return enrollment.generateKey(token, keyType);
    });
}

std::vector<std::uint8_t> SkfPlugin::signWithKey(std::string_view tokenRef, std::string_view keyId,
                                                 std::string_view pin, std::string_view algorithm,
                                                 std::span<const std::uint8_t> data) {
    return withLogin(tokenRef, pin, [&](SkfKeyEnrollment &enrollment, OpenToken &token) {
        return enrollment.signWithKey(token, keyId, algorithm, data);
    });
}

nlohmann::json SkfPlugin::installCertificate(std::string_view tokenRef, std::string_view keyId,
                                             std::span<const std::uint8_t> der,
                                             std::optional<std::string_view> replaceRef, std::string_view pin) {
    return withLogin(tokenRef, pin, [&](SkfKeyEnrollment &enrollment, OpenToken &token) {
        return enrollment.installCertificate(token, keyId, der, replaceRef);
    });
}

nlohmann::json SkfPlugin::listKeys(std::string_view tokenRef) {
    endLogin();
    SkfTokenService &service = requireTokens();
    OpenToken token = service.openToken(tokenRef);
    SkfKeyEnrollment enrollment(*library_, service, config_);
    return enrollment.listKeys(token);
}

void SkfPlugin::deleteKey(std::string_view tokenRef, std::string_view keyId, std::string_view pin) {
    withLogin(tokenRef, pin,
              [&](SkfKeyEnrollment &enrollment, OpenToken &token) { enrollment.deleteKey(token, keyId); });
}

} // namespace cabridge::skf
