#include <cabridge/common/encoding.h>
#include <cabridge/common/openssl_ptr.h>
#include <cabridge/support/pkcs11_certificate_reader.h>
#include <cabridge/support/pkcs11_error.h>
#include <cabridge/support/pkcs11_key_enrollment.h>
#include <cabridge/support/plugin_failure.h>
#include <cabridge/support/public_key_info.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include <array>
#include <optional>

namespace cabridge {
namespace {

using Asn1OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, OpenSslDeleter<&ASN1_OCTET_STRING_free>>;

constexpr std::size_t kKeyIdBytes = 20;
constexpr CK_ULONG kMaxAttributeBytes = CK_ULONG{64} * 1024;
// DER OID prime256v1 (1.2.840.10045.3.1.7), CKA_EC_PARAMS of a P-256 key.
constexpr std::array<std::uint8_t, 10> kP256Params{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

std::vector<std::uint8_t> keyIdBytes(std::string_view keyId) {
    auto id = hexDecode(keyId);
    if (!id || id->empty())
        throw PluginFailure(CABRIDGE_ERR_CERTIFICATE_NOT_FOUND, "a PKCS#11 key id is the hex CKA_ID");
    return *id;
}

// The objects of `objectClass` whose CKA_ID is `id`.
std::vector<CK_OBJECT_HANDLE> objectsWithId(const Pkcs11Session &session, CK_OBJECT_CLASS objectClass,
                                            std::span<const std::uint8_t> id, std::string_view what) {
    std::vector<std::uint8_t> copy(id.begin(), id.end()); // CK_ATTRIBUTE takes a non-const pointer
    std::array<CK_ATTRIBUTE, 2> templ{
        {{CKA_CLASS, &objectClass, sizeof objectClass}, {CKA_ID, copy.data(), static_cast<CK_ULONG>(copy.size())}}};
    ObjectSearch search(session, templ.data(), templ.size(), what);
    return search.all();
}

// One attribute's bytes; empty when the object lacks it or keeps it secret.
std::vector<std::uint8_t> attributeBytes(const Pkcs11Session &session, CK_OBJECT_HANDLE object,
                                         CK_ATTRIBUTE_TYPE type) {
    CK_ATTRIBUTE attr{type, nullptr, 0};
    const CK_FUNCTION_LIST &f = session.functions();
    CK_RV rv = f.C_GetAttributeValue(session.handle(), object, &attr, 1);
    if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE ||
        attr.ulValueLen == CK_UNAVAILABLE_INFORMATION)
        return {};
    if (rv != CKR_OK)
        throwCkr("C_GetAttributeValue", rv);
    if (attr.ulValueLen > kMaxAttributeBytes)
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "key attribute larger than 64 KiB");
    std::vector<std::uint8_t> value(attr.ulValueLen);
    attr.pValue = value.empty() ? nullptr : value.data();
    rv = f.C_GetAttributeValue(session.handle(), object, &attr, 1);
    if (rv != CKR_OK)
        throwCkr("C_GetAttributeValue", rv);
    value.resize(std::min<std::size_t>(value.size(), attr.ulValueLen));
    return value;
}

// The public key object's SubjectPublicKeyInfo as base64 DER and its type name, for the types
// cabridge makes (RSA, EC P-256); "other" without a key for the rest.
struct PublicKeyFacts {
    std::string keyType; // "RSA-2048", "P-256" or "other"
    std::string spki;    // base64 DER; empty for "other"
};

PublicKeyFacts publicKeyFacts(const Pkcs11Session &session, CK_OBJECT_HANDLE object) {
    CK_KEY_TYPE keyType = CKK_VENDOR_DEFINED;
    CK_ATTRIBUTE typeAttr{CKA_KEY_TYPE, &keyType, sizeof keyType};
    if (session.functions().C_GetAttributeValue(session.handle(), object, &typeAttr, 1) != CKR_OK)
        return {"other", {}};
    if (keyType == CKK_RSA) {
        const auto spki = rsaPublicKeyInfo(attributeBytes(session, object, CKA_MODULUS),
                                           attributeBytes(session, object, CKA_PUBLIC_EXPONENT));
        if (!spki)
            return {"other", {}};
        return {rsaPublicKeyBits(*spki) == 2048 ? "RSA-2048" : "other", *spki};
    }
    if (keyType != CKK_EC)
        return {"other", {}};
    const auto params = attributeBytes(session, object, CKA_EC_PARAMS);
    if (!std::equal(params.begin(), params.end(), kP256Params.begin(), kP256Params.end()))
        return {"other", {}};
    // CKA_EC_POINT is the DER OCTET STRING of the point (PKCS#11 2.40); some modules store the
    // bare point.
    const auto pointAttr = attributeBytes(session, object, CKA_EC_POINT);
    std::vector<std::uint8_t> point = pointAttr;
    const unsigned char *p = pointAttr.data();
    const Asn1OctetStringPtr octets(d2i_ASN1_OCTET_STRING(nullptr, &p, static_cast<long>(pointAttr.size())));
    if (octets && p == pointAttr.data() + pointAttr.size())
        point.assign(ASN1_STRING_get0_data(octets.get()),
                     ASN1_STRING_get0_data(octets.get()) + ASN1_STRING_length(octets.get()));
    ERR_clear_error();
    const auto spki = ecPublicKeyInfo("prime256v1", point);
    if (!spki)
        return {"other", {}};
    return {"P-256", *spki};
}

// A CKA_ID no object on the token has.
std::vector<std::uint8_t> freshKeyId(const Pkcs11Session &session) {
    for (int attempt = 0; attempt < 8; ++attempt) {
        std::vector<std::uint8_t> id(kKeyIdBytes);
        if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1)
            throw PluginFailure(CABRIDGE_ERR_PLUGIN, "no random bytes for a key id");
        std::array<CK_ATTRIBUTE, 1> templ{{{CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())}}};
        ObjectSearch search(session, templ.data(), templ.size(), "objects with a new key id");
        if (!search.first())
            return id;
    }
    throw PluginFailure(CABRIDGE_ERR_PLUGIN, "no unused key id found");
}

