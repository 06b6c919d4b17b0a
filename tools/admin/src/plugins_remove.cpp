// `cabridge plugins remove ID`: delete an administrator-installed plugin.
#include <iostream>

#include "plugins_command.h"
#include "plugins_install.h"

namespace cabridge::admin {

int run_plugins_remove(const PluginsOptions &options) {
  const PluginLocations locations = locate_plugins(options.root, options.dir);
  for (const auto &path : remove_plugin(options.operands[0], locations)) {
    std::cout << "removed " << path.string() << "\n";
  }
  return 0;
}

}  // namespace cabridge::admin
