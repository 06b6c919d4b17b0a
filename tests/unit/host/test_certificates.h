// Certificates made with the OpenSSL API for the host's unit tests.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

namespace cabridge::test {

struct CertificateSpec {
    std::string keyType = "RSA";  // "RSA", "P-256", "P-384", "SM2"
    std::vector<std::pair<std::string, std::string>> subject = {{"CN", "Test"}};
    std::time_t notBefore = 0;     // 0 = now - 1 day
    std::time_t notAfter = 0;      // 0 = now + 365 days
    std::string keyUsage;          // e.g. "digitalSignature,nonRepudiation"; empty = no extension
    std::string extendedKeyUsage;  // e.g. "clientAuth"
    long serial = 0x1234ABCD;
};

struct GeneratedCertificate {
    std::vector<std::uint8_t> der;
    std::string keyPem;  // unencrypted PKCS#8 PEM
};

// Self-signed certificate per `spec`, with its private key.
GeneratedCertificate makeCertificateAndKey(const CertificateSpec& spec);

// Self-signed DER certificate per `spec`.
std::vector<std::uint8_t> makeCertificate(const CertificateSpec& spec);

}  // namespace cabridge::test
