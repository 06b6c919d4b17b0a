#include "finding.h"

#include <algorithm>

namespace cabridge::admin {

std::string_view severity_name(Severity severity) {
  switch (severity) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::info: return "info";
  }
  return "unknown";
}

nlohmann::json to_json(const Finding& finding) {
  nlohmann::json j = {
      {"severity", severity_name(finding.severity)},
      {"code", finding.code},
      {"what", {{"zh", finding.what_zh}, {"en", finding.what_en}}},
  };
  if (!finding.subject.empty()) j["subject"] = finding.subject;
  if (!finding.fix_zh.empty() || !finding.fix_en.empty()) {
    j["fix"] = {{"zh", finding.fix_zh}, {"en", finding.fix_en}};
  }
  return j;
}

nlohmann::json to_json(const std::vector<Finding>& findings) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& f : findings) list.push_back(to_json(f));
  return {{"ok", !has_errors(findings)}, {"findings", std::move(list)}};
}

std::string render_text(const std::vector<Finding>& findings) {
  std::string out;
  size_t errors = 0, warnings = 0;
  for (const auto& f : findings) {
    const char* tag = f.severity == Severity::error     ? "[错误 ERROR] "
                      : f.severity == Severity::warning ? "[警告 WARNING] "
                                                        : "[信息 INFO] ";
    errors += f.severity == Severity::error;
    warnings += f.severity == Severity::warning;
    out += tag + f.what_zh + "\n";
    out += "    " + f.what_en + "\n";
    if (!f.subject.empty()) out += "    (" + f.subject + ")\n";
    if (!f.fix_zh.empty()) out += "    解决: " + f.fix_zh + "\n";
    if (!f.fix_en.empty()) out += "    Fix: " + f.fix_en + "\n";
  }
  out += errors == 0 ? "未发现错误 / no errors found" : "发现错误 / errors found";
  out += " (" + std::to_string(errors) + " error(s), " + std::to_string(warnings) + " warning(s))\n";
  return out;
}

bool has_errors(const std::vector<Finding>& findings) {
  return std::any_of(findings.begin(), findings.end(), [](const Finding& f) { return f.severity == Severity::error; });
}

}  // namespace cabridge::admin
