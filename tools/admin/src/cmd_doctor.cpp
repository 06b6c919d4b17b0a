// `cabridge doctor`: report what is wrong; exit 0 when nothing is an error, else 1.
#include <iostream>
#include <span>
#include <string>

#include "subcommand.h"
#include "target_from_options.h"

namespace cabridge::admin {

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
  const std::vector<Finding> findings = diagnose(doctor_options_from(options));
  if (options.json) {
    std::cout << to_json(findings).dump(2) << "\n";
  } else {
    std::cout << render_text(findings);
  }
  return has_errors(findings) ? 1 : 0;
}

}  // namespace cabridge::admin