X509Ptr parseCertificate(std::span<const std::uint8_t> der) {
    const unsigned char *p = der.data();
    X509Ptr certificate(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!certificate || p != der.data() + der.size()) {
        ERR_clear_error();
        throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, "the certificate is not DER X.509");
    }
    return certificate;
}

template <class T, class Encode>
std::vector<std::uint8_t> derOf(T *value, Encode encode) {
    unsigned char *der = nullptr;
    const int length = encode(value, &der);
    if (length <= 0 || der == nullptr)
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "cannot encode a certificate field");
    std::vector<std::uint8_t> out(der, der + length);
    OPENSSL_free(der);
    return out;
}

} // namespace

nlohmann::json generateTokenKeyPair(const Pkcs11Session &session, std::string_view keyType) {
    const bool rsa = keyType == "RSA-2048";
    if (!rsa && keyType != "P-256")
        throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, "this PKCS#11 plugin makes RSA-2048 and P-256 keys only, not " +
                                                          std::string(keyType.substr(0, 16)) +
                                                          " (no standard PKCS#11 mechanism makes SM2 key pairs)");
    std::vector<std::uint8_t> id = freshKeyId(session);
    std::string label = "cabridge " + hexEncode(id).substr(0, 8);
    CK_BBOOL yes = CK_TRUE;
    CK_BBOOL no = CK_FALSE;
    CK_ULONG bits = 2048;
    std::array<std::uint8_t, 3> exponent{0x01, 0x00, 0x01};
    std::array<std::uint8_t, kP256Params.size()> ecParams = kP256Params;
    const auto idLength = static_cast<CK_ULONG>(id.size());
    const auto labelLength = static_cast<CK_ULONG>(label.size());
    std::vector<CK_ATTRIBUTE> publicTemplate{
        {CKA_TOKEN, &yes, sizeof yes}, {CKA_PRIVATE, &no, sizeof no},          {CKA_VERIFY, &yes, sizeof yes},
        {CKA_ID, id.data(), idLength}, {CKA_LABEL, label.data(), labelLength},
    };
    if (rsa) {
        publicTemplate.push_back({CKA_MODULUS_BITS, &bits, sizeof bits});
        publicTemplate.push_back({CKA_PUBLIC_EXPONENT, exponent.data(), exponent.size()});
    } else {
        publicTemplate.push_back({CKA_EC_PARAMS, ecParams.data(), ecParams.size()});
    }
    std::array<CK_ATTRIBUTE, 8> privateTemplate{{
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_PRIVATE, &yes, sizeof yes},
        {CKA_SENSITIVE, &yes, sizeof yes},
        {CKA_EXTRACTABLE, &no, sizeof no},
        {CKA_SIGN, &yes, sizeof yes},
        {CKA_DECRYPT, &no, sizeof no},
        {CKA_ID, id.data(), idLength},
        {CKA_LABEL, label.data(), labelLength},
    }};
    CK_MECHANISM mechanism{rsa ? CKM_RSA_PKCS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    CK_OBJECT_HANDLE publicKey = CK_INVALID_HANDLE;
    CK_OBJECT_HANDLE privateKey = CK_INVALID_HANDLE;
    const CK_RV rv = session.functions().C_GenerateKeyPair(
        session.handle(), &mechanism, publicTemplate.data(), static_cast<CK_ULONG>(publicTemplate.size()),
        privateTemplate.data(), static_cast<CK_ULONG>(privateTemplate.size()), &publicKey, &privateKey);
    if (rv == CKR_MECHANISM_INVALID)
        throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, "the token cannot make " + std::string(keyType) + " keys", rv);
    if (rv != CKR_OK)
        throwCkr("C_GenerateKeyPair", rv);
    const PublicKeyFacts facts = publicKeyFacts(session, publicKey);
    if (facts.spki.empty())
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "the token made a key whose public key cannot be read");
    return {{"keyId", hexEncode(id)}, {"keyType", std::string(keyType)}, {"publicKey", facts.spki}};
}

