#include <cabridge/common/openssl_ptr.h>
#include <cabridge/common/sm2.h>
#include <cabridge/common/sm2_certificate_z.h>
#include <cabridge/support/pkcs11_error.h>
#include <cabridge/support/pkcs11_sm2_signer.h>
#include <cabridge/support/plugin_failure.h>

#include <openssl/ec.h>
#include <openssl/objects.h>

#include <array>
#include <optional>
#include <stdexcept>

namespace cabridge {
namespace {

using EcGroupPtr = std::unique_ptr<EC_GROUP, OpenSslDeleter<&EC_GROUP_free>>;

// A DER SM2 signature is at most 72 bytes; room for a module that pads.
constexpr CK_ULONG kInitialSignatureBytes = 256;
constexpr CK_ULONG kMaxSignatureBytes = 4096;
// Certificates on real keys are a few KiB.
constexpr CK_ULONG kMaxCertificateBytes = CK_ULONG{64} * 1024;

bool sm2CurveParameters(const std::vector<std::uint8_t> &der) {
    const unsigned char *p = der.data();
    const EcGroupPtr group(d2i_ECPKParameters(nullptr, &p, static_cast<long>(der.size())));
    return group && EC_GROUP_get_curve_name(group.get()) == NID_sm2;
}

// The key is what the descriptor calls an SM2 key: its key type, and for CKK_EC the SM2 curve.
void requireSm2Key(const Pkcs11Session &session, CK_OBJECT_HANDLE key, const Sm2Mechanism &sm2) {
    CK_KEY_TYPE keyType = CKK_VENDOR_DEFINED;
    std::vector<std::uint8_t> params(128);
    std::array<CK_ATTRIBUTE, 2> attrs{{{CKA_KEY_TYPE, &keyType, sizeof keyType},
                                       {CKA_EC_PARAMS, params.data(), static_cast<CK_ULONG>(params.size())}}};
    // A vendor key type may have no CKA_EC_PARAMS: CKR_ATTRIBUTE_TYPE_INVALID still fills the type.
    const CK_RV rv = session.functions().C_GetAttributeValue(session.handle(), key, attrs.data(), attrs.size());
    if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE)
        throwCkr("C_GetAttributeValue (key type)", rv);
    if (attrs[0].ulValueLen != sizeof keyType)
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "the token does not say what type the private key is");
    if (keyType != sm2.keyType)
        throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, "SM2-SM3 needs an SM2 key (key type of the descriptor's sm2)");
    if (keyType == CKK_EC) {
        const bool readable = attrs[1].ulValueLen != CK_UNAVAILABLE_INFORMATION && attrs[1].ulValueLen <= params.size();
        params.resize(readable ? attrs[1].ulValueLen : 0);
        if (!readable || !sm2CurveParameters(params))
            throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, "SM2-SM3 needs an EC key on the SM2 curve");
    }
}

// The DER of the certificate with CKA_ID `keyId` on the session's token.
std::vector<std::uint8_t> certificateOfKey(const Pkcs11Session &session, std::span<const std::uint8_t> keyId) {
    CK_OBJECT_CLASS certClass = CKO_CERTIFICATE;
    CK_CERTIFICATE_TYPE x509 = CKC_X_509;
    std::vector<std::uint8_t> id(keyId.begin(), keyId.end()); // CK_ATTRIBUTE takes a non-const pointer
    std::array<CK_ATTRIBUTE, 3> templ{{{CKA_CLASS, &certClass, sizeof certClass},
                                       {CKA_CERTIFICATE_TYPE, &x509, sizeof x509},
                                       {CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())}}};
    std::optional<CK_OBJECT_HANDLE> object;
    {
        ObjectSearch search(session, templ.data(), templ.size(), "certificates");
        object = search.first();
    }
    if (!object)
        throw PluginFailure(CABRIDGE_ERR_CERTIFICATE_NOT_FOUND,
                            "no certificate with the key's CKA_ID, whose public key SM2 needs for Z");
    const CK_FUNCTION_LIST &f = session.functions();
    CK_ATTRIBUTE value{CKA_VALUE, nullptr, 0};
    CK_RV rv = f.C_GetAttributeValue(session.handle(), *object, &value, 1);
    if (rv != CKR_OK)
        throwCkr("C_GetAttributeValue (certificate)", rv);
    if (value.ulValueLen == 0 || value.ulValueLen > kMaxCertificateBytes)
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "the key's certificate is empty or larger than 64 KiB");
    std::vector<std::uint8_t> der(value.ulValueLen);
    value.pValue = der.data();
    rv = f.C_GetAttributeValue(session.handle(), *object, &value, 1);
    if (rv != CKR_OK)
        throwCkr("C_GetAttributeValue (certificate)", rv);
    der.resize(std::min<CK_ULONG>(value.ulValueLen, der.size()));
    return der;
}

