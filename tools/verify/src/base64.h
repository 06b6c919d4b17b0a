// The verifier's names for cabridge_common's strict base64 (RFC 4648 section 4:
// padded, no whitespace, canonical trailing bits).
#pragma once

#include <cabridge/common/encoding.h>

namespace cabridge::verify::detail {

// Empty optional for anything that is not canonical padded base64.
inline std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  return ::cabridge::base64Decode(text);
}
inline std::string base64_encode(std::span<const std::uint8_t> bytes) { return ::cabridge::base64Encode(bytes); }

}  // namespace cabridge::verify::detail
