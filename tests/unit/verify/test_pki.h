// Test certificates and tokens made with the OpenSSL API, for the verifier's tests.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "openssl_ptr.h"

namespace cabridge::verify::test {

using detail::EvpPkeyPtr;
using detail::X509Ptr;
using Bytes = std::vector<std::uint8_t>;

EvpPkeyPtr make_rsa_key(unsigned bits = 2048);
// group: "P-256", "P-384" or "SM2"
EvpPkeyPtr make_ec_key(const char* group);
EvpPkeyPtr make_ed25519_key();

struct CertSpec {
  std::vector<std::pair<std::string, std::string>> subject;  // short names: CN, O, OU, C, ST, L, serialNumber
  std::time_t not_before = std::time(nullptr) - 3600;
  std::time_t not_after = std::time(nullptr) + std::time_t{365} * 86400;
  bool is_ca = false;
  std::optional<std::string> key_usage;  // OpenSSL config syntax; empty = no keyUsage extension
  std::vector<std::pair<std::string, std::string>> utf8_extensions;  // OID -> UTF8String value
  std::vector<std::pair<std::string, Bytes>> raw_extensions;         // OID -> extension value bytes
  long serial = 1;
};

// Self-signed when issuer is null. SM2 issuers sign with SM3 and signer id 1234567812345678.
X509Ptr make_certificate(const CertSpec& spec, EVP_PKEY* subject_key, const X509* issuer, EVP_PKEY* issuer_key);

Bytes der_of(const X509* cert);
std::string pem_of(const X509* cert);
std::string base64(const Bytes& bytes);
Bytes bytes_of(std::string_view text);

// alg(message) with the algorithm's hash (SM2: SM3 and `sm2_id`).
Bytes sign_message(EVP_PKEY* key, const char* algorithm, const Bytes& message,
                   std::string_view sm2_id = "1234567812345678");
// "cabridge-auth:2" NUL H(origin) || H(challenge) for the algorithm's hash (format 2).
Bytes origin_bound_message(const char* algorithm, std::string_view origin, const Bytes& challenge);
// H(origin) || H(challenge): what the retired format cabridge-auth:1 signed.
Bytes format1_message(const char* algorithm, std::string_view origin, const Bytes& challenge);
// A CRL of `issuer` (PEM) listing `revoked_serials`, signed with `issuer_key` (SM2 keys: SM3
// and signer id 1234567812345678).
std::string make_crl_pem(const X509* issuer, EVP_PKEY* issuer_key, const std::vector<long>& revoked_serials,
                         std::time_t last_update, std::time_t next_update);
Bytes random_bytes(std::size_t n);

}  // namespace cabridge::verify::test