// What the mechanism is given: the message, or e = SM3(Z || M) made here.
std::vector<std::uint8_t> mechanismInput(const Pkcs11Session &session, std::span<const std::uint8_t> keyId,
                                         const Sm2Mechanism &sm2, std::span<const std::uint8_t> message) {
    if (sm2.input == Sm2Mechanism::Input::Message)
        return {message.begin(), message.end()};
    const std::vector<std::uint8_t> der = certificateOfKey(session, keyId);
    try {
        // Z is remembered per certificate: the same one signs every login (docs/performance.md).
        if (const std::optional<sm2::Digest> e = sm2::certificateE(der, message))
            return {e->begin(), e->end()};
        // Not one certificate with an SM2 key: say which.
        const unsigned char *p = der.data();
        const X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
        if (!cert)
            throw PluginFailure(CABRIDGE_ERR_PLUGIN, "the key's certificate is not DER X.509");
        const sm2::Digest e = sm2::computeE(cert.get(), message);
        return {e.begin(), e.end()};
    } catch (const std::invalid_argument &) {
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "the key's certificate does not hold an SM2 public key");
    } catch (const std::runtime_error &) {
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "computing SM2's Z and SM3 digest failed");
    }
}

std::vector<std::uint8_t> derSignature(const Sm2Mechanism &sm2, const std::vector<std::uint8_t> &signature) {
    // A DER signature is re-encoded through its r and s, so a module's non-canonical or
    // trailing bytes never reach a login token.
    std::optional<std::vector<std::uint8_t>> der;
    if (sm2.encoding == Sm2Mechanism::Encoding::Raw) {
        if (signature.size() == sm2::kRawSignatureBytes)
            der = sm2::derFromDeviceSignature(signature);
    } else if (const std::optional<sm2::RawSignature> raw = sm2::rawFromDer(signature)) {
        der = sm2::derFromDeviceSignature(*raw);
    }
    if (!der)
        throw PluginFailure(CABRIDGE_ERR_PLUGIN,
                            std::string("the token returned a malformed SM2 signature (the descriptor says ") +
                                (sm2.encoding == Sm2Mechanism::Encoding::Der ? "DER" : "raw r || s") + ")");
    return std::move(*der);
}

} // namespace

std::vector<std::uint8_t> signSm2WithTokenKey(const Pkcs11Session &session, CK_OBJECT_HANDLE key,
                                              std::span<const std::uint8_t> keyId, const Sm2Mechanism &sm2,
                                              std::span<const std::uint8_t> message) {
    requireSm2Key(session, key, sm2);
    std::vector<std::uint8_t> input = mechanismInput(session, keyId, sm2, message);

    std::vector<std::uint8_t> signerId(sm2::kDefaultSignerId.begin(), sm2::kDefaultSignerId.end());
    CK_MECHANISM mechanism{sm2.mechanism, nullptr, 0};
    if (sm2.signerIdParameter) {
        mechanism.pParameter = signerId.data();
        mechanism.ulParameterLen = static_cast<CK_ULONG>(signerId.size());
    }
    const CK_FUNCTION_LIST &f = session.functions();
    CK_RV rv = f.C_SignInit(session.handle(), &mechanism, key);
    if (rv != CKR_OK)
        throwCkr("C_SignInit (SM2)", rv);
    std::vector<std::uint8_t> signature(kInitialSignatureBytes);
    CK_ULONG length = signature.size();
    rv = f.C_Sign(session.handle(), input.data(), input.size(), signature.data(), &length);
    if (rv == CKR_BUFFER_TOO_SMALL && length > signature.size() && length <= kMaxSignatureBytes) {
        // The operation stays active after CKR_BUFFER_TOO_SMALL (PKCS#11 5.2).
        signature.resize(length);
        rv = f.C_Sign(session.handle(), input.data(), input.size(), signature.data(), &length);
    }
    if (rv != CKR_OK)
        throwCkr("C_Sign (SM2)", rv);
    if (length == 0 || length > signature.size())
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "the token returned a signature of impossible length");
    signature.resize(length);
    return derSignature(sm2, signature);
}

} // namespace cabridge
