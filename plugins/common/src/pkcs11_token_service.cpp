#include <cabridge/support/encoding.h>
#include <cabridge/support/openssl_ptr.h>
#include <cabridge/support/pkcs11_certificate_reader.h>
#include <cabridge/support/pkcs11_error.h>
#include <cabridge/support/pkcs11_token_service.h>
#include <cabridge/support/plugin_error.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include <chrono>
#include <cstring>
#include <optional>

namespace cabridge {

using nlohmann::json;

// The token a user logged in to. Holds its own SlotList because libp11 ends
// every session (and so the login) of a slot when the list is released, and
// keeps a copy of the PIN (for re-login after fork) until then.
// checkCertificate() leaves one behind, not yet logged in, for the login that
// follows it (see preparedLogin_).
struct Pkcs11TokenService::LoginSession {
    explicit LoginSession(Pkcs11Module &module) : slots(module) {}
    SlotList slots;
    PKCS11_SLOT *slot = nullptr;
    std::string tokenRef;
    std::chrono::steady_clock::time_point enumeratedAt = std::chrono::steady_clock::now();
};

namespace {

// A NUL-terminated copy of the PIN for libp11, wiped when the call ends.
class PinBuffer {
public:
    explicit PinBuffer(std::string_view pin) : text_(pin) {}
    ~PinBuffer() { OPENSSL_cleanse(text_.data(), text_.size()); }
    PinBuffer(const PinBuffer &) = delete;
    PinBuffer &operator=(const PinBuffer &) = delete;
    const char *c_str() const noexcept { return text_.c_str(); }

private:
    std::string text_;
};

std::string openSslErrorText() {
    const unsigned long e = ERR_peek_last_error();
    char buf[256] = "unknown error";
    if (e != 0)
        ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

} // namespace

SignatureAlgorithm parseSignatureAlgorithm(std::string_view name) {
    if (name == "RS256")
        return SignatureAlgorithm::RS256;
    if (name == "ES256")
        return SignatureAlgorithm::ES256;
    if (name == "ES384")
        return SignatureAlgorithm::ES384;
    throw PluginError(CABRIDGE_ERR_UNSUPPORTED,
                      "signature algorithm not supported by this plugin: " + std::string(name.substr(0, 32)));
}

void requireAlgorithmFitsKey(SignatureAlgorithm algorithm, EVP_PKEY *key) {
    if (key == nullptr)
        throw PluginError(CABRIDGE_ERR_PLUGIN, "no readable key");
    const int type = EVP_PKEY_get_base_id(key);
    if (algorithm == SignatureAlgorithm::RS256) {
        if (type != EVP_PKEY_RSA)
            throw PluginError(CABRIDGE_ERR_UNSUPPORTED, "RS256 needs an RSA key");
        return;
    }
    const bool p256 = algorithm == SignatureAlgorithm::ES256;
    const char *wanted = p256 ? "prime256v1" : "secp384r1";
    bool fits = false;
    if (type == EVP_PKEY_EC) {
        char group[64] = "";
        size_t groupLen = 0;
        if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &groupLen) == 1) {
            fits = std::strcmp(group, wanted) == 0;
        } else {
            // libp11's token keys are legacy EC_KEYs whose group name OpenSSL 3.0 may not
            // report; the size tells P-256 from P-384 (the host picked the algorithm from
            // the certificate's named curve before asking).
            fits = EVP_PKEY_get_bits(key) == (p256 ? 256 : 384);
        }
    }
    ERR_clear_error();
    if (!fits)
        throw PluginError(CABRIDGE_ERR_UNSUPPORTED,
                          std::string(p256 ? "ES256" : "ES384") + " needs an EC " + wanted + " key");
}

Pkcs11TokenService::Pkcs11TokenService(std::string modulePath, std::string retryCounterSymbol)
    : modulePath_(std::move(modulePath)), retryCounterSymbol_(std::move(retryCounterSymbol)) {}

Pkcs11TokenService::~Pkcs11TokenService() {
    if (session_) {
        PKCS11_logout(session_->slot);
        ERR_clear_error();
    }
}

Pkcs11Module &Pkcs11TokenService::module() { return Pkcs11Module::forPath(modulePath_); }

