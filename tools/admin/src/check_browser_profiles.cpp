// Doctor check: Chromium-style browsers under the user's configuration directory. Chrome,
// Chromium, Edge and the forks built on them (UOS 浏览器, 奇安信可信浏览器, 360 安全浏览器 ...)
// keep a "Local State" file at the top of their configuration directory and read host
// manifests from its NativeMessagingHosts folder, so finding that file finds the browser
// whatever it is called, and says where `cabridge install --browser-dir` must write.
#include <algorithm>
#include <system_error>

#include "doctor.h"
#include "host_manifest.h"

namespace fs = std::filesystem;

namespace cabridge::admin {
namespace {

bool has_local_state(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "Local State", ec);
}

// Configuration directories one or two levels down (some forks nest theirs, e.g.
// vendor/browser), sorted for a stable report.
std::vector<fs::path> chromium_style_dirs(const fs::path& config_home) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(config_home, ec)) {
    std::error_code type_ec;
    if (!entry.is_directory(type_ec)) continue;
    if (has_local_state(entry.path())) {
      found.push_back(entry.path());
      continue;
    }
    std::error_code inner_ec;
    for (const auto& inner : fs::directory_iterator(entry.path(), inner_ec)) {
      if (inner.is_directory(type_ec) && has_local_state(inner.path())) found.push_back(inner.path());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

void check_browser_profiles(const DoctorOptions& options, std::vector<Finding>& out) {
  const fs::path config_home = under_root(options.root, options.user.config_home());
  for (const fs::path& dir : chromium_style_dirs(config_home)) {
    // The real path (without --root), as the administrator types it.
    const fs::path real = options.root.empty() ? dir : "/" / dir.lexically_relative(options.root);
    const fs::path file = fork_manifest_dir(dir) / std::string(kManifestFileName);
    const ManifestFile manifest = read_manifest_file(file);
    const bool ours = manifest.names_our_host() && manifest.host_path() &&
                      fs::path(*manifest.host_path()).lexically_normal() == options.host.lexically_normal();
    const bool allows_all = std::all_of(options.extension_ids.begin(), options.extension_ids.end(),
                                        [&](const std::string& id) { return manifest.allows_extension(id); });
    const std::string fix_command = "cabridge install --browser-dir '" + real.string() + "'";
    if (ours && allows_all) {
      out.push_back({Severity::info, "browser-profile-registered", real.string(),
                     "Chromium 内核浏览器配置目录 " + real.string() + " 已注册 cabridge 本地程序。",
                     "Chromium-based browser directory " + real.string() + " has the cabridge host registered.", "",
                     ""});
      continue;
    }
    const bool missing = manifest.state == ManifestFile::State::missing;
    out.push_back(
        {Severity::warning, "browser-profile-unregistered", real.string(),
         "Chromium 内核浏览器配置目录 " + real.string() +
             (missing ? " 没有注册 cabridge 本地程序。" : " 的 cabridge 本地程序清单不正确(名称、路径或扩展 ID)。"),
         "Chromium-based browser directory " + real.string() +
             (missing ? " does not have the cabridge host registered."
                      : " has a cabridge host manifest that is wrong (name, path or extension id)."),
         "如果在该浏览器中使用 cabridge，执行 " + fix_command + "。",
         "To use cabridge in that browser, run `" + fix_command + "`."});
  }
}

}  // namespace cabridge::admin
