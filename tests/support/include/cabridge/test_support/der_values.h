// DER encodings of single ASN.1 values, for the contents of the extensions tests put into
// certificates (test_certificate.h). Each throws std::runtime_error when OpenSSL fails.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cabridge::test_support {

std::vector<std::uint8_t> derUtf8String(const std::string& text);
std::vector<std::uint8_t> derPrintableString(const std::string& text);
std::vector<std::uint8_t> derOctetString(const std::string& bytes);
// The text's bytes as they are, not DER: for extensions whose content is malformed on purpose.
std::vector<std::uint8_t> rawBytes(std::string_view text);

}  // namespace cabridge::test_support
