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

constexpr std::array kBrowsers{Browser::chrome, Browser::chromium, Browser::edge, Browser::firefox};

}  // namespace

std::span<const Browser> all_browsers() { return kBrowsers; }

bool is_gecko(Browser browser) { return browser == Browser::firefox; }

std::string_view browser_key(Browser browser) {
  switch (browser) {
    case Browser::chrome: return "chrome";
    case Browser::chromium: return "chromium";
    case Browser::edge: return "edge";
    case Browser::firefox: return "firefox";
  }
  return "unknown";
}

std::string_view browser_display_name(Browser browser) {
  switch (browser) {
    case Browser::chrome: return "Google Chrome";
    case Browser::chromium: return "Chromium";
    case Browser::edge: return "Microsoft Edge";
    case Browser::firefox: return "Firefox";
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
      // Firefox's system-wide place on Linux (also /usr/lib64 on some distributions; Debian
      // and its derivatives read /usr/lib).
      case Browser::firefox: return "/usr/lib/mozilla/native-messaging-hosts";
    }
  }
  switch (browser) {
    case Browser::chrome: return user.config_home() / "google-chrome" / "NativeMessagingHosts";
    case Browser::chromium: return user.config_home() / "chromium" / "NativeMessagingHosts";
    case Browser::edge: return user.config_home() / "microsoft-edge" / "NativeMessagingHosts";
    // Not under $XDG_CONFIG_HOME: Firefox reads only ~/.mozilla/native-messaging-hosts.
    case Browser::firefox: return user.home / ".mozilla" / "native-messaging-hosts";
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
    // Not /usr/bin/firefox: on Ubuntu that is a script that starts the snap (which cannot
    // start native hosts; check_sandboxed_browsers.cpp).
    case Browser::firefox:
      return {"/usr/lib/firefox-esr/firefox-esr", "/usr/lib/firefox/firefox", "/opt/firefox/firefox"};
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

fs::path fork_manifest_dir(const fs::path& dir) {
  fs::path clean = dir.lexically_normal();
  const fs::path name = clean.has_filename() ? clean.filename() : clean.parent_path().filename();
  if (name == "NativeMessagingHosts" || name == "native-messaging-hosts") return clean;
  return clean / "NativeMessagingHosts";
}

fs::path under_root(const fs::path& root, const fs::path& absolute) {
  if (root.empty()) return absolute;
  return root / absolute.relative_path();
}

}  // namespace cabridge::admin
