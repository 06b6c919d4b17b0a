// Text encodings used in plugin JSON.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace cabridge {

std::string base64Encode(std::span<const std::uint8_t> bytes);
std::string hexEncode(std::span<const std::uint8_t> bytes); // lower case

} // namespace cabridge
