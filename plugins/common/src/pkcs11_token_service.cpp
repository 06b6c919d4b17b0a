#include <cabridge/common/encoding.h>
#include <cabridge/support/pkcs11_certificate_reader.h>
#include <cabridge/support/pkcs11_error.h>
#include <cabridge/support/pkcs11_key_enrollment.h>
#include <cabridge/support/pkcs11_session.h>
#include <cabridge/support/pkcs11_token_service.h>
#include <cabridge/support/plugin_failure.h>

#include <algorithm>
#include <cstdint>
#include <optional>

namespace cabridge {

using nlohmann::json;

// The session of a login (session_), of a certificate check or of a whole login
// (authenticate). Closing it (when this goes) ends the login too: it is the
// application's only session on the token.
struct Pkcs11TokenService::LoginSession {
    LoginSession(const CK_FUNCTION_LIST &functions, CK_SLOT_ID slotId, std::string_view ref, bool readWrite)
        : session(functions, slotId, readWrite), tokenRef(ref) {}
    Pkcs11Session session;
    std::string tokenRef;
};

Pkcs11TokenService::Pkcs11TokenService(std::string modulePath, std::string retryCounterSymbol,
                                       std::optional<Sm2Mechanism> sm2)
    : modulePath_(std::move(modulePath)), retryCounterSymbol_(std::move(retryCounterSymbol)), sm2_(sm2) {}

Pkcs11TokenService::~Pkcs11TokenService() {
    if (session_)
        session_->session.functions().C_Logout(session_->session.handle());
}

Pkcs11Module &Pkcs11TokenService::module() { return Pkcs11Module::forPath(modulePath_); }

void Pkcs11TokenService::endLoginBeforeListing() {
    // Releasing any slot list closes every session of its slots, which would
    // silently end a login; end it explicitly instead.
    if (session_)
        logout(session_->tokenRef);
}

json Pkcs11TokenService::tokenEntry(Pkcs11Module &mod, PKCS11_SLOT &slot) {
    PKCS11_TOKEN &token = *slot.token;
    const unsigned long slotId = PKCS11_get_slotid_from_slot(&slot);
    const PinFlags flags = mod.livePinFlags(slotId).value_or(
        PinFlags{token.userPinCountLow != 0, token.userPinFinalTry != 0, token.userPinLocked != 0,
                 token.userPinToBeChanged != 0});
    json entry = {
        {"ref", tokenRefOf(token)},
        {"label", trimmed(token.label)},
        {"serial", trimmed(token.serialnr)},
        {"manufacturer", trimmed(token.manufacturer)},
        {"model", trimmed(token.model)},
        {"pinFlags", {{"countLow", flags.countLow}, {"finalTry", flags.finalTry}, {"locked", flags.locked}}},
        {"retriesLeft", nullptr},
    };
    if (auto left = mod.retriesLeft(retryCounterSymbol_, slotId))
        entry["retriesLeft"] = *left;

    json certList = json::array();
    for (const TokenCertificate &cert : readTokenCertificates(mod, slotId)) {
        certList.push_back({{"ref", certificateRefOf(cert)}, {"label", cert.label}, {"der", base64Encode(cert.der)}});
    }
    entry["certificates"] = std::move(certList);
    return entry;
}

json Pkcs11TokenService::listTokens() {
    endLoginBeforeListing();
    Pkcs11Module &mod = module();
    SlotList slots(mod);
    json tokens = json::array();
    for (PKCS11_SLOT &slot : slots.slots()) {
        if (slot.token == nullptr || !slot.token->initialized)
            continue;
        tokens.push_back(tokenEntry(mod, slot));
    }
    return tokens;
}

json Pkcs11TokenService::listToken(std::string_view tokenRef) {
    endLoginBeforeListing();
    Pkcs11Module &mod = module();
    SlotList slots(mod);
    json tokens = json::array();
    if (PKCS11_SLOT *slot = slots.findToken(tokenRef))
        tokens.push_back(tokenEntry(mod, *slot));
    return tokens;
}

std::unique_ptr<Pkcs11TokenService::LoginSession> Pkcs11TokenService::openSession(std::string_view tokenRef,
                                                                                  bool readWrite) {
    const Pkcs11Module &mod = module();
    const std::optional<CK_SLOT_ID> slot = findTokenSlot(mod, tokenRef);
    if (!slot)
        throw PluginFailure(CABRIDGE_ERR_NO_TOKEN, "no token with reference " + std::string(tokenRef.substr(0, 64)));
    return std::make_unique<LoginSession>(functionsOf(mod), *slot, tokenRef, readWrite);
}

void Pkcs11TokenService::logIn(const LoginSession &session, std::string_view pin) {
    if (pin.find('\0') != std::string_view::npos)
        throw PluginFailure(CABRIDGE_ERR_PIN_INVALID, "PIN contains a NUL character");
    // The module reads the PIN where the caller holds it: no copy here to wipe.
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): C_Login only reads the PIN; CK_UTF8CHAR_PTR lacks const
    auto *pinBytes = reinterpret_cast<CK_UTF8CHAR *>(const_cast<char *>(pin.data()));
    const CK_RV rv = session.session.functions().C_Login(session.session.handle(), CKU_USER, pinBytes,
                                                         static_cast<CK_ULONG>(pin.size()));
    if (rv == CKR_OK)
        return;
    try {
        throwCkr("C_Login", rv);
    } catch (PluginFailure &error) {
        if (error.status() == CABRIDGE_ERR_PIN_INCORRECT || error.status() == CABRIDGE_ERR_PIN_LOCKED) {
            const Pkcs11Module &mod = module();
            const CK_SLOT_ID slotId = session.session.slotId();
            if (auto flags = mod.livePinFlags(slotId)) {
                error.setFinalTry(flags->finalTry);
                if (flags->locked)
                    error.setStatus(CABRIDGE_ERR_PIN_LOCKED);
            }
            if (auto left = mod.retriesLeft(retryCounterSymbol_, slotId)) {
                error.setRetriesLeft(static_cast<std::int32_t>(std::min<unsigned long>(*left, INT32_MAX)));
                if (*left == 0)
                    error.setStatus(CABRIDGE_ERR_PIN_LOCKED);
            }
        }
        throw;
    }
}

