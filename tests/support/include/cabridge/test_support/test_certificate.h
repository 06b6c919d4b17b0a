// The one builder of X.509 certificates and keys for the tests: keys of the types the products
// meet (RSA, P-256, P-384, P-521, SM2, Ed25519), certificates self-signed or signed by a given CA, with
// the subject fields, validity, key usages and private extensions a case needs, as DER or PEM.
// Every function throws std::runtime_error when OpenSSL fails.
#pragma once

#include <cabridge/common/openssl_ptr.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

namespace cabridge::test_support {

enum class KeyType { Rsa2048, P256, P384, P521, Sm2, Ed25519 };

// A fresh key pair of `type`.
EvpPkeyPtr generateKey(KeyType type);
// A fresh RSA key pair of `bits` bits, for sizes other than 2048.
EvpPkeyPtr generateRsaKey(unsigned bits);

struct RawExtension {
    std::string oid;
    std::vector<std::uint8_t> value;  // the bytes inside the extension's OCTET STRING (see der_values.h)
};

struct CertificateSpec {
    // Short names (CN, O, OU, C, ST, L, serialNumber) and UTF-8 values, written as UTF8String
    // exactly as given (no length limits, NUL bytes kept), so tests can build hostile names.
    std::vector<std::pair<std::string, std::string>> subject = {{"CN", "测试单位"}};
    std::time_t notBefore = std::time(nullptr) - 3600;
    std::time_t notAfter = std::time(nullptr) + std::time_t {365} * 86400;
    long serial = 1;
    bool isCa = false;                     // basicConstraints: critical CA:TRUE, else CA:FALSE
    std::string keyUsage;                  // OpenSSL config syntax, e.g. "digitalSignature,nonRepudiation"; empty: none
    std::string extendedKeyUsage;          // e.g. "clientAuth"; empty: none
    std::vector<RawExtension> extensions;  // non-critical, in this order
};

// A certificate for `subjectKey` per `spec`, with a subject key identifier; signed by
// `issuerKey` under `issuer` (then also with an authority key identifier), or self-signed when
// `issuer` is null. SM2 signers sign with SM3 and signer id 1234567812345678, Ed25519 plainly,
// the others with SHA-256.
X509Ptr makeCertificate(const CertificateSpec& spec, EVP_PKEY* subjectKey, const X509* issuer = nullptr,
                        EVP_PKEY* issuerKey = nullptr);

// A self-signed certificate for `key` per `spec`, as DER.
std::vector<std::uint8_t> makeCertificateDer(const CertificateSpec& spec, EVP_PKEY* key);

struct CertificateAndKey {
    std::vector<std::uint8_t> der;  // self-signed certificate
    std::string keyPem;             // its unencrypted PKCS#8 private key, PEM
};
// A self-signed certificate per `spec` for a fresh key of `type`, with that key.
CertificateAndKey makeCertificateAndKey(const CertificateSpec& spec, KeyType type = KeyType::Rsa2048);

std::vector<std::uint8_t> derOf(const X509* cert);
std::string pemOf(const X509* cert);
X509Ptr parseCertificate(const std::vector<std::uint8_t>& der);  // null when `der` is not a certificate
// Unencrypted PKCS#8 PrivateKeyInfo, as DER and as PEM.
std::vector<std::uint8_t> pkcs8Der(EVP_PKEY* key);
std::string privateKeyPem(EVP_PKEY* key);

}  // namespace cabridge::test_support
