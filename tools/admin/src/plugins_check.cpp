// `cabridge plugins check ID|DESCRIPTOR.json`: load a plugin as the host will and
// list the tokens and certificates it sees. Exit 1 when it cannot be loaded or
// cannot list tokens.
#include <iostream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "admin_error.h"
#include "plugins_command.h"
#include "plugins_locations.h"
#include "plugins_validation.h"

namespace fs = std::filesystem;

namespace cabridge::admin {

namespace {

// The descriptor the host would use for `id`: the first <id>.json in its dirs.
fs::path installed_descriptor(const std::string &id, const PluginLocations &locations) {
  std::error_code ec;
  for (const fs::path &dir : locations.dirs_for_checks()) {
    if (fs::is_regular_file(dir / (id + ".json"), ec)) return dir / (id + ".json");
  }
  throw AdminError("no plugin \"" + id + "\" in the plugin directories (see `cabridge plugins list`)");
}

}  // namespace

int run_plugins_check(const PluginsOptions &options) {
  const PluginLocations locations = locate_plugins(options.root, std::nullopt);
  const std::string &what = options.operands[0];
  std::error_code ec;
  std::unique_ptr<LoadedPlugin> plugin;
  fs::path descriptor;
  if (fs::is_regular_file(what, ec) || what.ends_with(".json")) {
    descriptor = what;
    plugin = std::move(check_candidate(descriptor, locations.host_dirs).plugin);
  } else {
    descriptor = installed_descriptor(what, locations);
    plugin = load_installed(descriptor, locations.dirs_for_checks());
    if (!plugin->ok()) throw AdminError("plugin " + what + " is in error: " + plugin->error().value_or(""));
  }
  const nlohmann::json tokens = inspect_tokens(*plugin);

  if (options.json) {
    const nlohmann::json report = {{"id", plugin->id()},
                                   {"name", plugin->name()},
                                   {"version", plugin->version()},
                                   {"state", "ok"},
                                   {"descriptor", descriptor.string()},
                                   {"notice", plugin->listNotice()},
                                   {"tokens", tokens}};
    std::cout << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  std::cout << "plugin " << plugin->id() << " (" << plugin->name() << " " << plugin->version() << "): ok, "
            << descriptor.string() << "\n";
  // What the plugin found: the middleware it loaded, or the paths it tried in vain.
  if (!plugin->listNotice().empty()) std::cout << plugin->listNotice() << "\n";
  if (tokens.empty()) std::cout << "no token present\n";
  for (const auto &token : tokens) {
    std::cout << "token \"" << token["label"].get<std::string>() << "\" serial " << token["serial"].get<std::string>()
              << " (" << token["manufacturer"].get<std::string>() << ", " << token["model"].get<std::string>() << ")\n";
    if (token.contains("interface") && token.contains("algorithms")) {
      std::cout << "  interface " << token["interface"].dump() << ", algorithms " << token["algorithms"].dump() << "\n";
    }
    for (const auto &cert : token["certificates"]) {
      std::cout << "  certificate \"" << cert["label"].get<std::string>() << "\": ";
      if (cert.contains("error")) {
        std::cout << "unreadable: " << cert["error"].get<std::string>() << "\n";
      } else {
        std::cout << cert["subject"].get<std::string>() << ", valid until " << cert["notAfter"].get<std::string>()
                  << (cert["expired"].get<bool>() ? " (expired)" : "") << "\n";
      }
    }
    for (const auto &key : token.value("orphanKeys", nlohmann::json::array())) {
      std::cout << "  orphan key " << key["keyId"].get<std::string>() << " (" << key["keyType"].get<std::string>()
                << "): no certificate; a CA renewal stopped after making it (the CA's site can remove it)\n";
    }
    if (token.contains("orphanKeysError")) {
      std::cout << "  keys not readable: " << token["orphanKeysError"].get<std::string>() << "\n";
    }
  }
  return 0;
}

}  // namespace cabridge::admin
