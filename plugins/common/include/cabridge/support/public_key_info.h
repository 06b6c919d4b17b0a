// DER SubjectPublicKeyInfo from the raw public key parts a token gives (PKCS#11 attributes, SKF
// public key blobs): what generate_key and list_keys hand the host (plugin.h "publicKey").
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace cabridge {

// Base64 of the DER SubjectPublicKeyInfo of the RSA key (big-endian modulus and exponent), or
// nullopt when OpenSSL refuses the numbers.
std::optional<std::string> rsaPublicKeyInfo(std::span<const std::uint8_t> modulus,
                                            std::span<const std::uint8_t> exponent);

// The same for an EC key on `curve` ("prime256v1" or "SM2"), the point uncompressed
// (04 || X || Y).
std::optional<std::string> ecPublicKeyInfo(const char *curve, std::span<const std::uint8_t> point);

// The bit length of an RSA SubjectPublicKeyInfo (base64 DER), 0 when it is not one.
int rsaPublicKeyBits(const std::string &publicKeyInfo);

} // namespace cabridge
