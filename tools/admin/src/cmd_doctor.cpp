// `cabridge doctor`: report what is wrong; exit 0 when nothing is an error, else 1.
#include <cabridge/host/origin_policy.h>

#include <cstdlib>
#include <iostream>
#include <span>
#include <string>

#include "plugins_locations.h"
#include "subcommand.h"
#include "target_from_options.h"

namespace cabridge::admin {

namespace {

// The policy file the host reads, checked with the host's own loader: the host's `status`
// says only that it refused the file and names the first bad entry.
std::optional<PolicyFileReport> policy_report(const std::filesystem::path& root) {
  const auto file = host_policy_file(root);
  if (!file) return std::nullopt;
  PolicyFileReport report{*file, {}};
  for (const auto& problem : loadAdminPolicy(*file).entryProblems) {
    report.problems.push_back(problem.key + " entry \"" + problem.entry + "\": " + problem.rule);
  }
  return report;
}

// The legacy bridge settings, when the host would use the policy file.
std::optional<LegacyBridgeReport> legacy_report(const std::filesystem::path& root) {
  const auto file = host_policy_file(root);
  if (!file) return std::nullopt;
  const auto load = loadAdminPolicy(*file);
  if (load.error) return std::nullopt;
  const auto& legacy = load.policy.legacy;
  return LegacyBridgeReport{load.policy.legacyOrigins, legacy.loginOrigins, legacy.hash, legacy.sm2Signature,
                            legacy.helperVersion};
}

// Tests probe a port of their own instead of HeBCA's (which another program may hold).
std::uint16_t helper_port() {
  const char* text = std::getenv("CABRIDGE_DOCTOR_HELPER_PORT");
  if (text == nullptr) return kHebcaHelperPort;
  const long port = std::strtol(text, nullptr, 10);
  return port > 0 && port <= 65535 ? static_cast<std::uint16_t>(port) : kHebcaHelperPort;
}

}  // namespace

int run_doctor(std::span<const std::string> args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "usage: cabridge doctor [--root DIR] [--host PATH] [--extension-id ID]... [--json]\n"
                 "Checks the host binary, every browser's manifest (per user and system-wide),\n"
                 "snap/flatpak browsers, and runs the host to ask for its status and tokens.\n"
                 "Exit status 0 when no error was found, 1 otherwise.\n";
    return 0;
  }
  AcceptedFlags accepted;
  accepted.browser = false;
  accepted.system = false;
  accepted.json = true;
  const TargetOptions options = parse_target_options(args, accepted);
  DoctorOptions doctor = doctor_options_from(options);
  doctor.policy = policy_report(options.root);
  doctor.legacy = legacy_report(options.root);
  doctor.helper_port = helper_port();
  const std::vector<Finding> findings = diagnose(doctor);
  if (options.json) {
    std::cout << to_json(findings).dump(2) << "\n";
  } else {
    std::cout << render_text(findings);
  }
  return has_errors(findings) ? 1 : 0;
}

}  // namespace cabridge::admin
