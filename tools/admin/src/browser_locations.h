// Where each supported browser looks for native messaging host manifests on Linux, and where
// its executable usually lives. Paths here are the real ones; callers prefix them with --root.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cabridge::admin {

enum class Browser { chrome, chromium, edge, firefox };
enum class Scope { user, system };

// Every browser we install for, in a fixed order (the order of output and of tests).
std::span<const Browser> all_browsers();

// True for Firefox: its manifest lists "allowed_extensions" (add-on ids), not "allowed_origins".
bool is_gecko(Browser browser);

// "chrome", "chromium", "edge", "firefox": the spelling used on the command line and in JSON output.
std::string_view browser_key(Browser browser);
// Human name: "Google Chrome", "Chromium", "Microsoft Edge", "Firefox".
std::string_view browser_display_name(Browser browser);
// Accepts browser_key() spellings; nullopt for anything else.
std::optional<Browser> parse_browser(std::string_view key);

// The per-user directories a browser's configuration lives under.
struct UserDirs {
  std::filesystem::path home;
  // Chrome, Chromium and Edge put their profile under $XDG_CONFIG_HOME when it is set
  // (absolute), else under ~/.config. Firefox uses ~/.mozilla whatever it is set to.
  std::optional<std::filesystem::path> xdg_config_home;

  // From $HOME (or the password database when unset) and $XDG_CONFIG_HOME.
  // Throws AdminError when no home directory can be found.
  static UserDirs from_environment();
  std::filesystem::path config_home() const;
};

// Absolute directory in which `browser` reads <host name>.json for `scope`.
std::filesystem::path manifest_dir(Browser browser, Scope scope, const UserDirs& user);

// The NativeMessagingHosts directory of a Chromium-based browser whose configuration
// directory is `dir` (the folder holding "Local State" and the profiles): `dir` itself when
// it already is one (its name is NativeMessagingHosts), else dir/NativeMessagingHosts.
std::filesystem::path fork_manifest_dir(const std::filesystem::path& dir);

// Paths whose presence means the browser is installed as a normal (unsandboxed) package.
std::vector<std::filesystem::path> browser_executables(Browser browser);

// True when one of browser_executables() exists under `root`.
bool browser_installed(const std::filesystem::path& root, Browser browser);

// `absolute` re-rooted under `root` (an empty root leaves it unchanged). Never escapes root:
// the absolute path's own root is dropped before joining.
std::filesystem::path under_root(const std::filesystem::path& root, const std::filesystem::path& absolute);

}  // namespace cabridge::admin
