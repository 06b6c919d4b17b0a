#include "browser_locations.h"

#include <gtest/gtest.h>

using namespace cabridge::admin;

TEST(BrowserLocations, ManifestDirectories) {
  UserDirs user{"/home/u", std::nullopt};
  EXPECT_EQ(manifest_dir(Browser::chrome, Scope::user, user), "/home/u/.config/google-chrome/NativeMessagingHosts");
  EXPECT_EQ(manifest_dir(Browser::chromium, Scope::user, user), "/home/u/.config/chromium/NativeMessagingHosts");
  EXPECT_EQ(manifest_dir(Browser::edge, Scope::user, user), "/home/u/.config/microsoft-edge/NativeMessagingHosts");
  EXPECT_EQ(manifest_dir(Browser::chrome, Scope::system, user), "/etc/opt/chrome/native-messaging-hosts");
  EXPECT_EQ(manifest_dir(Browser::chromium, Scope::system, user), "/etc/chromium/native-messaging-hosts");
  EXPECT_EQ(manifest_dir(Browser::edge, Scope::system, user), "/etc/opt/edge/native-messaging-hosts");
  EXPECT_EQ(manifest_dir(Browser::firefox, Scope::user, user), "/home/u/.mozilla/native-messaging-hosts");
  EXPECT_EQ(manifest_dir(Browser::firefox, Scope::system, user), "/usr/lib/mozilla/native-messaging-hosts");
  user.xdg_config_home = "/xdg";
  EXPECT_EQ(manifest_dir(Browser::edge, Scope::user, user), "/xdg/microsoft-edge/NativeMessagingHosts");
  // Firefox does not follow $XDG_CONFIG_HOME.
  EXPECT_EQ(manifest_dir(Browser::firefox, Scope::user, user), "/home/u/.mozilla/native-messaging-hosts");
}

TEST(BrowserLocations, ForkManifestDirectory) {
  EXPECT_EQ(fork_manifest_dir("/home/u/.config/browser360"), "/home/u/.config/browser360/NativeMessagingHosts");
  EXPECT_EQ(fork_manifest_dir("/home/u/.config/browser360/"), "/home/u/.config/browser360/NativeMessagingHosts");
  EXPECT_EQ(fork_manifest_dir("/home/u/.config/x/NativeMessagingHosts"), "/home/u/.config/x/NativeMessagingHosts");
  EXPECT_EQ(fork_manifest_dir("/etc/x/native-messaging-hosts/"), "/etc/x/native-messaging-hosts/");
}

TEST(BrowserLocations, UnderRootNeverEscapes) {
  EXPECT_EQ(under_root("", "/etc/x"), "/etc/x");
  EXPECT_EQ(under_root("/r", "/etc/x"), "/r/etc/x");
  EXPECT_EQ(under_root("/r", "//etc/x"), "/r/etc/x");
}

TEST(BrowserLocations, ParsesBrowserNames) {
  EXPECT_EQ(parse_browser("chrome"), Browser::chrome);
  EXPECT_EQ(parse_browser("edge"), Browser::edge);
  EXPECT_EQ(parse_browser("chromium"), Browser::chromium);
  EXPECT_EQ(parse_browser("firefox"), Browser::firefox);
  EXPECT_TRUE(is_gecko(Browser::firefox));
  EXPECT_FALSE(is_gecko(Browser::chromium));
  EXPECT_EQ(parse_browser("Chrome"), std::nullopt);
  EXPECT_EQ(parse_browser("all"), std::nullopt);  // "all" is handled by the option parser
}
