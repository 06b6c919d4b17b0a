// The token operations every PKCS#11-backed vendor plugin needs: list tokens
// with their certificates, log in, sign, log out. One instance per plugin
// instance; the host calls it from one thread at a time.
#pragma once

#include <cabridge/support/pkcs11_key_signer.h>
#include <cabridge/support/pkcs11_module.h>
#include <cabridge/support/pkcs11_slot_list.h>

#include <nlohmann/json.hpp>

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
    // tokens only). Throws PluginFailure.
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
    // `certSha256`; PluginFailure NO_TOKEN / CERTIFICATE_NOT_FOUND otherwise. Finds the
    // slot and reads that certificate object in a read-only session of its own, closed
    // before it returns; never logs in (ends a login still open, as listing does).
    void checkCertificate(std::string_view tokenRef, std::string_view certRef,
                          std::span<const std::uint8_t, 32> certSha256);

    // What a whole login gives back.
    struct Authentication {
        std::vector<std::uint8_t> signature;
        // The token says the user PIN is still the initial one (CKF_USER_PIN_TO_BE_CHANGED,
        // read after the login succeeded).
        bool pinToBeChanged = false;
    };

    // plugin.h authenticate, in one session of its own that is closed before it returns:
    // checks the certificate as checkCertificate() does (NO_TOKEN / CERTIFICATE_NOT_FOUND
    // before the PIN is tried), one C_Login (errors as login()), signs as sign() does and
    // always calls C_Logout after a successful C_Login. Ends a login still open first.
    Authentication authenticate(std::string_view tokenRef, std::string_view certRef,
                                std::span<const std::uint8_t, 32> certSha256, std::string_view pin,
                                std::string_view algorithm, std::span<const std::uint8_t> data);

    // Logs out and drops the session. Safe without a login.
    void logout(std::string_view tokenRef);

    // plugin.h change_pin, in a read-write session of its own closed before it returns:
    // NO_TOKEN when the token is absent; one C_Login as user with `oldPin` (errors as
    // login(): PIN_INCORRECT with the live retries, PIN_LOCKED), then C_SetPIN(old, new)
    // (CKR_PIN_LEN_RANGE / CKR_PIN_INVALID: PIN_INVALID) and C_Logout. The login first
    // makes a wrong old PIN count on the token's user PIN counter the way a login does,
    // and reports it the same way. Ends a login still open first.
    void changePin(std::string_view tokenRef, std::string_view oldPin, std::string_view newPin);

    // plugin.h unblock_pin, in a read-write session of its own closed before it returns:
    // NO_TOKEN when the token is absent; one C_Login as SO with `soPin` (PIN_INCORRECT /
    // PIN_LOCKED with the SO PIN's live flags: CKF_SO_PIN_FINAL_TRY, CKF_SO_PIN_LOCKED),
    // then C_InitPIN(newPin) (PIN_INVALID for a form the token refuses) and C_Logout.
    void unblockPin(std::string_view tokenRef, std::string_view soPin, std::string_view newPin);

    // ---- Enrolment (plugin.h generate_key .. delete_key; pkcs11_key_enrollment.h). Each
    // opens its own session (read-write where it changes the token), logs in with `pin` where
    // it needs to (one C_Login, errors as login()) and always logs out before it returns.
    // NO_TOKEN when the token is absent, before the PIN is tried. Ends a login still open first.
    // generate_key: UNSUPPORTED for a type the plugin cannot make, before the PIN is tried.
    nlohmann::json generateKey(std::string_view tokenRef, std::string_view keyType, std::string_view pin);
    // sign_with_key: the key `keyId` (hex CKA_ID) signs as sign() does.
    std::vector<std::uint8_t> signWithKey(std::string_view tokenRef, std::string_view keyId, std::string_view pin,
                                          std::string_view algorithm, std::span<const std::uint8_t> data);
    // install_certificate: {"ref": ...}.
    nlohmann::json installCertificate(std::string_view tokenRef, std::string_view keyId,
                                      std::span<const std::uint8_t> der, std::optional<std::string_view> replaceRef,
                                      std::string_view pin);
    // list_keys, without a login.
    nlohmann::json listKeys(std::string_view tokenRef);
    void deleteKey(std::string_view tokenRef, std::string_view keyId, std::string_view pin);

private:
    struct LoginSession;
    Pkcs11Module &module();
    // A session on the token named `tokenRef`, not logged in; NO_TOKEN when absent.
    std::unique_ptr<LoginSession> openSession(std::string_view tokenRef, bool readWrite = false);
    // The list_tokens entry of the initialised token in `slot`.
    nlohmann::json tokenEntry(Pkcs11Module &mod, PKCS11_SLOT &slot);
    // Ends a login first: releasing a slot list ends every session of its slots.
    void endLoginBeforeListing();
    // One C_Login on `session`; on failure throws PluginFailure with the token's live PIN
    // state (finalTry, retriesLeft, PIN_LOCKED when the token says it is locked).
    void logIn(const LoginSession &session, std::string_view pin);

    std::string modulePath_;
    std::string retryCounterSymbol_;
    std::optional<Sm2Mechanism> sm2_;
    std::unique_ptr<LoginSession> session_;
};

} // namespace cabridge
