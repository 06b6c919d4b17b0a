// Doctor check: browsers installed as snap or flatpak. Their sandbox does not let them start
// native messaging hosts installed on the system, so cabridge cannot work in them.
#include <array>
#include <system_error>

#include "doctor.h"

namespace fs = std::filesystem;

namespace cabridge::admin {
namespace {

struct SandboxedInstall {
  const char* kind;  // "snap" / "flatpak"
  fs::path path;     // real path (not root-prefixed)
  const char* name;
};

// `flatpak list` reads exactly these installation directories, so looking at them finds
// the same applications without running flatpak (and works under --root).
std::vector<SandboxedInstall> candidates(const UserDirs& user) {
  std::vector<SandboxedInstall> list = {
      {"snap", "/snap/bin/chromium", "Chromium"},
      {"snap", "/snap/chromium", "Chromium"},
      // Ubuntu's Firefox is a snap (/usr/bin/firefox only starts it). It reaches native hosts
      // only through the xdg-desktop-portal native messaging portal, which it does not use by
      // default and which Debian 12 and UOS/Kylin do not ship.
      {"snap", "/snap/bin/firefox", "Firefox"},
      {"snap", "/snap/firefox", "Firefox"},
  };
  constexpr std::array<std::pair<const char*, const char*>, 5> flatpak_apps = {{
      {"com.google.Chrome", "Google Chrome"},
      {"org.chromium.Chromium", "Chromium"},
      {"com.microsoft.Edge", "Microsoft Edge"},
      {"io.github.ungoogled_software.ungoogled_chromium", "Ungoogled Chromium"},
      {"org.mozilla.firefox", "Firefox"},
  }};
  for (const auto& [app, name] : flatpak_apps) {
    list.push_back({"flatpak", fs::path("/var/lib/flatpak/app") / app, name});
    list.push_back({"flatpak", user.home / ".local/share/flatpak/app" / app, name});
  }
  return list;
}

}  // namespace

void check_sandboxed_browsers(const DoctorOptions& options, std::vector<Finding>& out) {
  bool regular_browser = false;
  for (Browser b : all_browsers()) regular_browser = regular_browser || browser_installed(options.root, b);

  for (const auto& install : candidates(options.user)) {
    std::error_code ec;
    if (!fs::exists(under_root(options.root, install.path), ec)) continue;
    const std::string name = install.name;
    const std::string kind = install.kind;
    // Only an error when nothing else on the machine can run cabridge.
    out.push_back({regular_browser ? Severity::warning : Severity::error, "browser-" + kind, install.path.string(),
                   name + " 是以 " + kind + " 方式安装的，沙箱不允许它启动本地程序，cabridge 在其中无法使用。",
                   name + " is installed as a " + kind +
                       "; its sandbox cannot start native messaging hosts, so cabridge cannot work in it.",
                   "请改用 Google Chrome、Microsoft Edge 的官方 deb 软件包，或发行版的非 " + kind +
                       " 版 Chromium/Firefox(如 Debian 的 firefox-esr、Mozilla 的 deb 源)。",
                   "Use the official deb package of Google Chrome or Microsoft Edge, or a non-" + kind +
                       " Chromium or Firefox (Debian's firefox-esr, Mozilla's deb repository)."});
  }
}

}  // namespace cabridge::admin
