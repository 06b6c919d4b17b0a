#include "cli_options.h"

#include <string_view>

namespace cabridge::verify::cli {

const char* const kUsageText =
    "usage: cabridge-verify --token FILE|- --origin ORIGIN\n"
    "                       (--challenge BASE64 | --challenge-file FILE)\n"
    "                       --ca FILE.pem [--ca ...] [--intermediate FILE.pem ...]\n"
    "                       [--crl FILE ...] [--allow-legacy] [--time ISO8601]\n"
    "Checks a cabridge AuthToken. Exit 0 and identity JSON on stdout when valid;\n"
    "otherwise {\"valid\":false,\"error\",\"message\"} and exit 10..21 (2 = usage).\n";

namespace {

void set_once(std::optional<std::string>& slot, std::string_view flag, std::string value) {
  if (slot) throw UsageError(std::string(flag) + " given twice");
  slot = std::move(value);
}

}  // namespace

CliOptions parse_cli_options(int argc, const char* const* argv) {
  CliOptions options;
  std::optional<std::string> token, origin;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      options.help = true;
      return options;
    }
    if (flag == "--allow-legacy") {
      options.allow_legacy = true;
      continue;
    }
    const bool takes_value = flag == "--token" || flag == "--origin" || flag == "--challenge" ||
                             flag == "--challenge-file" || flag == "--ca" || flag == "--intermediate" ||
                             flag == "--time" || flag == "--crl";
    if (!takes_value) throw UsageError("unknown argument: " + std::string(flag).substr(0, 64));
    if (i + 1 >= argc) throw UsageError(std::string(flag) + " needs a value");
    std::string value = argv[++i];
    if (flag == "--token") set_once(token, flag, std::move(value));
    else if (flag == "--origin") set_once(origin, flag, std::move(value));
    else if (flag == "--challenge") set_once(options.challenge_base64, flag, std::move(value));
    else if (flag == "--challenge-file") set_once(options.challenge_file, flag, std::move(value));
    else if (flag == "--time") set_once(options.time, flag, std::move(value));
    else if (flag == "--ca") options.ca_files.push_back(std::move(value));
    else if (flag == "--crl") options.crl_files.push_back(std::move(value));
    else options.intermediate_files.push_back(std::move(value));
  }
  if (!token) throw UsageError("--token is required");
  if (!origin) throw UsageError("--origin is required");
  if (options.challenge_base64.has_value() == options.challenge_file.has_value())
    throw UsageError("give exactly one of --challenge and --challenge-file");
  if (options.ca_files.empty()) throw UsageError("at least one --ca is required");
  options.token_path = std::move(*token);
  options.origin = std::move(*origin);
  return options;
}

}  // namespace cabridge::verify::cli
