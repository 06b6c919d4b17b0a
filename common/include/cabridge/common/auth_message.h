// What a login signature is over (AuthToken format cabridge-auth:2, docs/protocol.md): the host
// builds the message with these calls and the verifier rebuilds it with the same ones.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cabridge {

// The AuthToken "format" value, also the first 15 bytes of every origin-bound signed message.
inline constexpr std::string_view kAuthTokenFormat = "cabridge-auth:2";

// "cabridge-auth:2", one zero byte, H(origin as UTF-8), H(challenge), with H = `md`.
// Hashing each part keeps the fields apart; the prefix keeps a login signature apart from a
// legacy one (whose challenge is text, never a zero byte) and from any other use of the key.
// Throws std::runtime_error if OpenSSL cannot hash.
std::vector<std::uint8_t> originBoundMessage(const EVP_MD *md, std::string_view origin,
                                             std::span<const std::uint8_t> challenge);

// Legacy mode signs the challenge as it is, so it takes only text: 8..256 bytes of strict UTF-8
// with no byte below 0x20 and no 0x7F. True iff `challenge` is such text.
bool isLegacyChallengeText(std::span<const std::uint8_t> challenge) noexcept;

} // namespace cabridge
