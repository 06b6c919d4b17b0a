#include "command_line.h"

#include "admin_error.h"
#include "host_manifest.h"

namespace fs = std::filesystem;

namespace cabridge::admin {

const std::string& ArgumentReader::next() {
  if (done()) throw UsageError("missing argument");
  inline_value_.reset();
  return args_[pos_++];
}

std::string_view ArgumentReader::flag_name(const std::string& arg) {
  const auto eq = arg.find('=');
  if (arg.starts_with("--") && eq != std::string::npos) {
    inline_value_ = arg.substr(eq + 1);
    return std::string_view(arg).substr(0, eq);
  }
  return arg;
}

std::string ArgumentReader::value_of(std::string_view flag) {
  if (inline_value_) {
    std::string value = std::move(*inline_value_);
    inline_value_.reset();
    return value;
  }
  if (done()) throw UsageError(std::string(flag) + " needs a value");
  return args_[pos_++];
}

TargetOptions parse_target_options(std::span<const std::string> args, AcceptedFlags accepted) {
  TargetOptions options;
  ArgumentReader reader(args);
  bool all_browsers_requested = false;
  while (!reader.done()) {
    const std::string& arg = reader.next();
    const std::string_view flag = reader.flag_name(arg);
    if (flag == "--browser" && accepted.browser) {
      const std::string value = reader.value_of(flag);
      if (value == "all") {
        all_browsers_requested = true;
      } else if (auto b = parse_browser(value)) {
        options.browsers.push_back(*b);
      } else {
        throw UsageError("--browser must be chrome, chromium, edge, firefox or all, not '" + value + "'");
      }
    } else if (reader.has_inline_value() && (flag == "--system" || flag == "--json")) {
      throw UsageError(std::string(flag) + " takes no value");
    } else if (flag == "--system" && accepted.system) {
      options.system = true;
    } else if (flag == "--host" && accepted.host) {
      const std::string value = reader.value_of(flag);
      if (value.empty()) throw UsageError("--host needs a path");
      options.host = fs::absolute(value).lexically_normal();
    } else if (flag == "--extension-id" && accepted.extension_id) {
      std::string id = reader.value_of(flag);
      if (!is_valid_extension_id(id)) {
        throw UsageError("--extension-id '" + id + "' is not an extension id (32 letters a-p)");
      }
      options.extension_ids.push_back(std::move(id));
    } else if (flag == "--gecko-id" && accepted.extension_id) {
      std::string id = reader.value_of(flag);
      if (!is_valid_gecko_id(id)) {
        throw UsageError("--gecko-id '" + id + "' is not a Firefox add-on id (name@domain or {GUID})");
      }
      options.gecko_ids.push_back(std::move(id));
    } else if (flag == "--browser-dir" && accepted.browser_dir) {
      const std::string value = reader.value_of(flag);
      if (value.empty()) throw UsageError("--browser-dir needs a directory");
      options.browser_dirs.push_back(fs::absolute(value).lexically_normal());
    } else if (flag == "--root" && accepted.root) {
      const std::string value = reader.value_of(flag);
      if (value.empty()) throw UsageError("--root needs a directory");
      options.root = fs::absolute(value).lexically_normal();
    } else if (flag == "--json" && accepted.json) {
      options.json = true;
    } else {
      throw UsageError("unknown argument '" + arg + "'");
    }
  }
  if (all_browsers_requested) options.browsers.clear();  // empty = all
  return options;
}

}  // namespace cabridge::admin
