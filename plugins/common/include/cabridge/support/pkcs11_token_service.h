// The token operations every PKCS#11-backed vendor plugin needs: list tokens
// with their certificates, log in, sign, log out. One instance per plugin
// instance; the host calls it from one thread at a time.
#pragma once

#include <cabridge/support/pkcs11_key_signer.h>
#include <cabridge/support/pkcs11_module.h>
#include <cabridge/support/pkcs11_slot_list.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cabridge {

class Pkcs11TokenService {
public:
    // `retryCounterSymbol` names an optional vendor export giving exact PIN
    // tries left (empty: none); `sm2` how the module signs SM2 (none: SM2-SM3
    // is UNSUPPORTED). Nothing is loaded until the first call.
    Pkcs11TokenService(std::string modulePath, std::string retryCounterSymbol,
                       std::optional<Sm2Mechanism> sm2 = std::nullopt);
    ~Pkcs11TokenService();

    // The plugin.h list_tokens array for the tokens present now (initialised
    // tokens only). Throws PluginError.
    nlohmann::json listTokens();

    // The list_tokens entry of the token named `tokenRef` alone, as a one-element
    // array, or an empty array when it is not present. Reads no other token.
    nlohmann::json listToken(std::string_view tokenRef);

    // One C_Login on the token named `tokenRef`; never retried. On success
    // the login session stays open until logout() (or the next login).
    // PIN_INCORRECT errors carry finalTry/retriesLeft from the live token;
    // a token that reports itself locked after a wrong PIN gives PIN_LOCKED.
    void login(std::string_view tokenRef, std::string_view pin);

    // Signs `data` with the private key of certificate `certRef` (the key with
    // the certificate's CKA_ID) on the token logged in by login(). NOT_LOGGED_IN
    // without one, CERTIFICATE_NOT_FOUND when no private key has that CKA_ID,
    // UNSUPPORTED when the algorithm does not fit the key.
    std::vector<std::uint8_t> sign(std::string_view tokenRef, std::string_view certRef, std::string_view algorithm,
                                   std::span<const std::uint8_t> data);

    // plugin.h check_certificate: returns when the token named `tokenRef` is present
    // and holds under `certRef` (hex CKA_ID) a certificate whose DER hashes to
    // `certSha256`; PluginError NO_TOKEN / CERTIFICATE_NOT_FOUND otherwise. Finds the
    // slot and reads that certificate object in a read-only session of its own; never
    // logs in (ends a login still open, as listing does). The session is kept for a
    // login() on the same token that comes next and within kPreparedLoginLifetime,
    // which then logs in on it without looking for the slot again; any other call
    // drops it.
    void checkCertificate(std::string_view tokenRef, std::string_view certRef,
                          std::span<const std::uint8_t, 32> certSha256);

    // Logs out and drops the session. Safe without a login.
    void logout(std::string_view tokenRef);

private:
    struct LoginSession;
    Pkcs11Module &module();
    // A session on the token named `tokenRef`, not logged in; NO_TOKEN when absent.
    std::unique_ptr<LoginSession> openSession(std::string_view tokenRef);
    // The list_tokens entry of the initialised token in `slot`.
    nlohmann::json tokenEntry(Pkcs11Module &mod, PKCS11_SLOT &slot);
    // Ends a login first: releasing a slot list ends every session of its slots.
    void endLoginBeforeListing();

    std::string modulePath_;
    std::string retryCounterSymbol_;
    std::optional<Sm2Mechanism> sm2_;
    std::unique_ptr<LoginSession> session_;
    // Left by checkCertificate() for the login that follows it (not logged in).
    std::unique_ptr<LoginSession> preparedLogin_;
    // A login reuses the checked session only this soon after the check: the host
    // logs in right after it, within the same request.
    static constexpr std::chrono::milliseconds kPreparedLoginLifetime{2000};
};

} // namespace cabridge
