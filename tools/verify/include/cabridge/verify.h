// cabridge-verify: the portal-side check of a cabridge AuthToken (format "cabridge-auth:2").
//
// A portal back end that is written in C++ links the static library `cabridge_verify` and calls
// verify_auth_token(); every other back end runs the `cabridge-verify` CLI, which is a thin
// wrapper around the same call. OpenSSL types stay out of this header on purpose.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cabridge::verify {

// Why a token was refused. Each value has a stable name (error_code_name) that the CLI prints
// and a stable process exit code (error_exit_code); both are part of the CLI contract.
enum class ErrorCode {
  Format,                  // token JSON/base64/DER malformed, fields missing, extra or mistyped, format not
                           // "cabridge-auth:2" (format 1 is retired)
  OriginMismatch,          // token.origin differs from the origin the portal expected
  ChallengeInvalid,        // origin-bound: not 32..1024 bytes; legacy: not 8..256 bytes of control-free UTF-8
  SignatureInvalid,        // signature does not verify over "cabridge-auth:2" NUL H(origin) || H(challenge)
  ChainUntrusted,          // certificate does not chain to a trusted CA (or, with CRLs, none is current for it)
  CertificateExpired,      // verification time after notAfter
  CertificateNotYetValid,  // verification time before notBefore
  KeyUsage,                // keyUsage present but lacks the needed bit
  AlgorithmMismatch,       // token.algorithm does not fit the certificate's key
  UnsupportedAlgorithm,    // unknown algorithm name or key type we do not verify
  LegacyNotAllowed,        // mode "legacy" but the caller did not allow it
  CertificateRevoked,      // the certificate is on a CRL the caller gave (added after LegacyNotAllowed)
};

// "FORMAT", "ORIGIN_MISMATCH", ... (the names in docs/verifying.md).
std::string_view error_code_name(ErrorCode code) noexcept;
// 10..21 as documented for the CLI (0 = valid, 2 = usage error are not ErrorCodes).
int error_exit_code(ErrorCode code) noexcept;

// A set of X.509 certificates (trust anchors or intermediates), parsed once, reusable across
// many verifications and safe to share between threads for reading.
class CertificateSet {
 public:
  CertificateSet();
  ~CertificateSet();
  CertificateSet(CertificateSet&&) noexcept;
  CertificateSet& operator=(CertificateSet&&) noexcept;
  CertificateSet(const CertificateSet&) = delete;
  CertificateSet& operator=(const CertificateSet&) = delete;

  // Adds every certificate in a PEM text (one or more "BEGIN CERTIFICATE" blocks).
  // Throws std::invalid_argument if the text holds no certificate or a block does not parse.
  void add_pem(std::string_view pem);
  // Adds one DER certificate. Throws std::invalid_argument if it does not parse completely.
  void add_der(std::span<const std::uint8_t> der);
  std::size_t size() const noexcept;

  struct Impl;
  const Impl& impl() const noexcept { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// Certificate revocation lists (X.509 CRLs) the caller fetched from its CAs, parsed once and
// reusable like a CertificateSet.
class CrlSet {
 public:
  CrlSet();
  ~CrlSet();
  CrlSet(CrlSet&&) noexcept;
  CrlSet& operator=(CrlSet&&) noexcept;
  CrlSet(const CrlSet&) = delete;
  CrlSet& operator=(const CrlSet&) = delete;

  // Adds every CRL in a PEM text (one or more "BEGIN X509 CRL" blocks).
  // Throws std::invalid_argument if the text holds no CRL or a block does not parse.
  void add_pem(std::string_view pem);
  // Adds one DER CRL. Throws std::invalid_argument if it does not parse completely.
  void add_der(std::span<const std::uint8_t> der);
  std::size_t size() const noexcept;

  struct Impl;
  const Impl& impl() const noexcept { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

enum class TokenMode { OriginBound, Legacy };

struct VerifyRequest {
  std::string_view token_json;                    // the AuthToken as the page sent it
  std::string_view expected_origin;               // the portal's own origin, e.g. "https://si.example.gov.cn"
  std::span<const std::uint8_t> challenge;        // the bytes the portal issued (32..1024; legacy: 8..256 of text)
  const CertificateSet* trusted = nullptr;        // trust anchors; required, non-empty
  const CertificateSet* intermediates = nullptr;  // optional untrusted intermediates
  // When set, the end-entity certificate is checked against these CRLs (OpenSSL's CRL check):
  // on one -> CertificateRevoked; no current CRL of its issuer here (missing, expired, badly
  // signed) -> ChainUntrusted. CAs above the issuer are not checked for revocation.
  const CrlSet* crls = nullptr;
  bool allow_legacy = false;  // accept mode "legacy" (no origin binding)
  // Verification time; now when empty.
  std::optional<std::chrono::system_clock::time_point> at;
};

struct DistinguishedName {
  std::string dn;  // RFC 2253, UTF-8, non-ASCII not escaped
  std::optional<std::string> CN, O, OU, C, ST, L;
};

// Identity fields found in Chinese certificates (see docs/verifying.md for where each comes from).
struct CertificateIdentity {
  std::optional<std::string> unified_social_credit_code;
  std::optional<bool> usc_valid;  // GB 32100 check character; set iff a code was found
  std::optional<std::string> id_number;
  std::optional<std::string> vendor_unique_id;  // HeBCA 1.2.156.112586.1.4
};

struct VerifiedToken {
  std::string origin;
  TokenMode mode = TokenMode::OriginBound;
  std::string algorithm;  // "RS256", "ES256", "ES384", "SM2-SM3"
  DistinguishedName subject, issuer;
  std::string serial_number;          // lowercase hex of the serial's magnitude
  std::string sha256;                 // lowercase hex SHA-256 of the certificate DER
  std::string not_before, not_after;  // ISO 8601 UTC, "2025-01-31T08:00:00Z"
  CertificateIdentity identity;
};

struct VerifyFailure {
  ErrorCode code;
  std::string message;  // English, then Chinese; safe to show or log (no secrets involved)
};

class VerifyResult {
 public:
  explicit VerifyResult(VerifiedToken ok) : value_(std::move(ok)) {}
  explicit VerifyResult(VerifyFailure failure) : value_(std::move(failure)) {}
  bool valid() const noexcept { return std::holds_alternative<VerifiedToken>(value_); }
  // Precondition: valid().
  const VerifiedToken& token() const { return std::get<VerifiedToken>(value_); }
  // Precondition: !valid().
  const VerifyFailure& failure() const { return std::get<VerifyFailure>(value_); }

 private:
  std::variant<VerifiedToken, VerifyFailure> value_;
};

// Runs every check in docs/verifying.md in a fixed order and reports the first failure.
// Never throws for bad input (only std::bad_alloc may escape); a null or empty `trusted`
// set makes every token CHAIN_UNTRUSTED.
VerifyResult verify_auth_token(const VerifyRequest& request);

// The CLI's stdout document: {"valid":true,...identity...} or {"valid":false,"error","message"}.
std::string result_to_json(const VerifyResult& result);

}  // namespace cabridge::verify
