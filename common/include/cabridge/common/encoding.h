// Text encodings of bytes: standard base64 (RFC 4648 section 4) and hex.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cabridge {

// Padded standard base64 ("+/" alphabet), no line breaks.
std::string base64Encode(std::span<const std::uint8_t> bytes);

// The bytes of canonical padded base64, or nullopt for anything else: a length
// that is not a multiple of 4, a character outside the alphabet (whitespace
// and the URL-safe "-_" included), '=' anywhere but the last one or two
// places, or non-zero bits under the padding.
std::optional<std::vector<std::uint8_t>> base64Decode(std::string_view text);

// Lower-case hex, two digits a byte.
std::string hexEncode(std::span<const std::uint8_t> bytes);

// The bytes of lower-case hex as hexEncode() writes it, or nullopt for anything
// else (odd length, upper case, any other character).
std::optional<std::vector<std::uint8_t>> hexDecode(std::string_view text);

} // namespace cabridge
