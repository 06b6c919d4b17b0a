// The token's signature algorithms: which key each needs, the signed message, the check.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

#include "cabridge/verify.h"

namespace cabridge::verify::detail {

enum class SignatureAlgorithm { RS256, ES256, ES384, SM2_SM3 };

// Chinese CAs sign with this SM2 signer id (GM/T 0009); OpenSSL 3's default is empty.
inline constexpr std::string_view kSm2SignerId = "1234567812345678";

std::string_view algorithm_name(SignatureAlgorithm alg) noexcept;
std::optional<SignatureAlgorithm> parse_algorithm_name(std::string_view name) noexcept;
// The one algorithm a key may sign with: RSA -> RS256, P-256 -> ES256, P-384 -> ES384,
// SM2 curve -> SM2-SM3; empty for any other key.
std::optional<SignatureAlgorithm> algorithm_for_key(const EVP_PKEY* key);

// Throws VerifyError: UnsupportedAlgorithm when the name or the key type is not one we verify,
// AlgorithmMismatch when both are known but differ.
SignatureAlgorithm require_algorithm_fits_key(std::string_view token_algorithm, const EVP_PKEY* key);

// Origin-bound: "cabridge-auth:2" NUL H(origin UTF-8) || H(challenge); legacy: the challenge
// bytes themselves.
std::vector<std::uint8_t> signed_message(SignatureAlgorithm alg, TokenMode mode, std::string_view origin,
                                         std::span<const std::uint8_t> challenge);

// True iff `signature` is alg(message) under `key` (ECDSA/SM2 signatures as DER).
bool signature_matches(SignatureAlgorithm alg, EVP_PKEY* key, std::span<const std::uint8_t> message,
                       std::span<const std::uint8_t> signature);

}  // namespace cabridge::verify::detail
