// `cabridge doctor` run as a program against a --root tree with known problems.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "run_cabridge.h"

#include <cabridge/test_support/temp_dir.h>

namespace fs = std::filesystem;
using cabridge::admin::testing::read_text;
using cabridge::admin::testing::run_cabridge;
using cabridge::admin::testing::write_text;
using cabridge::test_support::TempDir;
using nlohmann::json;

namespace {

// A --root tree with an executable host inside it.
class Doctor : public ::testing::Test {
 protected:
  void SetUp() override {
    host_ = root_.path() / "opt/cabridge/bin/cabridge-host";
    fs::create_directories(host_.parent_path());
    fs::copy_file(CABRIDGE_TEST_HOST, host_);
    fs::permissions(host_, fs::perms(0755));
  }

  std::string root() const { return root_.path().string(); }

  void install(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"install", "--root", root(), "--host", host_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_cabridge(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // Runs doctor with --json; returns its findings and checks the exit status matches them.
  json doctor(const std::vector<std::string>& extra = {}, const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> args = {"doctor", "--json", "--root", root(), "--host", host_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    last_ = run_cabridge(args, "/home/tester", std::nullopt, env);
    json report = json::parse(last_.out);
    EXPECT_EQ(last_.exit_code, report.at("ok").get<bool>() ? 0 : 1) << last_.out;
    return report;
  }

  static std::vector<json> with_code(const json& report, const std::string& code) {
    std::vector<json> found;
    for (const auto& f : report.at("findings")) {
      if (f.at("code") == code) found.push_back(f);
    }
    return found;
  }

  static std::vector<std::string> errors(const json& report) {
    std::vector<std::string> codes;
    for (const auto& f : report.at("findings")) {
      if (f.at("severity") == "error") codes.push_back(f.at("code"));
    }
    return codes;
  }

  fs::path manifest(const std::string& browser_dir) const {
    return root_.path() / "home/tester/.config" / browser_dir / "NativeMessagingHosts/org.cabridge.host.json";
  }

  TempDir root_;
  fs::path host_;
  cabridge::admin::testing::RunResult last_;
};

TEST_F(Doctor, CleanInstallIsClean) {
  install();
  const json report = doctor();
  EXPECT_TRUE(report.at("ok")) << report.dump(2);
  EXPECT_EQ(last_.exit_code, 0);
  EXPECT_EQ(with_code(report, "manifest-ok").size(), 4u);  // Chrome, Chromium, Edge, Firefox
  EXPECT_EQ(with_code(report, "host-answered").size(), 1u);
  // The stand-in reports one broken plugin and no token: warnings, not errors.
  const auto plugin = with_code(report, "plugin-error");
  ASSERT_EQ(plugin.size(), 1u);
  EXPECT_EQ(plugin[0].at("subject"), "broken");
  EXPECT_EQ(plugin[0].at("severity"), "warning");
  EXPECT_EQ(with_code(report, "no-token").size(), 1u);
  // Every finding speaks both languages.
  for (const auto& f : report.at("findings")) {
    EXPECT_FALSE(f.at("what").at("zh").get<std::string>().empty());
    EXPECT_FALSE(f.at("what").at("en").get<std::string>().empty());
  }
}

TEST_F(Doctor, TextReportNamesProblemsInBothLanguages) {
  const auto r = run_cabridge({"doctor", "--root", root(), "--host", (root_.path() / "none").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("[错误 ERROR] 找不到本地程序 cabridge-host"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("The native host cabridge-host is missing."), std::string::npos) << r.out;
}

TEST_F(Doctor, FindsAMissingHost) {
  install();
  fs::remove(host_);
  const json report = doctor();
  EXPECT_EQ(errors(report), std::vector<std::string>{"host-missing"}) << report.dump(2);
}

TEST_F(Doctor, FindsANonExecutableHost) {
  install();
  fs::permissions(host_, fs::perms(0644));
  const json report = doctor();
  EXPECT_EQ(errors(report), std::vector<std::string>{"host-not-executable"}) << report.dump(2);
  EXPECT_NE(report.dump().find("chmod 755"), std::string::npos);
}

TEST_F(Doctor, FindsBrokenManifestJson) {
  install();
  write_text(manifest("google-chrome"), "{\"name\": \"org.cabridge.host\",");
  const json report = doctor();
  EXPECT_EQ(errors(report), std::vector<std::string>{"manifest-invalid-json"}) << report.dump(2);
  EXPECT_EQ(with_code(report, "manifest-invalid-json")[0].at("subject"), manifest("google-chrome").string());
}

TEST_F(Doctor, FindsAManifestWithAnotherName) {
  install();
  json m = json::parse(read_text(manifest("chromium")));
  m["name"] = "org.example.host";
  write_text(manifest("chromium"), m.dump());
  EXPECT_EQ(errors(doctor()), std::vector<std::string>{"manifest-wrong-name"});
}

TEST_F(Doctor, FindsAManifestPointingElsewhere) {
  install();
  const fs::path other = root_.path() / "old/cabridge-host";
  const auto r = run_cabridge({"install", "--browser", "edge", "--root", root(), "--host", other.string()});
  ASSERT_EQ(r.exit_code, 0);
  const json report = doctor();
  EXPECT_EQ(errors(report), std::vector<std::string>{"manifest-wrong-path"}) << report.dump(2);
  const auto what = with_code(report, "manifest-wrong-path")[0].at("what").at("en").get<std::string>();
  EXPECT_NE(what.find(other.string()), std::string::npos) << what;
  EXPECT_NE(what.find("missing or not executable"), std::string::npos) << what;
}

TEST_F(Doctor, FindsAMissingExtensionId) {
  install();
  const std::string other_id = "abcdefghijklmnopabcdefghijklmnop";
  const json report = doctor({"--extension-id", "nojnbkjmnolldjcnebneodoflnialbln", "--extension-id", other_id});
  const auto missing = with_code(report, "manifest-extension-missing");
  EXPECT_EQ(missing.size(), 3u) << report.dump(2);  // one per browser
  for (const auto& f : missing) {
    EXPECT_NE(f.at("fix").at("en").get<std::string>().find("--extension-id " + other_id), std::string::npos);
  }
  EXPECT_FALSE(report.at("ok"));
}

TEST_F(Doctor, FindsAMissingManifestForAnInstalledBrowser) {
  install({"--browser", "chrome"});
  write_text(root_.path() / "usr/bin/chromium", "#!/bin/sh\n");
  const json report = doctor();
  EXPECT_EQ(errors(report), std::vector<std::string>{"manifest-missing"}) << report.dump(2);
  EXPECT_EQ(with_code(report, "manifest-missing").size(), 3u);  // edge, firefox: info only
  EXPECT_TRUE(with_code(report, "no-browser").empty());
}

TEST_F(Doctor, FindsAFirefoxManifestWithoutTheAddOn) {
  install();
  const fs::path firefox = root_.path() / "home/tester/.mozilla/native-messaging-hosts/org.cabridge.host.json";
  json manifest = json::parse(read_text(firefox));
  ASSERT_EQ(manifest.at("allowed_extensions"), json::array({"cabridge@cabridge.org"}));
  manifest["allowed_extensions"] = json::array({"other@example.org"});
  write_text(firefox, manifest.dump());
  const json report = doctor();
  EXPECT_EQ(errors(report), std::vector<std::string>{"manifest-extension-missing"}) << report.dump(2);
  const auto missing = with_code(report, "manifest-extension-missing");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].at("subject"), firefox.string());
  EXPECT_NE(missing[0].at("fix").at("en").get<std::string>().find("--browser firefox --gecko-id cabridge@cabridge.org"),
            std::string::npos)
      << missing[0].dump();
  // An installed Firefox without any manifest is an error, like the Chromium family.
  fs::remove(firefox);
  write_text(root_.path() / "usr/lib/firefox-esr/firefox-esr", "");
  const auto missing_manifest = with_code(doctor(), "manifest-missing");
  EXPECT_TRUE(std::any_of(missing_manifest.begin(), missing_manifest.end(),
                          [](const json& f) { return f.at("subject") == "firefox" && f.at("severity") == "error"; }));
}

TEST_F(Doctor, FindsASnapFirefox) {
  install();
  write_text(root_.path() / "snap/bin/firefox", "#!/bin/sh\n");
  const json report = doctor();
  EXPECT_EQ(errors(report), std::vector<std::string>{"browser-snap"}) << report.dump(2);
  EXPECT_NE(with_code(report, "browser-snap")[0].at("what").at("en").get<std::string>().find("Firefox"),
            std::string::npos);
}

// Chromium-style configuration directories (a "Local State" file) under ~/.config, one or two
// levels down, each said to be registered or not, with the --browser-dir command to fix it.
TEST_F(Doctor, ListsChromiumStyleBrowsersAndWhetherTheHostIsRegistered) {
  install();
  const fs::path config = root_.path() / "home/tester/.config";
  write_text(config / "browser360/Local State", "{}");
  write_text(config / "vendor/qaxbrowser/Local State", "{}");
  fs::create_directories(config / "not-a-browser");
  install({"--browser-dir", (config / "browser360").string()});
  const json report = doctor();
  EXPECT_TRUE(report.at("ok")) << report.dump(2);  // warnings only
  const auto registered = with_code(report, "browser-profile-registered");
  ASSERT_EQ(registered.size(), 1u) << report.dump(2);
  EXPECT_EQ(registered[0].at("subject"), "/home/tester/.config/browser360");
  const auto unregistered = with_code(report, "browser-profile-unregistered");
  ASSERT_EQ(unregistered.size(), 1u) << report.dump(2);
  EXPECT_EQ(unregistered[0].at("subject"), "/home/tester/.config/vendor/qaxbrowser");
  EXPECT_EQ(unregistered[0].at("severity"), "warning");
  EXPECT_NE(unregistered[0].at("fix").at("en").get<std::string>().find(
                "cabridge install --browser-dir '/home/tester/.config/vendor/qaxbrowser'"),
            std::string::npos);
}

TEST_F(Doctor, FindsASnapChromium) {
  install();
  write_text(root_.path() / "snap/bin/chromium", "#!/bin/sh\n");
  json report = doctor();
  EXPECT_EQ(errors(report), std::vector<std::string>{"browser-snap"}) << report.dump(2);
  // With a regular browser present too, the snap is only a warning.
  write_text(root_.path() / "opt/google/chrome/chrome", "");
  report = doctor();
  EXPECT_TRUE(report.at("ok")) << report.dump(2);
  ASSERT_EQ(with_code(report, "browser-snap").size(), 1u);
  EXPECT_EQ(with_code(report, "browser-snap")[0].at("severity"), "warning");
}

TEST_F(Doctor, FindsAFlatpakBrowser) {
  install();
  fs::create_directories(root_.path() / "var/lib/flatpak/app/com.microsoft.Edge");
  EXPECT_EQ(errors(doctor()), std::vector<std::string>{"browser-flatpak"});
}

TEST_F(Doctor, ReportsAHostThatNeverAnswers) {
  install();
  const auto started = std::chrono::steady_clock::now();
  const json report = doctor({}, {{"CABRIDGE_STAND_IN_MODE", "silent"}});
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
  EXPECT_EQ(errors(report), std::vector<std::string>{"host-no-answer"}) << report.dump(2);
}

TEST_F(Doctor, ReportsAHostThatExitsAtOnce) {
  install();
  const json report = doctor({}, {{"CABRIDGE_STAND_IN_MODE", "crash"}});
  EXPECT_EQ(errors(report), std::vector<std::string>{"host-no-answer"}) << report.dump(2);
  EXPECT_NE(report.dump().find("exit status 5"), std::string::npos) << report.dump(2);
}

}  // namespace

// A TCP listener on an ephemeral 127.0.0.1 port, standing in for HeBCA's helper on 17212.
class Listener {
 public:
  Listener() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof a;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &length), 0);
    port_ = ntohs(a.sin_port);
  }
  ~Listener() { ::close(fd_); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  std::string port() const { return std::to_string(port_); }
  void stop() {
    ::close(fd_);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

TEST_F(Doctor, ReportsTheLegacyBridgeAndAProgramOnTheHelperPort) {
  install();
  Listener helper;
  const std::map<std::string, std::string> env = {{"CABRIDGE_DOCTOR_HELPER_PORT", helper.port()}};
  json report = doctor({}, env);
  EXPECT_EQ(with_code(report, "legacy-bridge-off").size(), 1u) << report.dump(2);
  auto busy = with_code(report, "legacy-port-in-use");
  ASSERT_EQ(busy.size(), 1u) << report.dump(2);
  EXPECT_EQ(busy[0].at("severity"), "warning");
  EXPECT_EQ(busy[0].at("subject"), "127.0.0.1:" + helper.port());

  write_text(root_.path() / "etc/cabridge/policy.json",
             R"({"allowOrigins":["http://121.28.48.13:8080"],"legacyOrigins":["http://121.28.48.13:8080"],)"
             R"("legacyHash":"sha256","legacyHelperVersion":394500})");
  fs::permissions(root_.path() / "etc/cabridge/policy.json", fs::perms(0644));
  report = doctor({}, env);
  const auto on = with_code(report, "legacy-bridge");
  ASSERT_EQ(on.size(), 1u) << report.dump(2);
  EXPECT_EQ(on[0].at("subject"), "http://121.28.48.13:8080");
  EXPECT_NE(on[0].at("what").at("en").get<std::string>().find("legacyHash: sha256"), std::string::npos);
  EXPECT_NE(on[0].at("what").at("en").get<std::string>().find("legacyHelperVersion: 394500"), std::string::npos);
  busy = with_code(report, "legacy-port-in-use");
  ASSERT_EQ(busy.size(), 1u);
  EXPECT_NE(busy[0].at("what").at("en").get<std::string>().find("answered by the extension"), std::string::npos);

  helper.stop();
  report = doctor({}, env);
  EXPECT_TRUE(with_code(report, "legacy-port-in-use").empty()) << report.dump(2);
}
