// Command-line parsing shared by the subcommands.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "browser_locations.h"

namespace cabridge::admin {

// Walks argv of one subcommand: flags and their values. Throws UsageError on misuse.
class ArgumentReader {
 public:
  explicit ArgumentReader(std::span<const std::string> args) : args_(args) {}
  bool done() const { return pos_ >= args_.size(); }
  // The next argument (a flag, or an operand), advancing past it.
  const std::string& next();
  // The value of `flag` (either the following argument, or the part after '=' when the
  // flag was written --flag=value). Throws UsageError if there is none.
  std::string value_of(std::string_view flag);
  // Splits "--flag=value" into the flag part; returns the argument unchanged otherwise.
  std::string_view flag_name(const std::string& arg);
  // True when the last flag was written --flag=value (wrong for a flag without a value).
  bool has_inline_value() const { return inline_value_.has_value(); }

 private:
  std::span<const std::string> args_;
  size_t pos_ = 0;
  std::optional<std::string> inline_value_;
};

// The options of install / uninstall / doctor, before defaults are applied.
struct TargetOptions {
  std::vector<Browser> browsers;  // empty = all
  bool system = false;
  std::optional<std::filesystem::path> host;
  std::vector<std::string> extension_ids;  // empty = the template's
  std::vector<std::string> gecko_ids;      // Firefox add-on ids; empty = the Firefox template's
  // Configuration directories of other Chromium-based browsers (--browser-dir), written to
  // besides `browsers`; given alone (no --browser), only they are written.
  std::vector<std::filesystem::path> browser_dirs;
  std::filesystem::path root;
  bool json = false;
};

// Which flags a subcommand accepts.
struct AcceptedFlags {
  bool browser = true, system = true, host = true, extension_id = true, root = true, json = false;
  bool browser_dir = false;
};

// Parses --browser chrome|chromium|edge|firefox|all (repeatable), --system, --host PATH,
// --extension-id ID (repeatable), --gecko-id ID (repeatable, with extension_id), --browser-dir
// DIR (repeatable, when accepted), --root DIR, --json. Unknown flags and operands throw.
TargetOptions parse_target_options(std::span<const std::string> args, AcceptedFlags accepted);

}  // namespace cabridge::admin