void Pkcs11TokenService::login(std::string_view tokenRef, std::string_view pin) {
    if (pin.find('\0') != std::string_view::npos)
        throw PluginFailure(CABRIDGE_ERR_PIN_INVALID, "PIN contains a NUL character");
    if (session_)
        logout(session_->tokenRef);
    std::unique_ptr<LoginSession> session = openSession(tokenRef);
    logIn(*session, pin);
    session_ = std::move(session);
}

std::vector<std::uint8_t> Pkcs11TokenService::sign(std::string_view tokenRef, std::string_view certRef,
                                                   std::string_view algorithmName, std::span<const std::uint8_t> data) {
    const SignatureAlgorithm algorithm = parseSignatureAlgorithm(algorithmName);
    if (!session_ || session_->tokenRef != tokenRef)
        throw PluginFailure(CABRIDGE_ERR_NOT_LOGGED_IN, "sign without login on this token");

    // The reference is the certificate's CKA_ID (pkcs11_certificate_reader.h), which is
    // all it takes to find its key: no certificate is read or decoded here.
    const std::optional<std::vector<std::uint8_t>> certId = hexDecode(certRef);
    if (!certId || certId->empty())
        throw PluginFailure(CABRIDGE_ERR_CERTIFICATE_NOT_FOUND,
                            "the certificate has no CKA_ID, so no private key belongs to it");
    return signWithTokenKey(session_->session, *certId, algorithm, data, sm2_);
}

void Pkcs11TokenService::checkCertificate(std::string_view tokenRef, std::string_view certRef,
                                          std::span<const std::uint8_t, 32> certSha256) {
    endLoginBeforeListing();
    const std::unique_ptr<LoginSession> session = openSession(tokenRef);
    const std::optional<std::vector<std::uint8_t>> certId = hexDecode(certRef);
    if (!certId || certId->empty() || !sessionSeesCertificate(session->session, *certId, certSha256))
        throw PluginFailure(CABRIDGE_ERR_CERTIFICATE_NOT_FOUND,
                            "the token holds no certificate with that CKA_ID and SHA-256");
}

