#include "auth_token.h"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include <cabridge/common/encoding.h>
#include "verify_error.h"

namespace cabridge::verify::detail {
namespace {

constexpr std::array<std::string_view, 6> kRequiredFields = {"format",    "certificate", "algorithm",
                                                             "signature", "origin",      "appVersion"};
constexpr std::size_t kMaxOriginChars = 255;  // docs/protocol.md section 2
constexpr std::size_t kMaxShortFieldChars = 64;

[[noreturn]] void fail(const std::string& english, const std::string& chinese) {
  throw VerifyError(ErrorCode::Format, english + " / " + chinese);
}

const std::string& string_field(const nlohmann::json& token, std::string_view name) {
  const auto it = token.find(name);
  if (it == token.end())
    fail("token field \"" + std::string(name) + "\" is missing", "令牌缺少字段 " + std::string(name));
  if (!it->is_string())
    fail("token field \"" + std::string(name) + "\" must be a string",
         "令牌字段 " + std::string(name) + " 必须是字符串");
  return it->get_ref<const std::string&>();
}

std::vector<std::uint8_t> base64_field(const nlohmann::json& token, std::string_view name) {
  auto bytes = base64Decode(string_field(token, name));
  if (!bytes || bytes->empty())
    fail("token field \"" + std::string(name) + "\" is not valid non-empty base64",
         "令牌字段 " + std::string(name) + " 不是有效的 base64");
  return std::move(*bytes);
}

}  // namespace

AuthToken parse_auth_token(std::string_view json_text) {
  if (json_text.size() > kMaxTokenBytes) fail("token is larger than 1 MiB", "令牌超过 1 MiB");

  // No exceptions from the parser: invalid JSON (including invalid UTF-8) is discarded.
  const auto token = nlohmann::json::parse(json_text.begin(), json_text.end(), nullptr,
                                           /*allow_exceptions=*/false);
  if (token.is_discarded()) fail("token is not valid JSON", "令牌不是有效的 JSON");
  if (!token.is_object()) fail("token must be a JSON object", "令牌必须是 JSON 对象");

  for (const auto& [key, value] : token.items()) {
    const bool known = key == "mode" ||
                       std::find(kRequiredFields.begin(), kRequiredFields.end(), key) != kRequiredFields.end();
    // The key goes into the message, so keep it short; the JSON writer repairs a cut UTF-8 sequence.
    const std::string shown = key.substr(0, 40);
    if (!known) fail("token has an unknown field \"" + shown + "\"", "令牌含有未知字段 " + shown);
  }

  const std::string& format = string_field(token, "format");
  if (format == kRetiredTokenFormat)
    fail("token format cabridge-auth:1 is retired; update the cabridge host to get cabridge-auth:2 tokens",
         "令牌格式 cabridge-auth:1 已停用，请将本机 cabridge 组件更新到最新版本");
  if (format != kTokenFormat) fail("token format must be \"cabridge-auth:2\"", "令牌格式必须是 cabridge-auth:2");

  AuthToken parsed;
  parsed.certificate_der = base64_field(token, "certificate");
  parsed.signature = base64_field(token, "signature");
  parsed.algorithm = string_field(token, "algorithm");
  if (parsed.algorithm.size() > kMaxShortFieldChars) fail("token algorithm name is too long", "令牌算法名称过长");
  parsed.origin = string_field(token, "origin");
  if (parsed.origin.empty() || parsed.origin.size() > kMaxOriginChars)
    fail("token origin must be 1..255 characters", "令牌来源长度必须为 1 到 255 个字符");
  parsed.app_version = string_field(token, "appVersion");
  if (parsed.app_version.size() > kMaxShortFieldChars) fail("token appVersion is too long", "令牌 appVersion 过长");

  if (token.contains("mode")) {
    const std::string& mode = string_field(token, "mode");
    if (mode == "origin-bound") parsed.mode = TokenMode::OriginBound;
    else if (mode == "legacy") parsed.mode = TokenMode::Legacy;
    else fail("token mode must be \"origin-bound\" or \"legacy\"", "令牌模式必须是 origin-bound 或 legacy");
  }
  return parsed;
}

}  // namespace cabridge::verify::detail
