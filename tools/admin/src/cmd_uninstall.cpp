// `cabridge uninstall`: remove the manifests `cabridge install` wrote, and nothing else.
#include <iostream>
#include <span>
#include <string>

#include "subcommand.h"
#include "target_from_options.h"

namespace cabridge::admin {

int run_uninstall(std::span<const std::string> args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "usage: cabridge uninstall [--browser chrome|chromium|edge|firefox|all]... [--system]\n"
                 "                          [--browser-dir DIR]... [--host PATH] [--root DIR]\n"
                 "Removes org.cabridge.host.json where it names our host and points to PATH\n"
                 "(default: cabridge-host next to this program); other files are left alone.\n";
    return 0;
  }
  AcceptedFlags accepted;
  accepted.extension_id = false;
  accepted.browser_dir = true;
  const ManifestTarget target = manifest_target_from(parse_target_options(args, accepted));
  const UninstallOutcome outcome = uninstall_manifests(target);
  for (const auto& file : outcome.removed) {
    std::cout << "removed / 已删除: " << file.string() << "\n";
  }
  // Not a failure: uninstall runs from package scripts, which must not fail on a manifest
  // that someone else owns.
  for (const auto& [file, why] : outcome.kept) {
    std::cerr << "kept / 保留: " << file.string() << ": " << why << "\n";
  }
  return 0;
}

}  // namespace cabridge::admin
