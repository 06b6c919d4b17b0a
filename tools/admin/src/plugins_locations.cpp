#include "plugins_locations.h"

#include <cabridge/host/host_config.h>

#include <algorithm>
#include <cstdlib>
#include <system_error>

#include "admin_error.h"
#include "browser_locations.h"
#include "self_path.h"

namespace fs = std::filesystem;

namespace cabridge::admin {

namespace {

// The same directory whether written with "..", a trailing slash or a symlink.
fs::path comparable(const fs::path &dir) {
  std::error_code ec;
  fs::path real = fs::weakly_canonical(dir, ec);
  return ec ? dir.lexically_normal() : real;
}

}  // namespace

std::vector<fs::path> PluginLocations::dirs_for_checks() const {
  std::vector<fs::path> dirs = host_dirs;
  if (!host_reads(install_dir)) dirs.push_back(install_dir);
  return dirs;
}

bool PluginLocations::host_reads(const fs::path &dir) const {
  const fs::path wanted = comparable(dir);
  return std::any_of(host_dirs.begin(), host_dirs.end(), [&](const fs::path &d) { return comparable(d) == wanted; });
}

namespace {

// The host's configuration as cabridge-host next to this program would read it.
HostConfig host_config_under(const fs::path &root) {
  const fs::path host_exe_dir = default_host_path().parent_path();
  const char *explicit_config = std::getenv("CABRIDGE_CONFIG");
  const fs::path root_config = under_root(root, "/etc/cabridge/host.json");
  std::error_code ec;
  if (explicit_config != nullptr && *explicit_config != '\0') return loadHostConfigFile(explicit_config, host_exe_dir);
  if (fs::exists(root_config, ec)) return loadHostConfigFile(root_config, host_exe_dir);
  return defaultHostConfig(host_exe_dir);
}

}  // namespace

std::optional<fs::path> host_policy_file(const fs::path &root) {
  const HostConfig config = host_config_under(root);
  if (config.error) return std::nullopt;
  return config.policyFile == fs::path("/etc/cabridge/policy.json") ? under_root(root, config.policyFile)
                                                                    : config.policyFile;
}

PluginLocations locate_plugins(const fs::path &root, const std::optional<fs::path> &install_dir) {
  const HostConfig config = host_config_under(root);
  if (config.error) {
    // The host would ignore the file and use its defaults; an administrator
    // editing plugins needs to know that first.
    throw AdminError("host configuration refused by the host: " + *config.error);
  }

  PluginLocations out;
  out.config_file = config.source;
  for (const fs::path &dir : config.pluginDirs) {
    out.host_dirs.push_back(dir == fs::path(kSystemPluginDir) ? under_root(root, dir) : dir);
  }
  out.install_dir = install_dir ? *install_dir : under_root(root, kSystemPluginDir);
  return out;
}

}  // namespace cabridge::admin
