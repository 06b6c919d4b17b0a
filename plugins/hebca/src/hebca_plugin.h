// The HeBCA (河北 CA) vendor plugin: HeBCA's PKCS#11 middleware through the
// shared token service, and HeBCA's certificate identity profile.
#pragma once

#include "hebca_config.h"

#include <cabridge/support/plugin_glue.h>
#include <cabridge/support/pkcs11_token_service.h>

#include <memory>

namespace cabridge::hebca {

class HebcaPlugin final : public PluginInstance {
public:
    // Cheap: parses the config only; no module is loaded until a token call.
    static std::unique_ptr<HebcaPlugin> create(const nlohmann::json &config);

    nlohmann::json describe() override;
    // [] with a notice naming the tried paths when no module is installed.
    nlohmann::json listTokens() override;
    nlohmann::json listToken(std::string_view tokenRef) override;
    nlohmann::json identify(std::span<const std::uint8_t> der) override;
    // NO_TOKEN when no module is installed.
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

private:
    explicit HebcaPlugin(HebcaConfig config) : config_(std::move(config)) {}
    // The token service on the first installed module, or nullptr if none is
    // installed (looked for again on the next call).
    Pkcs11TokenService *tokens();
    std::string noModuleMessage() const;

    HebcaConfig config_;
    std::unique_ptr<Pkcs11TokenService> tokens_;
    std::string modulePath_; // the module tokens_ runs on, for the administrator's notice
};

} // namespace cabridge::hebca
