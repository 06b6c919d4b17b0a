// The generic PKCS#11 vendor plugin (libcabridge-pkcs11.so): a CA whose key
// middleware is a standard PKCS#11 module needs no code of its own, only a
// descriptor whose "config" names it, its modules, origins, PIN rules, help
// texts and identity profile (generic_config.h, docs/plugins.md).
#pragma once

#include "generic_config.h"
#include "token_filter.h"

#include <cabridge/support/pkcs11_token_service.h>
#include <cabridge/support/plugin_glue.h>

#include <memory>
#include <set>
#include <string>

namespace cabridge::generic {

class GenericPlugin final : public PluginInstance {
public:
    // Cheap: parses and checks the config only; no module is loaded until a
    // token call. Throws PluginFailure(CABRIDGE_ERR_INVALID_CONFIG).
    static std::unique_ptr<GenericPlugin> create(const nlohmann::json &config);

    nlohmann::json describe() override;
    // Only the tokens "tokenLabels" admits; [] with a notice naming the tried
    // paths when no module is installed.
    nlohmann::json listTokens() override;
    // The token if "tokenLabels" admits it, else [].
    nlohmann::json listToken(std::string_view tokenRef) override;
    nlohmann::json identify(std::span<const std::uint8_t> der) override;
    // NO_TOKEN for a token of another vendor or when no module is installed.
    void login(std::string_view tokenRef, std::string_view pin) override;
    std::vector<std::uint8_t> sign(std::string_view tokenRef, std::string_view certRef, std::string_view algorithm,
                                   std::span<const std::uint8_t> data) override;
    // check_certificate (plugin.h): the token and the certificate, live, without a login.
    void checkCertificate(std::string_view tokenRef, std::string_view certRef,
                          std::span<const std::uint8_t, 32> certSha256);
    // authenticate (plugin.h): check, login, sign and logout in one session of its own;
    // flags carry CABRIDGE_AUTH_FLAG_PIN_TO_BE_CHANGED from the token.
    Authentication authenticate(std::string_view tokenRef, std::string_view certRef,
                                std::span<const std::uint8_t, 32> certSha256, std::string_view pin,
                                std::string_view algorithm, std::span<const std::uint8_t> data);
    void logout(std::string_view tokenRef) override;
    // change_pin / unblock_pin (plugin.h) on one of this vendor's tokens (NO_TOKEN otherwise).
    void changePin(std::string_view tokenRef, std::string_view oldPin, std::string_view newPin);
    void unblockPin(std::string_view tokenRef, std::string_view soPin, std::string_view newPin);
    // The enrolment calls (plugin.h) on one of this vendor's tokens (NO_TOKEN otherwise).
    nlohmann::json generateKey(std::string_view tokenRef, std::string_view keyType, std::string_view pin);
    std::vector<std::uint8_t> signWithKey(std::string_view tokenRef, std::string_view keyId, std::string_view pin,
                                          std::string_view algorithm, std::span<const std::uint8_t> data);
    nlohmann::json installCertificate(std::string_view tokenRef, std::string_view keyId,
                                      std::span<const std::uint8_t> der, std::optional<std::string_view> replaceRef,
                                      std::string_view pin);
    nlohmann::json listKeys(std::string_view tokenRef);
    void deleteKey(std::string_view tokenRef, std::string_view keyId, std::string_view pin);

private:
    explicit GenericPlugin(GenericConfig config);
    Pkcs11TokenService *tokens();
    Pkcs11TokenService &requireTokens();
    std::string noModuleMessage() const;
    // Throws NO_TOKEN unless `tokenRef` is one of this vendor's tokens.
    // `mayEnumerate`: look at the module again when the ref is not known yet
    // (not allowed while logged in: enumeration ends the login session).
    void requireOwnToken(std::string_view tokenRef, bool mayEnumerate);
    nlohmann::json listOwnTokens(Pkcs11TokenService &service);

    GenericConfig config_;
    TokenFilter filter_;
    std::unique_ptr<Pkcs11TokenService> tokens_;
    std::string modulePath_;                          // the module tokens_ runs on, for the administrator's notice
    std::set<std::string, std::less<>> ownTokenRefs_; // refs seen in the last filtered listing
};

} // namespace cabridge::generic
