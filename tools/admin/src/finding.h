// One thing `cabridge doctor` found, said in Chinese and English, with how to fix it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace cabridge::admin {

enum class Severity { error, warning, info };
std::string_view severity_name(Severity severity);  // "error" / "warning" / "info"

struct Finding {
  Severity severity = Severity::info;
  std::string code;     // stable identifier, e.g. "manifest-missing" (for scripts and tests)
  std::string subject;  // what it is about: a path, a browser, a plugin id; may be empty
  std::string what_zh, what_en;
  std::string fix_zh, fix_en;  // empty when nothing needs doing
};

nlohmann::json to_json(const Finding& finding);

// {"ok": <no errors>, "findings": [...]}
nlohmann::json to_json(const std::vector<Finding>& findings);

// Human-readable report, one block per finding, then a summary line.
std::string render_text(const std::vector<Finding>& findings);

bool has_errors(const std::vector<Finding>& findings);

}  // namespace cabridge::admin
