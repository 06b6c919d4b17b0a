// `cabridge plugins add DESCRIPTOR.json`: check, then install; exit 1 with the reason when refused.
#include <iostream>

#include "plugins_command.h"
#include "plugins_install.h"

namespace cabridge::admin {

int run_plugins_add(const PluginsOptions &options) {
  const PluginLocations locations = locate_plugins(options.root, options.dir);
  const CandidatePlugin candidate = check_candidate(options.operands[0], locations.host_dirs);
  const InstalledPlugin installed = install_plugin(candidate, locations, options.link);
  std::cout << "added plugin " << candidate.descriptor.id << " (" << candidate.plugin->name() << " "
            << candidate.plugin->version() << "): " << installed.descriptor.string() << ", "
            << installed.library.string() << (options.link ? " (link)" : "") << "\n";
  if (!locations.host_reads(locations.install_dir)) {
    std::cout << "warning: the host does not read " << locations.install_dir.string()
              << "; add it to pluginDirs in the host configuration\n";
  }
  return 0;
}

}  // namespace cabridge::admin
