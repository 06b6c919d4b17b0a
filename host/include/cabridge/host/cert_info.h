// Everything CertInfo says that follows from the certificate's DER alone,
// computed with OpenSSL (docs/protocol.md section 3.3).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <span>
#include <stdexcept>
#include <string>

namespace cabridge {

class CertificateParseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The implicit move constructor only moves strings, bools and a nlohmann::json, none of which throws;
// clang-tidy 14 reports an escaping exception in it all the same (false positive).
// NOLINTNEXTLINE(bugprone-exception-escape)
struct CertificateFacts {
    // subject, issuer, serialNumber, notBefore, notAfter, daysLeft, expired,
    // keyType, keyBits, keyUsage, extendedKeyUsage, certificate, sha256.
    nlohmann::json info;
    std::string keyType;  // "RSA", "EC", "SM2"
    std::string curve;    // "P-256", "P-384", "SM2", another group name, or empty for RSA
    std::time_t notBefore = 0;
    std::time_t notAfter = 0;
    bool expired = false;  // at the `now` of describeCertificate / updateValidity
    bool notYetValid = false;
    bool hasKeyUsage = false;
    bool digitalSignature = false;
    bool nonRepudiation = false;
    std::string sha256Hex;
};

// Throws CertificateParseError for anything that is not exactly one DER X.509
// certificate with a readable public key and validity dates.
CertificateFacts describeCertificate(std::span<const std::uint8_t> der, std::chrono::system_clock::time_point now);

// Recomputes the fields that depend on the clock (daysLeft, expired,
// notYetValid) for `now`, e.g. for facts kept from an earlier request.
void updateValidity(CertificateFacts& facts, std::chrono::system_clock::time_point now);

// CertInfo.identity in its one shape, whatever the plugin's identify() wrote: always the four
// keys "unifiedSocialCreditCode", "uscValid", "idNumber", "vendorUniqueId", each null when the
// certificate does not carry it (uscValid is a bool only beside a credit code). The verifier's
// result has the same shape (docs/protocol.md section 3.3), so a portal can test `=== null`
// on either. Values of the wrong type and keys beyond these four are dropped.
nlohmann::json certInfoIdentity(const nlohmann::json& fromPlugin);

// CertInfo.id: first 32 hex digits of SHA-256 over vendor "\0" tokenSerial "\0" sha256Hex.
std::string certificateId(const std::string& vendor, const std::string& tokenSerial, const std::string& sha256Hex);

// Lower-case hex SHA-256 of the DER bytes as given (no parsing), the same value
// describeCertificate() puts in sha256Hex.
std::string certificateSha256Hex(std::span<const std::uint8_t> der);

// list-certificates "purpose": "login" = digitalSignature (or no keyUsage at all),
// "sign" = nonRepudiation, "any" = everything.
bool suitsPurpose(const CertificateFacts& facts, std::string_view purpose);

// The AuthToken algorithm for a key: RS256 (RSA), ES256 (P-256), ES384 (P-384),
// SM2-SM3 (SM2); empty when the host cannot sign with it.
std::string signatureAlgorithmFor(const CertificateFacts& facts);

}  // namespace cabridge