Pkcs11TokenService::Authentication Pkcs11TokenService::authenticate(std::string_view tokenRef, std::string_view certRef,
                                                                    std::span<const std::uint8_t, 32> certSha256,
                                                                    std::string_view pin,
                                                                    std::string_view algorithmName,
                                                                    std::span<const std::uint8_t> data) {
    const SignatureAlgorithm algorithm = parseSignatureAlgorithm(algorithmName);
    endLoginBeforeListing();
    const std::unique_ptr<LoginSession> session = openSession(tokenRef);
    const std::optional<std::vector<std::uint8_t>> certId = hexDecode(certRef);
    if (!certId || certId->empty() || !sessionSeesCertificate(session->session, *certId, certSha256))
        throw PluginFailure(CABRIDGE_ERR_CERTIFICATE_NOT_FOUND,
                            "the token holds no certificate with that CKA_ID and SHA-256");
    logIn(*session, pin);
    // Logged in from here: C_Logout whatever happens next (closing the session when this
    // returns would end the login too, but a module may keep a login of a closed session).
    struct LogoutAtEnd {
        const Pkcs11Session &session;
        ~LogoutAtEnd() { session.functions().C_Logout(session.handle()); }
    } logoutAtEnd{session->session};
    Authentication result;
    if (const auto flags = module().livePinFlags(session->session.slotId()))
        result.pinToBeChanged = flags->toBeChanged;
    result.signature = signWithTokenKey(session->session, *certId, algorithm, data, sm2_);
    return result;
}

void Pkcs11TokenService::logout(std::string_view tokenRef) {
    if (!session_ || session_->tokenRef != tokenRef)
        return;
    // The session closes when this returns, whatever C_Logout said, and
    // closing the application's last session ends a login anyway.
    const std::unique_ptr<LoginSession> session = std::move(session_);
    const CK_RV rv = session->session.functions().C_Logout(session->session.handle());
    if (rv != CKR_OK)
        throwCkr("C_Logout", rv);
}

namespace {

// The module reads a PIN where the caller holds it: no copy to wipe. PKCS#11's
// CK_UTF8CHAR_PTR lacks const although C_Login, C_SetPIN and C_InitPIN only read it.
CK_UTF8CHAR *pinBytesOf(std::string_view pin) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): only read by the module (above)
    return reinterpret_cast<CK_UTF8CHAR *>(const_cast<char *>(pin.data()));
}

void refuseNul(std::string_view pin, std::string_view which) {
    if (pin.find('\0') != std::string_view::npos)
        throw PluginFailure(CABRIDGE_ERR_PIN_INVALID, std::string(which) + " contains a NUL character");
}

// C_Logout when it goes: the session closing would end the login too, but a module may
// keep a login of a closed session.
struct LogoutAtEnd {
    explicit LogoutAtEnd(const Pkcs11Session &loggedIn) : session(loggedIn) {}
    const Pkcs11Session &session;
    LogoutAtEnd(const LogoutAtEnd &) = delete;
    LogoutAtEnd &operator=(const LogoutAtEnd &) = delete;
    ~LogoutAtEnd() { session.functions().C_Logout(session.handle()); }
};

} // namespace

void Pkcs11TokenService::changePin(std::string_view tokenRef, std::string_view oldPin, std::string_view newPin) {
    refuseNul(oldPin, "old PIN");
    refuseNul(newPin, "new PIN");
    endLoginBeforeListing();
    const std::unique_ptr<LoginSession> session = openSession(tokenRef, true);
    logIn(*session, oldPin);
    const LogoutAtEnd logoutAtEnd(session->session);
    const CK_RV rv = session->session.functions().C_SetPIN(session->session.handle(), pinBytesOf(oldPin),
                                                           static_cast<CK_ULONG>(oldPin.size()), pinBytesOf(newPin),
                                                           static_cast<CK_ULONG>(newPin.size()));
    if (rv != CKR_OK)
        throwCkr("C_SetPIN", rv);
}

