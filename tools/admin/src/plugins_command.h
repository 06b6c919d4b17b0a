// `cabridge plugins list|add|remove|check`: the actions and their shared options.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cabridge::admin {

struct PluginsOptions {
  std::vector<std::string> operands;
  std::filesystem::path root;                // --root DIR
  std::optional<std::filesystem::path> dir;  // --dir DIR
  bool link = false;                         // --link
  bool json = false;                         // --json
};

int run_plugins_list(const PluginsOptions &options);
int run_plugins_add(const PluginsOptions &options);
int run_plugins_remove(const PluginsOptions &options);
int run_plugins_check(const PluginsOptions &options);

}  // namespace cabridge::admin