void Pkcs11TokenService::endLoginBeforeListing() {
    // Releasing any slot list closes every session of its slots, which would
    // silently end a login; end it explicitly instead.
    if (session_)
        logout(session_->tokenRef);
    preparedLogin_.reset();
}

json Pkcs11TokenService::tokenEntry(Pkcs11Module &mod, PKCS11_SLOT &slot) {
    PKCS11_TOKEN &token = *slot.token;
    const unsigned long slotId = PKCS11_get_slotid_from_slot(&slot);
    const PinFlags flags = mod.livePinFlags(slotId).value_or(
        PinFlags{token.userPinCountLow != 0, token.userPinFinalTry != 0, token.userPinLocked != 0});
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

void Pkcs11TokenService::login(std::string_view tokenRef, std::string_view pin) {
    if (pin.find('\0') != std::string_view::npos)
        throw PluginError(CABRIDGE_ERR_PIN_INVALID, "PIN contains a NUL character");
    if (session_)
        logout(session_->tokenRef);

    Pkcs11Module &mod = module();
    // The slots checkCertificate() just enumerated for this token, when this login
    // follows it at once; otherwise a fresh enumeration.
    std::unique_ptr<LoginSession> session = std::move(preparedLogin_);
    if (!session || session->tokenRef != tokenRef ||
        std::chrono::steady_clock::now() - session->enumeratedAt > kPreparedLoginLifetime) {
        session.reset(); // released before enumerating again
        session = std::make_unique<LoginSession>(mod);
        session->slot = session->slots.findToken(tokenRef);
        if (session->slot == nullptr)
            throw PluginError(CABRIDGE_ERR_NO_TOKEN, "no token with reference " + std::string(tokenRef.substr(0, 64)));
        session->tokenRef = std::string(tokenRef);
    }

    // Opening the session is separate from C_Login so the SoftHSM start-up
    // race can be retried here without ever repeating C_Login.
    if (PKCS11_open_session(session->slot, 0) != 0) {
        if (takeCkrFromErrorQueue() != CKR_GENERAL_ERROR || PKCS11_open_session(session->slot, 0) != 0)
            throwPkcs11Failure("C_OpenSession");
    }

    ERR_clear_error();
    int rc = 0;
    {
        PinBuffer pinText(pin);
        rc = PKCS11_login(session->slot, 0, pinText.c_str());
    }
    if (rc == 0) {
        session_ = std::move(session);
        return;
    }
    try {
        throwPkcs11Failure("C_Login");
    } catch (PluginError &error) {
        if (error.status() == CABRIDGE_ERR_PIN_INCORRECT || error.status() == CABRIDGE_ERR_PIN_LOCKED) {
            const unsigned long slotId = PKCS11_get_slotid_from_slot(session->slot);
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

std::vector<std::uint8_t> Pkcs11TokenService::sign(std::string_view tokenRef, std::string_view certRef,
                                                   std::string_view algorithmName, std::span<const std::uint8_t> data) {
    const SignatureAlgorithm algorithm = parseSignatureAlgorithm(algorithmName);
    preparedLogin_.reset();
    if (!session_ || session_->tokenRef != tokenRef)
        throw PluginError(CABRIDGE_ERR_NOT_LOGGED_IN, "sign without login on this token");
    PKCS11_TOKEN *token = session_->slot->token;
    if (token == nullptr)
        throw PluginError(CABRIDGE_ERR_TOKEN_REMOVED, "token is gone");

    // The reference is the certificate's CKA_ID (pkcs11_certificate_reader.h), which is
    // all it takes to find its key: no certificate is read or decoded here.
    const std::optional<std::vector<std::uint8_t>> certId = hexDecode(certRef);
    if (!certId || certId->empty())
        throw PluginError(CABRIDGE_ERR_CERTIFICATE_NOT_FOUND,
                          "the certificate has no CKA_ID, so no private key belongs to it");

    PKCS11_KEY *keys = nullptr; // owned by the token
    unsigned int keyCount = 0;
    if (PKCS11_enumerate_keys(token, &keys, &keyCount) != 0)
        throwPkcs11Failure("C_FindObjects (private keys)");
    PKCS11_KEY *key = nullptr;
    for (unsigned int i = 0; i < keyCount && key == nullptr; ++i) {
        if (keys[i].isPrivate && keys[i].id_len == certId->size() &&
            std::memcmp(keys[i].id, certId->data(), certId->size()) == 0)
            key = &keys[i];
    }
    if (key == nullptr)
        throw PluginError(CABRIDGE_ERR_CERTIFICATE_NOT_FOUND, "no private key with the certificate's CKA_ID");

    EvpPkeyPtr privateKey(PKCS11_get_private_key(key));
    if (!privateKey)
        throwPkcs11Failure("PKCS11_get_private_key");
    // The algorithm must fit the key before the token is asked to sign.
    requireAlgorithmFitsKey(algorithm, privateKey.get());

    EvpMdCtxPtr mdCtx(EVP_MD_CTX_new());
    if (!mdCtx)
        throw PluginError(CABRIDGE_ERR_PLUGIN, "out of memory");
    const EVP_MD *md = algorithm == SignatureAlgorithm::ES384 ? EVP_sha384() : EVP_sha256();
    EVP_PKEY_CTX *pkeyCtx = nullptr; // owned by mdCtx
    ERR_clear_error();
    if (EVP_DigestSignInit(mdCtx.get(), &pkeyCtx, md, nullptr, privateKey.get()) != 1)
        throw PluginError(CABRIDGE_ERR_PLUGIN, "EVP_DigestSignInit failed: " + openSslErrorText());
    if (algorithm == SignatureAlgorithm::RS256 && EVP_PKEY_CTX_set_rsa_padding(pkeyCtx, RSA_PKCS1_PADDING) != 1)
        throw PluginError(CABRIDGE_ERR_PLUGIN, "cannot select PKCS#1 v1.5 padding");
    size_t sigLen = 0;
    if (EVP_DigestSign(mdCtx.get(), nullptr, &sigLen, data.data(), data.size()) != 1)
        throw PluginError(CABRIDGE_ERR_PLUGIN, "EVP_DigestSign (size) failed: " + openSslErrorText());
    std::vector<std::uint8_t> signature(sigLen);
    if (EVP_DigestSign(mdCtx.get(), signature.data(), &sigLen, data.data(), data.size()) != 1) {
        const std::string detail = openSslErrorText();
        if (ERR_peek_error() != 0) {
            // A token failure is reported by libp11 as a CKR on the queue.
            const unsigned long ckr = takeCkrFromErrorQueue();
            if (ckr != 0)
                throw PluginError(statusForCkr(ckr), "C_Sign failed: " + ckrName(ckr), static_cast<std::uint32_t>(ckr));
        }
        throw PluginError(CABRIDGE_ERR_PLUGIN, "EVP_DigestSign failed: " + detail);
    }
    signature.resize(sigLen);
    return signature;
}

void Pkcs11TokenService::checkCertificate(std::string_view tokenRef, std::string_view certRef,
                                          std::span<const std::uint8_t, 32> certSha256) {
    endLoginBeforeListing();
    auto prepared = std::make_unique<LoginSession>(module());
    prepared->slot = prepared->slots.findToken(tokenRef);
    if (prepared->slot == nullptr)
        throw PluginError(CABRIDGE_ERR_NO_TOKEN, "no token with reference " + std::string(tokenRef.substr(0, 64)));
    const std::optional<std::vector<std::uint8_t>> certId = hexDecode(certRef);
    if (!certId || certId->empty() ||
        !tokenHoldsCertificate(module(), PKCS11_get_slotid_from_slot(prepared->slot), *certId, certSha256))
        throw PluginError(CABRIDGE_ERR_CERTIFICATE_NOT_FOUND,
                          "the token holds no certificate with that CKA_ID and SHA-256");
    prepared->tokenRef = std::string(tokenRef);
    preparedLogin_ = std::move(prepared);
}

void Pkcs11TokenService::logout(std::string_view tokenRef) {
    preparedLogin_.reset();
    if (!session_ || session_->tokenRef != tokenRef)
        return;
    // Dropping the session releases the slots: libp11 then closes the
    // sessions and wipes its copy of the PIN, whatever C_Logout said.
    auto session = std::move(session_);
    if (PKCS11_logout(session->slot) != 0)
        throwPkcs11Failure("C_Logout");
}

} // namespace cabridge
