// SM2 signature arithmetic around a device that signs (GM/T 0003.2, GM/T 0009): the Z value and
// the digest e = SM3(Z || M) a key signs, and the signature's encodings (DER in X.509 and the
// login token, raw r || s or SKF's ECCSIGNATUREBLOB from devices). OpenSSL only; no device code.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace cabridge::sm2 {

// The signer ID ("distinguishing identifier") Chinese CAs use: 16 ASCII bytes. OpenSSL 3's own
// default is empty, so every SM2 sign or verify must name it.
inline constexpr std::string_view kDefaultSignerId = "1234567812345678";

// Bytes of an SM3 digest, of Z, of e, and of r and s each.
inline constexpr std::size_t kDigestBytes = 32;
// Raw signature r || s.
inline constexpr std::size_t kRawSignatureBytes = 64;
// SKF ECCSIGNATUREBLOB { BYTE r[64]; BYTE s[64]; }, each value right-aligned.
inline constexpr std::size_t kPaddedSignatureBytes = 128;

using Digest = std::array<std::uint8_t, kDigestBytes>;
using RawSignature = std::array<std::uint8_t, kRawSignatureBytes>;
using PaddedSignature = std::array<std::uint8_t, kPaddedSignatureBytes>;

// True iff `key` is an elliptic-curve key on the SM2 curve (1.2.156.10197.1.301), whether
// OpenSSL loaded it as type "SM2" (as it does from a certificate) or as "EC".
bool isSm2Key(const EVP_PKEY *key) noexcept;

// Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) for the public key `key` and signer ID
// `signerId` (at most 8191 bytes, ENTL being its bit length in two bytes).
// Throws std::invalid_argument if `key` is not an SM2 key (isSm2Key) or the ID is too long,
// std::runtime_error if OpenSSL fails.
Digest computeZ(const EVP_PKEY *key, std::string_view signerId = kDefaultSignerId);
// The same for the public key of `certificate`.
Digest computeZ(const X509 *certificate, std::string_view signerId = kDefaultSignerId);

// e = SM3(Z || message) for a Z already computed. Throws std::runtime_error if OpenSSL fails.
Digest computeEWithZ(const Digest &z, std::span<const std::uint8_t> message);

// e = SM3(Z || message): the 32 bytes an SM2 key signs (SKF_ECCSignData's input) for
// `message`. Same throws as computeZ.
Digest computeE(const EVP_PKEY *key, std::span<const std::uint8_t> message,
                std::string_view signerId = kDefaultSignerId);
Digest computeE(const X509 *certificate, std::span<const std::uint8_t> message,
                std::string_view signerId = kDefaultSignerId);

// DER (SEQUENCE { INTEGER r, INTEGER s }) of a device's signature: raw r || s (64 bytes) or the
// ECCSIGNATUREBLOB form (128 bytes: 64-byte fields, value in the last 32 bytes of each, the
// first 32 zero). nullopt for any other length, non-zero padding, or r or s equal to zero.
std::optional<std::vector<std::uint8_t>> derFromDeviceSignature(std::span<const std::uint8_t> signature);

// Raw r || s of a DER signature; nullopt unless `der` is exactly one canonical DER
// SEQUENCE of two positive INTEGERs each below 2^256.
std::optional<RawSignature> rawFromDer(std::span<const std::uint8_t> der);

// ECCSIGNATUREBLOB form of a DER signature (as rawFromDer, each value right-aligned in 64 bytes).
std::optional<PaddedSignature> paddedFromDer(std::span<const std::uint8_t> der);

} // namespace cabridge::sm2
