// `cabridge install` / `cabridge uninstall` run as a program, confined to a --root tree.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "run_cabridge.h"

#include <cabridge/test_support/temp_dir.h>

namespace fs = std::filesystem;
using cabridge::admin::testing::files_under;
using cabridge::admin::testing::read_text;
using cabridge::admin::testing::run_cabridge;
using cabridge::admin::testing::write_text;
using cabridge::test_support::TempDir;
using nlohmann::json;

namespace {

constexpr const char* kHost = "/opt/cabridge test/bin/cabridge-host";

// What every installed manifest must be, spelled out independently of the tool's code.
json expected_manifest(const std::string& host,
                       std::vector<std::string> origins = {"chrome-extension://nojnbkjmnolldjcnebneodoflnialbln/"}) {
  return {{"name", "org.cabridge.host"},
          {"description", "cabridge: USB-key certificate login for government portals (USB Key 证书登录)"},
          {"path", host},
          {"type", "stdio"},
          {"allowed_origins", origins}};
}

// Firefox's form: allowed_extensions with the add-on id.
json expected_firefox_manifest(const std::string& host, std::vector<std::string> ids = {"cabridge@cabridge.org"}) {
  return {{"name", "org.cabridge.host"},
          {"description", "cabridge: USB-key certificate login for government portals (USB Key 证书登录)"},
          {"path", host},
          {"type", "stdio"},
          {"allowed_extensions", ids}};
}

json expected_for(const std::string& relative_manifest, const std::string& host) {
  return relative_manifest.find("mozilla") != std::string::npos ? expected_firefox_manifest(host)
                                                                : expected_manifest(host);
}

struct Case {
  const char* browser;
  bool system;
  const char* relative_manifest;  // under --root, with HOME=/home/tester
};

// Readable test names in ctest output instead of a byte dump.
void PrintTo(const Case& c, std::ostream* os) { *os << c.browser << (c.system ? " system" : " user"); }

class InstallEachBrowser : public ::testing::TestWithParam<Case> {};

TEST_P(InstallEachBrowser, WritesExactlyTheManifestAndUninstallRemovesIt) {
  const Case& c = GetParam();
  TempDir root;
  std::vector<std::string> args = {"install", "--browser", c.browser, "--root", root.path().string(), "--host", kHost};
  if (c.system) args.push_back("--system");
  const auto installed = run_cabridge(args);
  ASSERT_EQ(installed.exit_code, 0) << installed.err;

  EXPECT_EQ(files_under(root.path()), std::vector<std::string>{c.relative_manifest});
  const fs::path manifest = root.path() / c.relative_manifest;
  EXPECT_EQ(json::parse(read_text(manifest)), expected_for(c.relative_manifest, kHost));
  struct stat st {};
  ASSERT_EQ(::stat(manifest.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);

  args[0] = "uninstall";
  const auto removed = run_cabridge(args);
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_TRUE(files_under(root.path()).empty());
  EXPECT_FALSE(fs::exists(manifest.parent_path())) << "empty manifest directory left behind";
  EXPECT_FALSE(fs::exists("/home/tester")) << "wrote outside --root";
}

INSTANTIATE_TEST_SUITE_P(
    Browsers, InstallEachBrowser,
    ::testing::Values(
        Case{"chrome", false, "home/tester/.config/google-chrome/NativeMessagingHosts/org.cabridge.host.json"},
        Case{"chromium", false, "home/tester/.config/chromium/NativeMessagingHosts/org.cabridge.host.json"},
        Case{"edge", false, "home/tester/.config/microsoft-edge/NativeMessagingHosts/org.cabridge.host.json"},
        Case{"chrome", true, "etc/opt/chrome/native-messaging-hosts/org.cabridge.host.json"},
        Case{"chromium", true, "etc/chromium/native-messaging-hosts/org.cabridge.host.json"},
        Case{"edge", true, "etc/opt/edge/native-messaging-hosts/org.cabridge.host.json"},
        Case{"firefox", false, "home/tester/.mozilla/native-messaging-hosts/org.cabridge.host.json"},
        Case{"firefox", true, "usr/lib/mozilla/native-messaging-hosts/org.cabridge.host.json"}),
    [](const auto& info) { return std::string(info.param.browser) + (info.param.system ? "_system" : "_user"); });

TEST(Install, AllBrowsersSystemWide) {
  TempDir root;
  const auto r = run_cabridge(
      {"install", "--system", "--browser", "all", "--root", root.path().string(), "--host", kHost});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(files_under(root.path()),
            (std::vector<std::string>{"etc/chromium/native-messaging-hosts/org.cabridge.host.json",
                                      "etc/opt/chrome/native-messaging-hosts/org.cabridge.host.json",
                                      "etc/opt/edge/native-messaging-hosts/org.cabridge.host.json",
                                      "usr/lib/mozilla/native-messaging-hosts/org.cabridge.host.json"}));
}

TEST(Install, DefaultsToAllBrowsersAndTheHostNextToTheTool) {
  TempDir root;
  const auto r = run_cabridge({"install", "--root", root.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path next_to_tool = fs::path(CABRIDGE_TOOL).parent_path() / "cabridge-host";
  ASSERT_EQ(files_under(root.path()).size(), 4u);
  for (const auto& file : files_under(root.path())) {
    EXPECT_EQ(json::parse(read_text(root.path() / file)), expected_for(file, next_to_tool.string())) << file;
  }
}

// Firefox ignores $XDG_CONFIG_HOME: ~/.mozilla whatever it says.
TEST(Install, FirefoxUsesDotMozillaAndEveryGivenGeckoId) {
  TempDir root;
  const auto r = run_cabridge(
      {"install", "--browser", "firefox", "--root", root.path().string(), "--host", kHost, "--gecko-id",
       "other@example.org", "--gecko-id", "{12345678-abcd-abcd-0123-456789abcdef}"},
      "/home/tester", "/home/tester/conf");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string file = "home/tester/.mozilla/native-messaging-hosts/org.cabridge.host.json";
  EXPECT_EQ(files_under(root.path()), std::vector<std::string>{file});
  EXPECT_EQ(json::parse(read_text(root.path() / file)),
            expected_firefox_manifest(kHost, {"other@example.org", "{12345678-abcd-abcd-0123-456789abcdef}"}));
}

// Another Chromium-based browser: its configuration directory, or its NativeMessagingHosts
// directory itself; without --browser only those are written, and uninstall removes them.
TEST(Install, BrowserDirWritesTheChromiumManifestThere) {
  TempDir root;
  const fs::path fork = root.path() / "home/tester/.config/browser360";
  const fs::path system = root.path() / "etc/browser360/native-messaging-hosts";
  std::vector<std::string> args = {"install",       "--browser-dir", fork.string(), "--browser-dir",
                                   system.string(), "--host",        kHost};
  const auto r = run_cabridge(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(files_under(root.path()),
            (std::vector<std::string>{"etc/browser360/native-messaging-hosts/org.cabridge.host.json",
                                      "home/tester/.config/browser360/NativeMessagingHosts/org.cabridge.host.json"}));
  for (const auto& file : files_under(root.path())) {
    EXPECT_EQ(json::parse(read_text(root.path() / file)), expected_manifest(kHost)) << file;
  }
  args[0] = "uninstall";
  const auto removed = run_cabridge(args);
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_TRUE(files_under(root.path()).empty());
}

TEST(Install, FollowsXdgConfigHome) {
  TempDir root;
  const auto r = run_cabridge({"install", "--browser", "chromium", "--root", root.path().string(), "--host", kHost},
                              "/home/tester", "/home/tester/conf");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(files_under(root.path()),
            std::vector<std::string>{"home/tester/conf/chromium/NativeMessagingHosts/org.cabridge.host.json"});
}

TEST(Install, AllowsEveryGivenExtensionIdInOrder) {
  TempDir root;
  const auto r = run_cabridge({"install", "--browser", "edge", "--root", root.path().string(), "--host", kHost,
                               "--extension-id", "abcdefghijklmnopabcdefghijklmnop", "--extension-id",
                               "nojnbkjmnolldjcnebneodoflnialbln"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto files = files_under(root.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(json::parse(read_text(root.path() / files[0])),
            expected_manifest(kHost, {"chrome-extension://abcdefghijklmnopabcdefghijklmnop/",
                                      "chrome-extension://nojnbkjmnolldjcnebneodoflnialbln/"}));
}

TEST(Install, EscapesAHostPathThatNeedsIt) {
  TempDir root;
  const std::string odd = "/opt/we\"ird\\dir/cabridge-host";
  const auto r = run_cabridge(
      {"install", "--browser", "chrome", "--system", "--root", root.path().string(), "--host", odd});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(read_text(root.path() / "etc/opt/chrome/native-messaging-hosts/org.cabridge.host.json")),
            expected_manifest(odd));
}

TEST(Install, RejectsBadArguments) {
  TempDir root;
  const std::string r = root.path().string();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"install", "--browser", "safari", "--root", r},
           {"install", "--gecko-id", "not-an-add-on-id", "--root", r},
           {"install", "--gecko-id", "{12345678-abcd}", "--root", r},
           {"install", "--browser-dir", "", "--root", r},
           {"doctor", "--browser-dir", r},
           {"install", "--extension-id", "NOJNBKJMNOLLDJCNEBNEODOFLNIALBLN", "--root", r},
           {"install", "--extension-id", "short", "--root", r},
           {"install", "--root"},
           {"install", "--system=yes", "--root", r},
           {"install", "stray", "--root", r},
           {"uninstall", "--extension-id", "nojnbkjmnolldjcnebneodoflnialbln", "--root", r},
           {"frobnicate"}}) {
    const auto result = run_cabridge(args);
    EXPECT_EQ(result.exit_code, 2) << args[1] << ": " << result.err;
    EXPECT_FALSE(result.err.empty());
  }
  EXPECT_TRUE(files_under(root.path()).empty());
}

TEST(Install, ReportsAnUnwritableTarget) {
  TempDir root;
  // A file where the manifest directory has to go.
  write_text(root.path() / "etc/opt/chrome", "not a directory");
  const auto r = run_cabridge(
      {"install", "--browser", "chrome", "--system", "--root", root.path().string(), "--host", kHost});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("etc/opt/chrome"), std::string::npos) << r.err;
}

TEST(Uninstall, LeavesManifestsThatAreNotOurs) {
  TempDir root;
  const fs::path dir = root.path() / "etc/opt/chrome/native-messaging-hosts";
  const fs::path edge = root.path() / "etc/opt/edge/native-messaging-hosts/org.cabridge.host.json";
  const fs::path chromium = root.path() / "etc/chromium/native-messaging-hosts/org.cabridge.host.json";
  // Ours by name but for another host installation.
  write_text(dir / "org.cabridge.host.json", expected_manifest("/somewhere/else/cabridge-host").dump());
  // Right path, wrong name.
  json other = expected_manifest(kHost);
  other["name"] = "com.example.other";
  write_text(edge, other.dump());
  write_text(chromium, "{ not json");
  // A neighbour in the same directory must survive too.
  write_text(dir / "com.example.neighbour.json", "{}");

  const auto r = run_cabridge({"uninstall", "--system", "--root", root.path().string(), "--host", kHost});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(files_under(root.path()).size(), 4u);
  EXPECT_NE(r.err.find("another host"), std::string::npos) << r.err;

  // Our own manifest among them is removed, the foreign ones stay.
  const auto installed = run_cabridge(
      {"install", "--browser", "chrome", "--system", "--root", root.path().string(), "--host", kHost});
  ASSERT_EQ(installed.exit_code, 0);
  const auto removed = run_cabridge({"uninstall", "--system", "--root", root.path().string(), "--host", kHost});
  ASSERT_EQ(removed.exit_code, 0);
  EXPECT_EQ(files_under(root.path()),
            (std::vector<std::string>{"etc/chromium/native-messaging-hosts/org.cabridge.host.json",
                                      "etc/opt/chrome/native-messaging-hosts/com.example.neighbour.json",
                                      "etc/opt/edge/native-messaging-hosts/org.cabridge.host.json"}));
}

}  // namespace