std::string storeCertificateForKey(const Pkcs11Session &session, std::string_view keyId,
                                   std::span<const std::uint8_t> der, const char *replaceRef) {
    std::vector<std::uint8_t> id = keyIdBytes(keyId);
    if (objectsWithId(session, CKO_PRIVATE_KEY, id, "private keys").empty())
        throw PluginFailure(CABRIDGE_ERR_CERTIFICATE_NOT_FOUND, "no private key with that key id");
    std::string ref = hexEncode(id);
    for (const CK_OBJECT_HANDLE existing : objectsWithId(session, CKO_CERTIFICATE, id, "certificates")) {
        const auto value = attributeBytes(session, existing, CKA_VALUE);
        if (std::equal(value.begin(), value.end(), der.begin(), der.end()))
            return ref; // stored by an earlier call: nothing to do
        throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, "the key has another certificate already");
    }
    const X509Ptr certificate = parseCertificate(der);
    std::vector<std::uint8_t> subject = derOf(X509_get_subject_name(certificate.get()), i2d_X509_NAME);
    std::vector<std::uint8_t> issuer = derOf(X509_get_issuer_name(certificate.get()), i2d_X509_NAME);
    std::vector<std::uint8_t> serial = derOf(X509_get_serialNumber(certificate.get()), i2d_ASN1_INTEGER);
    std::vector<std::uint8_t> value(der.begin(), der.end());
    std::string label = "cabridge " + ref.substr(0, 8);
    CK_OBJECT_CLASS certClass = CKO_CERTIFICATE;
    CK_CERTIFICATE_TYPE x509 = CKC_X_509;
    CK_BBOOL yes = CK_TRUE;
    CK_BBOOL no = CK_FALSE;
    std::array<CK_ATTRIBUTE, 10> templ{{
        {CKA_CLASS, &certClass, sizeof certClass},
        {CKA_CERTIFICATE_TYPE, &x509, sizeof x509},
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_PRIVATE, &no, sizeof no},
        {CKA_SUBJECT, subject.data(), static_cast<CK_ULONG>(subject.size())},
        {CKA_ISSUER, issuer.data(), static_cast<CK_ULONG>(issuer.size())},
        {CKA_SERIAL_NUMBER, serial.data(), static_cast<CK_ULONG>(serial.size())},
        {CKA_VALUE, value.data(), static_cast<CK_ULONG>(value.size())},
        {CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())},
        {CKA_LABEL, label.data(), static_cast<CK_ULONG>(label.size())},
    }};
    CK_OBJECT_HANDLE stored = CK_INVALID_HANDLE;
    const CK_RV rv = session.functions().C_CreateObject(session.handle(), templ.data(), templ.size(), &stored);
    if (rv != CKR_OK)
        throwCkr("C_CreateObject (certificate)", rv);

    // Only once the new one is stored: a failure above leaves the old certificate in place.
    if (replaceRef != nullptr && *replaceRef != '\0' && ref != replaceRef) {
        const std::string_view old(replaceRef);
        std::vector<CK_OBJECT_HANDLE> doomed;
        if (old.starts_with(kLabelRefPrefix)) {
            CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
            std::string oldLabel(old.substr(kLabelRefPrefix.size()));
            std::array<CK_ATTRIBUTE, 2> byLabel{
                {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, oldLabel.data(), static_cast<CK_ULONG>(oldLabel.size())}}};
            ObjectSearch search(session, byLabel.data(), byLabel.size(), "certificates to replace");
            doomed = search.all();
        } else if (const auto oldId = hexDecode(old)) {
            doomed = objectsWithId(session, CKO_CERTIFICATE, *oldId, "certificates to replace");
        }
        for (const CK_OBJECT_HANDLE object : doomed) {
            const CK_RV destroyed = session.functions().C_DestroyObject(session.handle(), object);
            if (destroyed != CKR_OK)
                throwCkr("C_DestroyObject (replaced certificate)", destroyed);
        }
    }
    return ref;
}

