#include "test_certificate.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <stdexcept>

namespace cabridge::test {

namespace {

void check(bool ok, const char *what) {
    if (!ok)
        throw std::runtime_error(std::string("OpenSSL failed: ") + what);
}

std::vector<std::uint8_t> derOfString(int type, const std::string &text) {
    std::unique_ptr<ASN1_STRING, OpenSslDeleter<&ASN1_STRING_free>> s(ASN1_STRING_type_new(type));
    check(s && ASN1_STRING_set(s.get(), text.data(), static_cast<int>(text.size())) == 1, "ASN1_STRING_set");
    ASN1_TYPE wrapper{};
    wrapper.type = type;
    wrapper.value.asn1_string = s.get();
    const int len = i2d_ASN1_TYPE(&wrapper, nullptr);
    check(len > 0, "i2d_ASN1_TYPE");
    std::vector<std::uint8_t> der(static_cast<std::size_t>(len));
    unsigned char *p = der.data();
    i2d_ASN1_TYPE(&wrapper, &p);
    return der;
}

} // namespace

EvpPkeyPtr generateRsaKey(unsigned bits) {
    EvpPkeyPtr key(EVP_RSA_gen(bits));
    check(key != nullptr, "EVP_RSA_gen");
    return key;
}

EvpPkeyPtr generateEcKey(const char *curve) {
    EvpPkeyPtr key(EVP_EC_gen(curve));
    check(key != nullptr, "EVP_EC_gen");
    return key;
}

std::vector<std::uint8_t> derUtf8String(const std::string &text) { return derOfString(V_ASN1_UTF8STRING, text); }
std::vector<std::uint8_t> derPrintableString(const std::string &text) {
    return derOfString(V_ASN1_PRINTABLESTRING, text);
}
std::vector<std::uint8_t> derOctetString(const std::string &bytes) { return derOfString(V_ASN1_OCTET_STRING, bytes); }
std::vector<std::uint8_t> rawBytes(const std::string &text) { return {text.begin(), text.end()}; }

std::vector<std::uint8_t> makeCertificate(const CertificateSpec &spec, EVP_PKEY *key) {
    X509Ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), 2) == 1, "X509_set_version");
    check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 0x1234) == 1, "serial");
    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600) != nullptr, "notAfter");
    X509_NAME *name = X509_get_subject_name(cert.get());
    for (const auto &[field, value] : spec.subject) {
        // Typed as UTF8String directly (not MBSTRING_*) so tests can exceed
        // the length limits OpenSSL would otherwise enforce on subject fields.
        check(X509_NAME_add_entry_by_txt(name, field.c_str(), V_ASN1_UTF8STRING,
                                         reinterpret_cast<const unsigned char *>(value.data()),
                                         static_cast<int>(value.size()), -1, 0) == 1,
              "X509_NAME_add_entry_by_txt");
    }
    check(X509_set_issuer_name(cert.get(), name) == 1, "issuer");
    check(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
    for (const RawExtension &ext : spec.extensions) {
        Asn1ObjectPtr obj(OBJ_txt2obj(ext.oid.c_str(), 1));
        check(obj != nullptr, "OBJ_txt2obj");
        std::unique_ptr<ASN1_OCTET_STRING, OpenSslDeleter<&ASN1_OCTET_STRING_free>> data(ASN1_OCTET_STRING_new());
        check(data && ASN1_OCTET_STRING_set(data.get(), ext.value.data(), static_cast<int>(ext.value.size())) == 1,
              "ASN1_OCTET_STRING_set");
        std::unique_ptr<X509_EXTENSION, OpenSslDeleter<&X509_EXTENSION_free>> x(
            X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), 0, data.get()));
        check(x && X509_add_ext(cert.get(), x.get(), -1) == 1, "X509_add_ext");
    }
    check(X509_sign(cert.get(), key, EVP_sha256()) > 0, "X509_sign");
    const int len = i2d_X509(cert.get(), nullptr);
    check(len > 0, "i2d_X509");
    std::vector<std::uint8_t> der(static_cast<std::size_t>(len));
    unsigned char *p = der.data();
    i2d_X509(cert.get(), &p);
    return der;
}

std::vector<std::uint8_t> pkcs8Der(EVP_PKEY *key) {
    std::unique_ptr<BIO, OpenSslDeleter<&BIO_free>> bio(BIO_new(BIO_s_mem()));
    check(bio && i2d_PKCS8PrivateKey_bio(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "i2d_PKCS8PrivateKey_bio");
    char *data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::vector<std::uint8_t>(data, data + len);
}

X509Ptr parseCertificate(const std::vector<std::uint8_t> &der) {
    const unsigned char *p = der.data();
    return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

} // namespace cabridge::test
