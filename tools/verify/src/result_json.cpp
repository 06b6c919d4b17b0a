// The verifier's JSON result document (the CLI's stdout).
#include <nlohmann/json.hpp>

#include "cabridge/verify.h"

namespace cabridge::verify {
namespace {

template <typename T>
nlohmann::json optional_value(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json name_json(const DistinguishedName& name) {
  nlohmann::json out = {{"dn", name.dn}};
  // Absent attributes are left out, as in CertInfo's subject (docs/protocol.md section 3.3).
  const std::pair<const char*, const std::optional<std::string>*> fields[] = {
      {"CN", &name.CN}, {"O", &name.O}, {"OU", &name.OU}, {"C", &name.C}, {"ST", &name.ST}, {"L", &name.L}};
  for (const auto& [key, value] : fields)
    if (*value) out[key] = **value;
  return out;
}

}  // namespace

std::string result_to_json(const VerifyResult& result) {
  nlohmann::json out;
  if (!result.valid()) {
    out = {{"valid", false},
           {"error", std::string(error_code_name(result.failure().code))},
           {"message", result.failure().message}};
  } else {
    const VerifiedToken& token = result.token();
    out = {{"valid", true},
           {"origin", token.origin},
           {"mode", token.mode == TokenMode::Legacy ? "legacy" : "origin-bound"},
           {"algorithm", token.algorithm},
           {"subject", name_json(token.subject)},
           {"issuer", name_json(token.issuer)},
           {"serialNumber", token.serial_number},
           {"sha256", token.sha256},
           {"notBefore", token.not_before},
           {"notAfter", token.not_after},
           // Always all four keys, null when absent: the same shape as CertInfo.identity.
           {"identity",
            {{"unifiedSocialCreditCode", optional_value(token.identity.unified_social_credit_code)},
             {"uscValid", optional_value(token.identity.usc_valid)},
             {"idNumber", optional_value(token.identity.id_number)},
             {"vendorUniqueId", optional_value(token.identity.vendor_unique_id)}}}};
  }
  // Certificate text is attacker-chosen: never let a bad UTF-8 byte throw here.
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace cabridge::verify
