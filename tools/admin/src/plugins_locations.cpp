#include "plugins_locations.h"

#include <cabridge/host/host_config.h>

#include <algorithm>
#include <cstdlib>
#include <system_error>

#include "admin_error.h"
#include "self_path.h"

namespace fs = std::filesystem;

namespace cabridge::admin {

namespace {

fs::path underRoot(const fs::path &root, const fs::path &absolute) {
  return root.empty() ? absolute : root / absolute.relative_path();
}

// The same directory whether written with "..", a trailing slash or a symlink.
fs::path comparable(const fs::path &dir) {
  std::error_code ec;
  fs::path real = fs::weakly_canonical(dir, ec);
  return ec ? dir.lexically_normal() : real;
}

}  // namespace

std::vector<fs::path> PluginLocations::dirsForChecks() const {
  std::vector<fs::path> dirs = hostDirs;
  if (!hostReads(installDir)) dirs.push_back(installDir);
  return dirs;
}

bool PluginLocations::hostReads(const fs::path &dir) const {
  const fs::path wanted = comparable(dir);
  return std::any_of(hostDirs.begin(), hostDirs.end(), [&](const fs::path &d) { return comparable(d) == wanted; });
}

namespace {

// The host's configuration as cabridge-host next to this program would read it.
HostConfig hostConfigUnder(const fs::path &root) {
  const fs::path hostExeDir = default_host_path().parent_path();
  const char *explicitConfig = std::getenv("CABRIDGE_CONFIG");
  const fs::path rootConfig = underRoot(root, "/etc/cabridge/host.json");
  std::error_code ec;
  if (explicitConfig != nullptr && *explicitConfig != '\0') return loadHostConfigFile(explicitConfig, hostExeDir);
  if (fs::exists(rootConfig, ec)) return loadHostConfigFile(rootConfig, hostExeDir);
  return defaultHostConfig(hostExeDir);
}

}  // namespace

std::optional<fs::path> hostPolicyFile(const fs::path &root) {
  const HostConfig config = hostConfigUnder(root);
  if (config.error) return std::nullopt;
  return config.policyFile == fs::path("/etc/cabridge/policy.json") ? underRoot(root, config.policyFile)
                                                                    : config.policyFile;
}

PluginLocations locatePlugins(const fs::path &root, const std::optional<fs::path> &installDir) {
  const HostConfig config = hostConfigUnder(root);
  if (config.error) {
    // The host would ignore the file and use its defaults; an administrator
    // editing plugins needs to know that first.
    throw AdminError("host configuration refused by the host: " + *config.error);
  }

  PluginLocations out;
  out.configFile = config.source;
  for (const fs::path &dir : config.pluginDirs) {
    out.hostDirs.push_back(dir == fs::path(kSystemPluginDir) ? underRoot(root, dir) : dir);
  }
  out.installDir = installDir ? *installDir : underRoot(root, kSystemPluginDir);
  return out;
}

}  // namespace cabridge::admin
