// Command line of cabridge-verify.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cabridge::verify::cli {

struct CliOptions {
  std::string token_path;  // "-" = stdin
  std::string origin;
  std::optional<std::string> challenge_base64;
  std::optional<std::string> challenge_file;  // exactly one of the two challenge forms
  std::vector<std::string> ca_files;          // at least one
  std::vector<std::string> intermediate_files;
  std::vector<std::string> crl_files;  // any given: revocation is checked
  bool allow_legacy = false;
  std::optional<std::string> time;  // ISO 8601, checked by the caller
  bool help = false;
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

extern const char* const kUsageText;

// Throws UsageError for unknown flags, missing values, repeated single flags, missing
// required flags or both challenge forms.
CliOptions parse_cli_options(int argc, const char* const* argv);

}  // namespace cabridge::verify::cli
