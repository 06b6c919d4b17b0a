// Parsing the AuthToken JSON (docs/protocol.md section 3.4, plus our optional "mode").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <cabridge/common/auth_message.h>

#include "cabridge/verify.h"

namespace cabridge::verify::detail {

inline constexpr std::string_view kTokenFormat = kAuthTokenFormat;
// Retired: its origin-bound message had no prefix, so a legacy signature over 64 chosen bytes
// could pass as one. Refused like any other wrong format, with a message that says why.
inline constexpr std::string_view kRetiredTokenFormat = "cabridge-auth:1";
// The host never sends a message above 1 MiB, so no genuine token is larger.
inline constexpr std::size_t kMaxTokenBytes = std::size_t{1024} * 1024;

struct AuthToken {
  std::vector<std::uint8_t> certificate_der;
  std::string algorithm;
  std::vector<std::uint8_t> signature;
  std::string origin;
  std::string app_version;
  TokenMode mode = TokenMode::OriginBound;
};

// Throws VerifyError(Format) unless the text is one JSON object with exactly the fields
// format, certificate, algorithm, signature, origin, appVersion and optionally mode, each a
// string of the right shape (format "cabridge-auth:2", base64 where base64 is due,
// mode "origin-bound"|"legacy"). The algorithm name is not judged here.
AuthToken parse_auth_token(std::string_view json_text);

}  // namespace cabridge::verify::detail
