#include <cabridge/support/pkcs11_error.h>
#include <cabridge/support/pkcs11_key_signer.h>
#include <cabridge/support/pkcs11_sm2_signer.h>
#include <cabridge/support/plugin_failure.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <array>
#include <memory>

namespace cabridge {
namespace {

using EcGroupPtr = std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)>;

// DER of DigestInfo { sha256, NULL } up to the digest (RFC 8017, 9.2 note 1):
// CKM_RSA_PKCS pads and signs exactly what it is given.
constexpr std::array<std::uint8_t, 19> kSha256DigestInfo{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                                         0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
// DigestInfo { sha1, NULL } up to the digest: RS1 is only for legacy portals whose back end
// checks HeBCA's algorithm 1 (SHA1withRSA) over their random string (docs/protocol.md 3.4).
constexpr std::array<std::uint8_t, 15> kSha1DigestInfo{0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e,
                                                       0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14};

bool isRsa(SignatureAlgorithm algorithm) {
    return algorithm == SignatureAlgorithm::RS256 || algorithm == SignatureAlgorithm::RS1;
}

// Signatures of RSA-8192 fit; a module asking for more is broken.
constexpr CK_ULONG kInitialSignatureBytes = 1024;
constexpr CK_ULONG kMaxSignatureBytes = CK_ULONG{64} * 1024;

CK_OBJECT_HANDLE findPrivateKey(const Pkcs11Session &session, std::span<const std::uint8_t> keyId) {
    CK_OBJECT_CLASS keyClass = CKO_PRIVATE_KEY;
    std::vector<std::uint8_t> id(keyId.begin(), keyId.end()); // CK_ATTRIBUTE takes a non-const pointer
    std::array<CK_ATTRIBUTE, 2> templ{
        {{CKA_CLASS, &keyClass, sizeof keyClass}, {CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())}}};
    ObjectSearch search(session, templ.data(), templ.size(), "private keys");
    const std::optional<CK_OBJECT_HANDLE> key = search.first();
    if (!key)
        throw PluginFailure(CABRIDGE_ERR_CERTIFICATE_NOT_FOUND, "no private key with the certificate's CKA_ID");
    return *key;
}

// The curve size of DER EC parameters (a named curve or explicit ones), 0 if unreadable.
int curveBits(const std::uint8_t *der, CK_ULONG length) {
    const unsigned char *p = der;
    EcGroupPtr group(d2i_ECPKParameters(nullptr, &p, static_cast<long>(length)), &EC_GROUP_free);
    if (!group)
        return 0;
    switch (EC_GROUP_get_curve_name(group.get())) {
    case NID_X9_62_prime256v1:
        return 256;
    case NID_secp384r1:
        return 384;
    case NID_undef:
        // Explicit parameters: only the size is known. Another named curve of
        // the same size (brainpool, SM2) is not what the algorithm names.
        return EC_GROUP_get_degree(group.get());
    default:
        return -1;
    }
}

// The token is not asked to sign with a key the algorithm does not fit.
void requireAlgorithmFitsKey(const Pkcs11Session &session, CK_OBJECT_HANDLE key, SignatureAlgorithm algorithm) {
    CK_KEY_TYPE keyType = CKK_VENDOR_DEFINED;
    std::array<std::uint8_t, 512> params{};
    std::array<CK_ATTRIBUTE, 2> attrs{{{CKA_KEY_TYPE, &keyType, sizeof keyType},
                                       {CKA_EC_PARAMS, params.data(), static_cast<CK_ULONG>(params.size())}}};
    // One call for both: an RSA key has no CKA_EC_PARAMS, which the module
    // reports with CKR_ATTRIBUTE_TYPE_INVALID while still filling the key type.
    const CK_RV rv = session.functions().C_GetAttributeValue(session.handle(), key, attrs.data(), attrs.size());
    if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE)
        throwCkr("C_GetAttributeValue (key type)", rv);
    if (attrs[0].ulValueLen != sizeof keyType)
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "the token does not say what type the private key is");

    if (isRsa(algorithm)) {
        if (keyType != CKK_RSA)
            throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, "RS256 and RS1 need an RSA key");
        return;
    }
    const bool p256 = algorithm == SignatureAlgorithm::ES256;
    const bool readable = attrs[1].ulValueLen != CK_UNAVAILABLE_INFORMATION && attrs[1].ulValueLen <= params.size();
    if (keyType != CKK_EC || !readable || curveBits(params.data(), attrs[1].ulValueLen) != (p256 ? 256 : 384))
        throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, std::string(p256 ? "ES256" : "ES384") + " needs an EC " +
                                                          (p256 ? "prime256v1" : "secp384r1") + " key");
}

