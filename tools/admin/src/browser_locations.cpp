#include "browser_locations.h"

#include <array>
#include <cstdlib>
#include <system_error>
#include <pwd.h>
#include <unistd.h>

#include "admin_error.h"

namespace fs = std::filesystem;

namespace cabridge::admin {
namespace {

constexpr std::array kBrowsers{Browser::chrome, Browser::chromium, Browser::edge};

}  // namespace

std::span<const Browser> all_browsers() { return kBrowsers; }

std::string_view browser_key(Browser browser) {
  switch (browser) {
    case Browser::chrome: return "chrome";
    case Browser::chromium: return "chromium";
    case Browser::edge: return "edge";
  }
  return "unknown";
}

std::string_view browser_display_name(Browser browser) {
  switch (browser) {
    case Browser::chrome: return "Google Chrome";
    case Browser::chromium: return "Chromium";
    case Browser::edge: return "Microsoft Edge";
  }
  return "unknown";
}

std::optional<Browser> parse_browser(std::string_view key) {
  for (Browser b : kBrowsers) {
    if (browser_key(b) == key) return b;
  }
  return std::nullopt;
}

UserDirs UserDirs::from_environment() {
  UserDirs dirs;
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    dirs.home = home;
  } else if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_dir != nullptr) {
    dirs.home = pw->pw_dir;
  } else {
    throw AdminError(
        "cannot determine the home directory: $HOME is unset and the user has no "
        "entry in the password database / 无法确定用户主目录");
  }
  // The XDG spec says a relative value must be ignored; Chromium does the same.
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && xdg[0] == '/') {
    dirs.xdg_config_home = fs::path(xdg);
  }
  return dirs;
}

fs::path UserDirs::config_home() const { return xdg_config_home ? *xdg_config_home : home / ".config"; }

fs::path manifest_dir(Browser browser, Scope scope, const UserDirs& user) {
  if (scope == Scope::system) {
    switch (browser) {
      case Browser::chrome: return "/etc/opt/chrome/native-messaging-hosts";
      case Browser::chromium: return "/etc/chromium/native-messaging-hosts";
      case Browser::edge: return "/etc/opt/edge/native-messaging-hosts";
    }
  }
  switch (browser) {
    case Browser::chrome: return user.config_home() / "google-chrome" / "NativeMessagingHosts";
    case Browser::chromium: return user.config_home() / "chromium" / "NativeMessagingHosts";
    case Browser::edge: return user.config_home() / "microsoft-edge" / "NativeMessagingHosts";
  }
  return {};
}

std::vector<fs::path> browser_executables(Browser browser) {
  switch (browser) {
    case Browser::chrome:
      return {"/opt/google/chrome/chrome", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"};
    case Browser::chromium: return {"/usr/lib/chromium/chromium", "/usr/bin/chromium"};
    case Browser::edge:
      return {"/opt/microsoft/msedge/msedge", "/usr/bin/microsoft-edge", "/usr/bin/microsoft-edge-stable"};
  }
  return {};
}

bool browser_installed(const fs::path& root, Browser browser) {
  for (const auto& exe : browser_executables(browser)) {
    std::error_code ec;
    if (fs::exists(under_root(root, exe), ec)) return true;
  }
  return false;
}

fs::path under_root(const fs::path& root, const fs::path& absolute) {
  if (root.empty()) return absolute;
  return root / absolute.relative_path();
}

}  // namespace cabridge::admin
