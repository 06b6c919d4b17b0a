// Strict standard base64 (RFC 4648 section 4, with padding, no whitespace).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cabridge {

std::string base64Encode(std::span<const std::uint8_t> data);

// nullopt for anything that is not canonical padded base64.
std::optional<std::vector<std::uint8_t>> base64Decode(std::string_view text);

std::string hexEncode(std::span<const std::uint8_t> data);

}  // namespace cabridge
