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
  user.xdg_config_home = "/xdg";
  EXPECT_EQ(manifest_dir(Browser::edge, Scope::user, user), "/xdg/microsoft-edge/NativeMessagingHosts");
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
  EXPECT_EQ(parse_browser("Chrome"), std::nullopt);
  EXPECT_EQ(parse_browser("all"), std::nullopt);  // "all" is handled by the option parser
}
