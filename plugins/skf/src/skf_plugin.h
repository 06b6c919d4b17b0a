// The generic SKF vendor plugin (libcabridge-skf.so): a CA whose keys are reached through a
// GM/T 0016 SKF library needs no code of its own, only a descriptor whose "config" names the
// library candidates, its ULONG width and algorithm-id family, the applications, origins, PIN
// rules and help texts (skf_config.h, docs/plugins.md).
#pragma once

#include "skf_config.h"
#include "skf_library.h"
#include "skf_token_service.h"

#include <cabridge/support/plugin_glue.h>

#include <memory>
#include <optional>
#include <string>

namespace cabridge::skf {

class SkfPlugin final : public PluginInstance {
public:
    // Cheap: parses the config only; the library is loaded at the first token call.
    // Throws PluginFailure(CABRIDGE_ERR_INVALID_CONFIG).
    static std::unique_ptr<SkfPlugin> create(const nlohmann::json &config);

    nlohmann::json describe() override;
    // [] with a notice naming the tried paths when no library is installed.
    nlohmann::json listTokens() override;
    nlohmann::json listToken(std::string_view tokenRef) override;
    nlohmann::json identify(std::span<const std::uint8_t> der) override;
    // Keeps the device connected and the application open, logged in, until logout (or any
    // other token call, which ends it first).
    void login(std::string_view tokenRef, std::string_view pin) override;
    std::vector<std::uint8_t> sign(std::string_view tokenRef, std::string_view certRef, std::string_view algorithm,
                                   std::span<const std::uint8_t> data) override;
    void logout(std::string_view tokenRef) override;
    void checkCertificate(std::string_view tokenRef, std::string_view certRef,
                          std::span<const std::uint8_t, 32> certSha256);
    // One session: open, check the certificate, SKF_VerifyPIN, sign, SKF_ClearSecureState, close.
    // flags: CABRIDGE_AUTH_FLAG_PIN_TO_BE_CHANGED when SKF_GetPINInfo says the PIN is the default.
    Authentication authenticate(std::string_view tokenRef, std::string_view certRef,
                                std::span<const std::uint8_t, 32> certSha256, std::string_view pin,
                                std::string_view algorithm, std::span<const std::uint8_t> data);

    // change_pin / unblock_pin (plugin.h): one SKF_ChangePIN (user PIN) / SKF_UnblockPIN (with
    // the administrator PIN) in a session of their own, logged out and closed before returning.
    void changePin(std::string_view tokenRef, std::string_view oldPin, std::string_view newPin);
    void unblockPin(std::string_view tokenRef, std::string_view soPin, std::string_view newPin);

    // unblock_challenge / unblock_with_response (plugin.h): the vendor library's own calls the
    // config's "onlineUnlock" names, each in a session of its own. UNSUPPORTED without that config
    // or when the library lacks the calls.
    nlohmann::json unblockChallenge(std::string_view tokenRef);
    void unblockWithResponse(std::string_view tokenRef, std::span<const std::uint8_t> response,
                             std::string_view newPin);
    // The enrolment calls (plugin.h; skf_key_enrollment.h), each in a session of its own,
    // logged in with `pin` where it needs it and logged out before it returns.
    nlohmann::json generateKey(std::string_view tokenRef, std::string_view keyType, std::string_view pin);
    std::vector<std::uint8_t> signWithKey(std::string_view tokenRef, std::string_view keyId, std::string_view pin,
                                          std::string_view algorithm, std::span<const std::uint8_t> data);
    nlohmann::json installCertificate(std::string_view tokenRef, std::string_view keyId,
                                      std::span<const std::uint8_t> der, std::optional<std::string_view> replaceRef,
                                      std::string_view pin);
    nlohmann::json listKeys(std::string_view tokenRef);
    void deleteKey(std::string_view tokenRef, std::string_view keyId, std::string_view pin);

private:
    // Opens `tokenRef`, verifies the user PIN and runs `body` with the token, logging out
    // whatever happens.
    template <class Body>
    auto withLogin(std::string_view tokenRef, std::string_view pin, Body body);
    explicit SkfPlugin(SkfConfig config) : config_(std::move(config)) {}
    // The token layer, or nullptr when no candidate library exists.
    SkfTokenService *tokens();
    SkfTokenService &requireTokens();
    std::string noLibraryMessage() const;
    void endLogin() noexcept;

    struct LoginSession {
        std::string tokenRef;
        OpenToken token;
    };

    SkfConfig config_;
    std::unique_ptr<SkfLibrary> library_;
    std::unique_ptr<SkfTokenService> tokens_;
    // Declared after library_: its handles are closed before the library goes.
    std::optional<LoginSession> session_;
};

} // namespace cabridge::skf
