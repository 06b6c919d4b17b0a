// The module's SM2 signatures, made with OpenSSL alone (none of cabridge's code), so a test
// that verifies them checks cabridge's Z, SM3 and encoding against an independent signer.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace softsm2p11 {

// SM2 over `message` with signer ID `id`: OpenSSL computes Z, e = SM3(Z || M) and signs.
// DER ECDSA-Sig-Value, or nullopt on failure.
std::optional<std::vector<std::uint8_t>> signMessage(EVP_PKEY* key, std::span<const std::uint8_t> id,
                                                     std::span<const std::uint8_t> message);

// SM2 over exactly the 32 bytes `e` (never hashed again). DER, or nullopt on failure.
std::optional<std::vector<std::uint8_t>> signDigest(EVP_PKEY* key, std::span<const std::uint8_t> e);

// DER SEQUENCE{r, s} to r || s, each left-padded to 32 bytes; nullopt if malformed.
std::optional<std::vector<std::uint8_t>> derToRaw(std::span<const std::uint8_t> der);

}  // namespace softsm2p11
