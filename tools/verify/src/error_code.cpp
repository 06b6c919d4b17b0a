// Stable names and CLI exit codes of the verifier's error codes.
#include "cabridge/verify.h"

namespace cabridge::verify {

std::string_view error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::Format: return "FORMAT";
    case ErrorCode::OriginMismatch: return "ORIGIN_MISMATCH";
    case ErrorCode::ChallengeInvalid: return "CHALLENGE_INVALID";
    case ErrorCode::SignatureInvalid: return "SIGNATURE_INVALID";
    case ErrorCode::ChainUntrusted: return "CHAIN_UNTRUSTED";
    case ErrorCode::CertificateExpired: return "CERTIFICATE_EXPIRED";
    case ErrorCode::CertificateNotYetValid: return "CERTIFICATE_NOT_YET_VALID";
    case ErrorCode::KeyUsage: return "KEY_USAGE";
    case ErrorCode::AlgorithmMismatch: return "ALGORITHM_MISMATCH";
    case ErrorCode::UnsupportedAlgorithm: return "UNSUPPORTED_ALGORITHM";
    case ErrorCode::LegacyNotAllowed: return "LEGACY_NOT_ALLOWED";
    case ErrorCode::CertificateRevoked: return "CERTIFICATE_REVOKED";
  }
  return "UNKNOWN";
}

int error_exit_code(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::Format: return 10;
    case ErrorCode::OriginMismatch: return 11;
    case ErrorCode::ChallengeInvalid: return 12;
    case ErrorCode::SignatureInvalid: return 13;
    case ErrorCode::ChainUntrusted: return 14;
    case ErrorCode::CertificateExpired: return 15;
    case ErrorCode::CertificateNotYetValid: return 16;
    case ErrorCode::KeyUsage: return 17;
    case ErrorCode::AlgorithmMismatch: return 18;
    case ErrorCode::UnsupportedAlgorithm: return 19;
    case ErrorCode::LegacyNotAllowed: return 20;
    case ErrorCode::CertificateRevoked: return 21;
  }
  return 1;
}

}  // namespace cabridge::verify