nlohmann::json listTokenKeyPairs(const Pkcs11Session &session) {
    CK_OBJECT_CLASS publicClass = CKO_PUBLIC_KEY;
    std::array<CK_ATTRIBUTE, 1> templ{{{CKA_CLASS, &publicClass, sizeof publicClass}}};
    std::vector<CK_OBJECT_HANDLE> publicKeys;
    {
        ObjectSearch search(session, templ.data(), templ.size(), "public keys");
        publicKeys = search.all();
    }
    nlohmann::json keys = nlohmann::json::array();
    for (const CK_OBJECT_HANDLE object : publicKeys) {
        const auto id = attributeBytes(session, object, CKA_ID);
        if (id.empty())
            continue; // no id: no certificate or private key can be tied to it
        const PublicKeyFacts facts = publicKeyFacts(session, object);
        nlohmann::json entry = {
            {"keyId", hexEncode(id)},
            {"keyType", facts.keyType},
            {"hasCertificate", !objectsWithId(session, CKO_CERTIFICATE, id, "certificates").empty()}};
        if (!facts.spki.empty())
            entry["publicKey"] = facts.spki;
        keys.push_back(std::move(entry));
    }
    return keys;
}

void destroyOrphanKeyPair(const Pkcs11Session &session, std::string_view keyId) {
    const std::vector<std::uint8_t> id = keyIdBytes(keyId);
    std::vector<CK_OBJECT_HANDLE> keys = objectsWithId(session, CKO_PRIVATE_KEY, id, "private keys");
    const std::vector<CK_OBJECT_HANDLE> publicKeys = objectsWithId(session, CKO_PUBLIC_KEY, id, "public keys");
    keys.insert(keys.end(), publicKeys.begin(), publicKeys.end());
    if (keys.empty())
        throw PluginFailure(CABRIDGE_ERR_CERTIFICATE_NOT_FOUND, "no key with that key id");
    if (!objectsWithId(session, CKO_CERTIFICATE, id, "certificates").empty())
        throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, "the key has a certificate; only orphans are removed");
    for (const CK_OBJECT_HANDLE object : keys) {
        const CK_RV rv = session.functions().C_DestroyObject(session.handle(), object);
        if (rv != CKR_OK)
            throwCkr("C_DestroyObject (key)", rv);
    }
}

} // namespace cabridge
