// Strict standard base64 (RFC 4648 section 4): padded, no whitespace, canonical trailing bits.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cabridge::verify::detail {

// Empty optional for anything that is not canonical padded base64.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);
std::string base64_encode(std::span<const std::uint8_t> bytes);

}  // namespace cabridge::verify::detail
