#include "test_certificates.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace cabridge::test {
namespace {

struct Free {
    void operator()(X509* p) const { X509_free(p); }
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};

std::unique_ptr<EVP_PKEY, Free> makeKey(const std::string& type)
{
    EVP_PKEY* key = nullptr;
    if (type == "RSA") key = EVP_RSA_gen(2048);
    else if (type == "P-256") key = EVP_EC_gen("P-256");
    else if (type == "P-384") key = EVP_EC_gen("P-384");
    else if (type == "SM2") key = EVP_EC_gen("SM2");
    if (key == nullptr) {
        throw std::runtime_error("key generation failed for " + type);
    }
    return std::unique_ptr<EVP_PKEY, Free>(key);
}

void addExtension(X509* cert, int nid, const std::string& value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    std::unique_ptr<X509_EXTENSION, Free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
        throw std::runtime_error("cannot add extension " + value);
    }
}

}  // namespace

std::vector<std::uint8_t> makeCertificate(const CertificateSpec& spec)
{
    return makeCertificateAndKey(spec).der;
}

GeneratedCertificate makeCertificateAndKey(const CertificateSpec& spec)
{
    auto key = makeKey(spec.keyType);
    std::unique_ptr<X509, Free> cert(X509_new());
    X509_set_version(cert.get(), X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), spec.serial);
    const std::time_t now = std::time(nullptr);
    ASN1_TIME_set(X509_getm_notBefore(cert.get()), spec.notBefore ? spec.notBefore : now - 86400);
    ASN1_TIME_set(X509_getm_notAfter(cert.get()), spec.notAfter ? spec.notAfter : now + std::time_t {365} * 86400);
    X509_NAME* name = X509_get_subject_name(cert.get());
    for (const auto& [field, value] : spec.subject) {
        X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
    }
    X509_set_issuer_name(cert.get(), name);
    X509_set_pubkey(cert.get(), key.get());
    if (!spec.keyUsage.empty()) addExtension(cert.get(), NID_key_usage, spec.keyUsage);
    if (!spec.extendedKeyUsage.empty()) addExtension(cert.get(), NID_ext_key_usage, spec.extendedKeyUsage);
    // OpenSSL 3.0 cannot self-sign with SM2 without a signer id; the subject
    // key is what the tests look at, so an SM2 certificate is signed by a P-256 key.
    const auto issuerKey = spec.keyType == "SM2" ? makeKey("P-256") : nullptr;
    if (X509_sign(cert.get(), issuerKey ? issuerKey.get() : key.get(), EVP_sha256()) <= 0) {
        throw std::runtime_error("signing test certificate failed");
    }
    const int len = i2d_X509(cert.get(), nullptr);
    std::vector<std::uint8_t> der(static_cast<std::size_t>(len));
    unsigned char* p = der.data();
    i2d_X509(cert.get(), &p);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    char* pem = nullptr;
    const long pemLen = BIO_get_mem_data(bio.get(), &pem);
    return {der, std::string(pem, static_cast<std::size_t>(pemLen))};
}

}  // namespace cabridge::test
