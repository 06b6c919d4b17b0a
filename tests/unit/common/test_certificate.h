// Builds X.509 certificates in memory for the tests of cabridge_common and of
// the plugins, with whatever subject fields and private extensions a case needs.
#pragma once

#include <cabridge/common/openssl_ptr.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cabridge::test {

struct RawExtension {
    std::string oid;
    std::vector<std::uint8_t> value; // the bytes inside the extension's OCTET STRING
};

struct CertificateSpec {
    std::vector<std::pair<std::string, std::string>> subject = {{"CN", "测试单位"}}; // short name, UTF-8 value
    std::vector<RawExtension> extensions;
};

EvpPkeyPtr generateRsaKey(unsigned bits = 2048);
EvpPkeyPtr generateEcKey(const char *curve); // "P-256", "P-384"

// A self-signed certificate for `key` (SHA-256), as DER.
std::vector<std::uint8_t> makeCertificate(const CertificateSpec &spec, EVP_PKEY *key);

// DER encodings of ASN.1 string values, for extension contents.
std::vector<std::uint8_t> derUtf8String(const std::string &text);
std::vector<std::uint8_t> derPrintableString(const std::string &text);
std::vector<std::uint8_t> derOctetString(const std::string &bytes);
std::vector<std::uint8_t> rawBytes(const std::string &text);

// Unencrypted PKCS#8 PrivateKeyInfo DER.
std::vector<std::uint8_t> pkcs8Der(EVP_PKEY *key);

X509Ptr parseCertificate(const std::vector<std::uint8_t> &der);

} // namespace cabridge::test
