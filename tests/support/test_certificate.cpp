#include "cabridge/test_support/test_certificate.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>
#include <string_view>

namespace cabridge::test_support {
namespace {

using Bytes = std::vector<std::uint8_t>;

using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<&X509_EXTENSION_free>>;
using Asn1OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, OpenSslDeleter<&ASN1_OCTET_STRING_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<&EVP_PKEY_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<&BIO_free>>;

constexpr std::string_view kSm2SignerId = "1234567812345678";

void require(bool ok, const char* what)
{
    if (!ok) throw std::runtime_error(std::string("test certificate: OpenSSL failed: ") + what);
}

void addConfExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value)
{
    X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
    require(ext != nullptr && X509_add_ext(cert, ext.get(), -1) == 1, "add extension");
}

void addRawExtension(X509* cert, const RawExtension& extension)
{
    Asn1ObjectPtr object(OBJ_txt2obj(extension.oid.c_str(), 1));
    Asn1OctetStringPtr data(ASN1_OCTET_STRING_new());
    require(
        object && data &&
            ASN1_OCTET_STRING_set(data.get(), extension.value.data(), static_cast<int>(extension.value.size())) == 1,
        "raw extension value");
    X509ExtensionPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, object.get(), 0, data.get()));
    require(ext && X509_add_ext(cert, ext.get(), -1) == 1, "add raw extension");
}

void sign(X509* cert, EVP_PKEY* signer)
{
    if (EVP_PKEY_is_a(signer, "SM2")) {
        // X509_sign cannot pass a signer id; a digest context that carries one can.
        EvpPkeyCtxPtr pctx(EVP_PKEY_CTX_new(signer, nullptr));
        EvpMdCtxPtr mctx(EVP_MD_CTX_new());
        require(pctx && mctx &&
                    EVP_PKEY_CTX_set1_id(pctx.get(), kSm2SignerId.data(), static_cast<int>(kSm2SignerId.size())) == 1,
                "SM2 context");
        EVP_MD_CTX_set_pkey_ctx(mctx.get(), pctx.get());
        require(EVP_DigestSignInit(mctx.get(), nullptr, EVP_sm3(), nullptr, signer) == 1, "SM2 sign init");
        require(X509_sign_ctx(cert, mctx.get()) > 0, "SM2 X509_sign_ctx");
        return;
    }
    const bool ed25519 = EVP_PKEY_is_a(signer, "ED25519");
    require(X509_sign(cert, signer, ed25519 ? nullptr : EVP_sha256()) > 0, "X509_sign");
}

std::string bioText(BIO* bio)
{
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return {data, static_cast<std::size_t>(n)};
}

}  // namespace

EvpPkeyPtr generateKey(KeyType type)
{
    EVP_PKEY* key = nullptr;
    switch (type) {
    case KeyType::Rsa2048:
        return generateRsaKey(2048);
    case KeyType::P256:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
        break;
    case KeyType::P384:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
        break;
    case KeyType::P521:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
        break;
    case KeyType::Sm2:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2");
        break;
    case KeyType::Ed25519:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
        break;
    }
    require(key != nullptr, "key generation");
    return EvpPkeyPtr(key);
}

EvpPkeyPtr generateRsaKey(unsigned bits)
{
    EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)));
    require(key != nullptr, "RSA key generation");
    return key;
}

X509Ptr makeCertificate(const CertificateSpec& spec, EVP_PKEY* subjectKey, const X509* issuer, EVP_PKEY* issuerKey)
{
    require(issuer == nullptr || issuerKey != nullptr, "issuer without its key");
    X509Ptr cert(X509_new());
    require(cert != nullptr, "X509_new");
    require(X509_set_version(cert.get(), X509_VERSION_3) == 1, "version");
    require(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), spec.serial) == 1, "serial");
    require(ASN1_TIME_set(X509_getm_notBefore(cert.get()), spec.notBefore) != nullptr &&
                ASN1_TIME_set(X509_getm_notAfter(cert.get()), spec.notAfter) != nullptr,
            "validity");
    X509_NAME* name = X509_get_subject_name(cert.get());
    for (const auto& [field, value] : spec.subject) {
        // Typed as UTF8String directly (not MBSTRING_*): OpenSSL's length limits do not apply.
        require(X509_NAME_add_entry_by_txt(name, field.c_str(), V_ASN1_UTF8STRING,
                                           reinterpret_cast<const unsigned char*>(value.data()),
                                           static_cast<int>(value.size()), -1, 0) == 1,
                "subject entry");
    }
    require(X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name) == 1, "issuer");
    require(X509_set_pubkey(cert.get(), subjectKey) == 1, "public key");

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? const_cast<X509*>(issuer) : cert.get(), cert.get(), nullptr, nullptr, 0);
    addConfExtension(cert.get(), &ctx, NID_basic_constraints, spec.isCa ? "critical,CA:TRUE" : "CA:FALSE");
    addConfExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
    if (issuer) addConfExtension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
    if (!spec.keyUsage.empty()) addConfExtension(cert.get(), &ctx, NID_key_usage, spec.keyUsage);
    if (!spec.extendedKeyUsage.empty()) addConfExtension(cert.get(), &ctx, NID_ext_key_usage, spec.extendedKeyUsage);
    for (const RawExtension& extension : spec.extensions) addRawExtension(cert.get(), extension);

    sign(cert.get(), issuer ? issuerKey : subjectKey);
    return cert;
}

Bytes makeCertificateDer(const CertificateSpec& spec, EVP_PKEY* key)
{
    return derOf(makeCertificate(spec, key).get());
}

CertificateAndKey makeCertificateAndKey(const CertificateSpec& spec, KeyType type)
{
    const EvpPkeyPtr key = generateKey(type);
    return {makeCertificateDer(spec, key.get()), privateKeyPem(key.get())};
}

Bytes derOf(const X509* cert)
{
    const int n = i2d_X509(cert, nullptr);
    require(n > 0, "i2d_X509");
    Bytes der(static_cast<std::size_t>(n));
    unsigned char* p = der.data();
    require(i2d_X509(cert, &p) == n, "i2d_X509");
    return der;
}

std::string pemOf(const X509* cert)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    require(bio && PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
    return bioText(bio.get());
}

X509Ptr parseCertificate(const Bytes& der)
{
    const unsigned char* p = der.data();
    return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

Bytes pkcs8Der(EVP_PKEY* key)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    require(bio && i2d_PKCS8PrivateKey_bio(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
            "i2d_PKCS8PrivateKey_bio");
    const std::string der = bioText(bio.get());
    return {der.begin(), der.end()};
}

std::string privateKeyPem(EVP_PKEY* key)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    require(bio && PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
            "PEM_write_bio_PrivateKey");
    return bioText(bio.get());
}

}  // namespace cabridge::test_support
