// Where `cabridge plugins` looks and writes: the plugin directories the host
// reads (host/src/front/host_config.*, same rules and order) and the directory an
// administrator's plugins go to (/etc/cabridge/plugins.d by default).
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

namespace cabridge::admin {

inline constexpr const char *kSystemPluginDir = "/etc/cabridge/plugins.d";

struct PluginLocations {
  // Every directory the host scans, in its order (first descriptor of an id wins).
  std::vector<std::filesystem::path> host_dirs;
  // Where `add` writes and `remove` deletes.
  std::filesystem::path install_dir;
  // The host configuration file that was read, empty when the defaults apply.
  std::filesystem::path config_file;
  // host_dirs plus install_dir when the host does not read it (so a plugin
  // can be checked before the host is configured to see it).
  std::vector<std::filesystem::path> dirs_for_checks() const;
  bool host_reads(const std::filesystem::path &dir) const;
};

// The host's configuration as cabridge-host next to this program would read it
// ($CABRIDGE_CONFIG, else <root>/etc/cabridge/host.json, else the defaults,
// whose system dir becomes <root>/etc/cabridge/plugins.d). `install_dir` is
// --dir when given, else <root>/etc/cabridge/plugins.d.
// Throws AdminError when the configuration file exists but is refused by the host.
PluginLocations locate_plugins(const std::filesystem::path &root,
                               const std::optional<std::filesystem::path> &install_dir);

// The policy file that host reads (host.json "policyFile", default /etc/cabridge/policy.json
// under `root`), or nullopt when its configuration file is refused (the host then uses defaults,
// which `cabridge doctor` reports separately).
std::optional<std::filesystem::path> host_policy_file(const std::filesystem::path &root);

}  // namespace cabridge::admin