void Pkcs11TokenService::unblockPin(std::string_view tokenRef, std::string_view soPin, std::string_view newPin) {
    refuseNul(soPin, "SO PIN");
    refuseNul(newPin, "new PIN");
    endLoginBeforeListing();
    const std::unique_ptr<LoginSession> session = openSession(tokenRef, true);
    const Pkcs11Session &rw = session->session;
    const CK_RV loginRv = rw.functions().C_Login(rw.handle(), CKU_SO, pinBytesOf(soPin),
                                                 static_cast<CK_ULONG>(soPin.size()));
    if (loginRv != CKR_OK) {
        try {
            throwCkr("C_Login (SO)", loginRv);
        } catch (PluginFailure &error) {
            if (error.status() == CABRIDGE_ERR_PIN_INCORRECT || error.status() == CABRIDGE_ERR_PIN_LOCKED) {
                // The administrator PIN's own flags: the user PIN's counter says nothing about it.
                if (auto flags = module().liveSoPinFlags(rw.slotId())) {
                    error.setFinalTry(flags->finalTry);
                    if (flags->locked)
                        error.setStatus(CABRIDGE_ERR_PIN_LOCKED);
                }
            }
            throw;
        }
    }
    const LogoutAtEnd logoutAtEnd(rw);
    const CK_RV rv = rw.functions().C_InitPIN(rw.handle(), pinBytesOf(newPin), static_cast<CK_ULONG>(newPin.size()));
    if (rv != CKR_OK)
        throwCkr("C_InitPIN", rv);
}

nlohmann::json Pkcs11TokenService::generateKey(std::string_view tokenRef, std::string_view keyType,
                                               std::string_view pin) {
    if (keyType != "RSA-2048" && keyType != "P-256") // before the PIN is tried (pkcs11_key_enrollment.h)
        return generateTokenKeyPair(openSession(tokenRef)->session, keyType); // UNSUPPORTED, touching nothing
    refuseNul(pin, "PIN");
    endLoginBeforeListing();
    const std::unique_ptr<LoginSession> session = openSession(tokenRef, true);
    logIn(*session, pin);
    const LogoutAtEnd logoutAtEnd(session->session);
    return generateTokenKeyPair(session->session, keyType);
}

std::vector<std::uint8_t> Pkcs11TokenService::signWithKey(std::string_view tokenRef, std::string_view keyId,
                                                          std::string_view pin, std::string_view algorithmName,
                                                          std::span<const std::uint8_t> data) {
    const SignatureAlgorithm algorithm = parseSignatureAlgorithm(algorithmName);
    const std::optional<std::vector<std::uint8_t>> id = hexDecode(keyId);
    if (!id || id->empty())
        throw PluginFailure(CABRIDGE_ERR_CERTIFICATE_NOT_FOUND, "a PKCS#11 key id is the hex CKA_ID");
    refuseNul(pin, "PIN");
    endLoginBeforeListing();
    const std::unique_ptr<LoginSession> session = openSession(tokenRef);
    logIn(*session, pin);
    const LogoutAtEnd logoutAtEnd(session->session);
    return signWithTokenKey(session->session, *id, algorithm, data, sm2_);
}

nlohmann::json Pkcs11TokenService::installCertificate(std::string_view tokenRef, std::string_view keyId,
                                                      std::span<const std::uint8_t> der,
                                                      std::optional<std::string_view> replaceRef,
                                                      std::string_view pin) {
    refuseNul(pin, "PIN");
    endLoginBeforeListing();
    const std::unique_ptr<LoginSession> session = openSession(tokenRef, true);
    logIn(*session, pin);
    const LogoutAtEnd logoutAtEnd(session->session);
    const std::string replace(replaceRef.value_or(""));
    return {{"ref", storeCertificateForKey(session->session, keyId, der, replaceRef ? replace.c_str() : nullptr)}};
}

nlohmann::json Pkcs11TokenService::listKeys(std::string_view tokenRef) {
    endLoginBeforeListing();
    return listTokenKeyPairs(openSession(tokenRef)->session);
}

void Pkcs11TokenService::deleteKey(std::string_view tokenRef, std::string_view keyId, std::string_view pin) {
    refuseNul(pin, "PIN");
    endLoginBeforeListing();
    const std::unique_ptr<LoginSession> session = openSession(tokenRef, true);
    logIn(*session, pin);
    const LogoutAtEnd logoutAtEnd(session->session);
    destroyOrphanKeyPair(session->session, keyId);
}

} // namespace cabridge
