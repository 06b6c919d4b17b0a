// Strict UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
#pragma once

#include <string_view>

namespace cabridge {

bool isValidUtf8(std::string_view text);

}  // namespace cabridge
