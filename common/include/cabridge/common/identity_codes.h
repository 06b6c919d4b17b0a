// Check digits of Chinese identity numbers.
#pragma once

#include <string_view>

namespace cabridge {

// GB 32100-2015 unified social credit code: 18 characters over
// 0-9 A-H J-N P-R T U W-Y, last one a mod-31 check character, and the
// embedded GB 11714 organisation code (positions 9-17) with its own check.
bool isValidUnifiedSocialCreditCode(std::string_view code) noexcept;

// True if every character is in the credit code alphabet (no check).
bool isCreditCodeAlphabet(std::string_view text) noexcept;

// GB 11643-1999 18-digit resident identity number (last char 0-9 or X).
bool isValidResidentIdNumber(std::string_view id) noexcept;

} // namespace cabridge
