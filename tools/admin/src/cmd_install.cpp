// `cabridge install`: register the host with browsers.
#include <iostream>
#include <span>
#include <string>

#include "doctor.h"
#include "subcommand.h"
#include "target_from_options.h"

namespace cabridge::admin {

int run_install(std::span<const std::string> args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "usage: cabridge install [--browser chrome|chromium|edge|firefox|all]... [--system]\n"
                 "                        [--browser-dir DIR]... [--host PATH] [--extension-id ID]...\n"
                 "                        [--gecko-id ID]... [--root DIR]\n"
                 "Writes org.cabridge.host.json for each browser: per user under $HOME (or\n"
                 "$XDG_CONFIG_HOME; Firefox: ~/.mozilla), or with --system under /etc (Firefox:\n"
                 "/usr/lib/mozilla). --root DIR prefixes every path. --browser-dir DIR writes the\n"
                 "Chromium manifest into DIR/NativeMessagingHosts for another Chromium-based browser\n"
                 "whose configuration directory is DIR (alone, without --browser: only there).\n";
    return 0;
  }
  AcceptedFlags accepted;
  accepted.browser_dir = true;
  const ManifestTarget target = manifest_target_from(parse_target_options(args, accepted));
  if (!host_is_runnable(target.host)) {
    // Still written: a package may register the host before the file is in place.
    std::cerr << "warning: " << target.host.string() << " is missing or not executable / 本地程序不存在或不可执行\n";
  }
  for (const auto& file : install_manifests(target)) {
    std::cout << "installed / 已安装: " << file.string() << "\n";
  }
  return 0;
}

}  // namespace cabridge::admin