std::vector<std::uint8_t> digestOf(SignatureAlgorithm algorithm, std::span<const std::uint8_t> data) {
    const EVP_MD *md = algorithm == SignatureAlgorithm::ES384 ? EVP_sha384()
                       : algorithm == SignatureAlgorithm::RS1 ? EVP_sha1()
                                                              : EVP_sha256();
    std::vector<std::uint8_t> digest(EVP_MAX_MD_SIZE);
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest.data(), &length, md, nullptr) != 1)
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "hashing the data to sign failed");
    digest.resize(length);
    return digest;
}

// r || s, as CKM_ECDSA returns it, to the DER ECDSA-Sig-Value plugin.h promises.
std::vector<std::uint8_t> ecdsaDer(std::span<const std::uint8_t> raw) {
    if (raw.empty() || raw.size() % 2 != 0 || raw.size() > std::size_t{2} * 66)
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "the token returned a malformed ECDSA signature");
    const auto half = static_cast<int>(raw.size() / 2);
    EcdsaSigPtr sig(ECDSA_SIG_new(), &ECDSA_SIG_free);
    BIGNUM *r = BN_bin2bn(raw.data(), half, nullptr);
    BIGNUM *s = BN_bin2bn(raw.data() + half, half, nullptr);
    if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "out of memory");
    }
    // r and s are owned by sig from here.
    const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (length <= 0)
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "cannot encode the ECDSA signature");
    std::vector<std::uint8_t> der(static_cast<std::size_t>(length));
    unsigned char *out = der.data();
    i2d_ECDSA_SIG(sig.get(), &out);
    return der;
}

} // namespace

SignatureAlgorithm parseSignatureAlgorithm(std::string_view name) {
    if (name == "RS256")
        return SignatureAlgorithm::RS256;
    if (name == "RS1")
        return SignatureAlgorithm::RS1;
    if (name == "ES256")
        return SignatureAlgorithm::ES256;
    if (name == "ES384")
        return SignatureAlgorithm::ES384;
    if (name == "SM2-SM3")
        return SignatureAlgorithm::SM2_SM3;
    throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED,
                        "signature algorithm not supported by this plugin: " + std::string(name.substr(0, 32)));
}

std::vector<std::uint8_t> signWithTokenKey(const Pkcs11Session &session, std::span<const std::uint8_t> keyId,
                                           SignatureAlgorithm algorithm, std::span<const std::uint8_t> data,
                                           const std::optional<Sm2Mechanism> &sm2) {
    if (algorithm == SignatureAlgorithm::SM2_SM3 && !sm2)
        throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, "SM2-SM3: the vendor's descriptor names no SM2 mechanism (sm2)");
    const CK_OBJECT_HANDLE key = findPrivateKey(session, keyId);
    if (algorithm == SignatureAlgorithm::SM2_SM3)
        return signSm2WithTokenKey(session, key, keyId, *sm2, data);
    requireAlgorithmFitsKey(session, key, algorithm);

    std::vector<std::uint8_t> input = digestOf(algorithm, data);
    const bool rsa = isRsa(algorithm);
    if (algorithm == SignatureAlgorithm::RS256)
        input.insert(input.begin(), kSha256DigestInfo.begin(), kSha256DigestInfo.end());
    else if (algorithm == SignatureAlgorithm::RS1)
        input.insert(input.begin(), kSha1DigestInfo.begin(), kSha1DigestInfo.end());
    CK_MECHANISM mechanism{rsa ? CKM_RSA_PKCS : CKM_ECDSA, nullptr, 0};

    const CK_FUNCTION_LIST &f = session.functions();
    CK_RV rv = f.C_SignInit(session.handle(), &mechanism, key);
    if (rv != CKR_OK)
        throwCkr("C_SignInit", rv);
    std::vector<std::uint8_t> signature(kInitialSignatureBytes);
    CK_ULONG length = signature.size();
    rv = f.C_Sign(session.handle(), input.data(), input.size(), signature.data(), &length);
    if (rv == CKR_BUFFER_TOO_SMALL && length > signature.size() && length <= kMaxSignatureBytes) {
        // The operation stays active after CKR_BUFFER_TOO_SMALL (PKCS#11 5.2).
        signature.resize(length);
        rv = f.C_Sign(session.handle(), input.data(), input.size(), signature.data(), &length);
    }
    if (rv != CKR_OK)
        throwCkr("C_Sign", rv);
    if (length == 0 || length > signature.size())
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "the token returned a signature of impossible length");
    signature.resize(length);
    return rsa ? signature : ecdsaDer(signature);
}

} // namespace cabridge
