// `cabridge plugins list`: every plugin dir the host reads and each plugin's state
// as the host's own discovery sees it (ok / error with the reason / ignored).
#include <cabridge/host/plugin_registry.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <system_error>

#include <nlohmann/json.hpp>

#include "plugins_command.h"
#include "plugins_locations.h"
#include "self_path.h"

namespace fs = std::filesystem;

namespace cabridge::admin {

int run_plugins_list(const PluginsOptions &options) {
  const PluginLocations locations = locate_plugins(options.root, std::nullopt);
  // States from the host's own discovery code, starting each plugin in a child first as the
  // host does (verdicts not remembered: this tool must always show the present truth).
  const PluginRegistry registry = PluginRegistry::discover(locations.host_dirs, {default_host_path(), {}, nullptr, {}});

  nlohmann::json report = {{"configFile", locations.config_file.string()},
                           {"dirs", nlohmann::json::array()},
                           {"plugins", nlohmann::json::array()},
                           {"ignored", nlohmann::json::array()}};
  std::map<std::string, fs::path> first_seen;  // id -> descriptor, the host's first-wins rule
  for (const fs::path &dir : locations.host_dirs) {
    std::error_code ec;
    const bool exists = fs::is_directory(dir, ec);
    report["dirs"].push_back({{"path", dir.string()}, {"exists", exists}});
    if (!exists) continue;
    std::vector<fs::path> files;
    for (const auto &entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".json" && entry.is_regular_file(ec)) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path &file : files) {
      const std::string id = file.stem().string();
      if (auto seen = first_seen.find(id); seen != first_seen.end()) {
        report["ignored"].push_back({{"descriptor", file.string()}, {"shadowedBy", seen->second.string()}});
        continue;
      }
      first_seen.emplace(id, file);
      const LoadedPlugin *plugin = registry.find(id);
      nlohmann::json entry = {{"id", id}, {"descriptor", file.string()}};
      if (plugin != nullptr) {
        entry["name"] = plugin->name();
        entry["version"] = plugin->version();
        entry["state"] = plugin->ok() ? "ok" : "error";
        if (plugin->error()) entry["error"] = *plugin->error();
      }
      report["plugins"].push_back(std::move(entry));
    }
  }

  if (options.json) {
    std::cout << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  std::cout << "host configuration: "
            << (locations.config_file.empty() ? std::string("(defaults)") : locations.config_file.string()) << "\n"
            << "plugin directories, in the order the host reads them:\n";
  for (const auto &dir : report["dirs"]) {
    std::cout << "  " << dir["path"].get<std::string>() << (dir["exists"].get<bool>() ? "" : "  (missing)") << "\n";
  }
  std::cout << "plugins:\n";
  for (const auto &p : report["plugins"]) {
    std::cout << "  " << p["id"].get<std::string>() << "  " << p.value("name", "") << "  " << p.value("version", "")
              << "  " << p.value("state", "?");
    if (p.contains("error")) std::cout << ": " << p["error"].get<std::string>();
    std::cout << "\n      " << p["descriptor"].get<std::string>() << "\n";
  }
  for (const auto &i : report["ignored"]) {
    std::cout << "  ignored " << i["descriptor"].get<std::string>() << " (same id as "
              << i["shadowedBy"].get<std::string>() << ")\n";
  }
  return 0;
}

}  // namespace cabridge::admin
