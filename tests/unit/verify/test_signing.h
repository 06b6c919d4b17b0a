// What the verifier's tests sign besides certificates, with the OpenSSL API: token signatures and
// the messages they cover, and CRLs. Certificates and keys come from tests/support
// (cabridge/test_support/test_certificate.h), whose names this header brings into the namespace.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include <cabridge/test_support/der_values.h>
#include <cabridge/test_support/test_certificate.h>

#include "openssl_ptr.h"

namespace cabridge::verify::test {

using detail::EvpPkeyPtr;
using detail::X509Ptr;
using Bytes = std::vector<std::uint8_t>;
using test_support::CertificateSpec;
using test_support::derOf;
using test_support::derUtf8String;
using test_support::generateKey;
using test_support::KeyType;
using test_support::makeCertificate;
using test_support::pemOf;

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
