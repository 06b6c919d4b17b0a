// `cabridge doctor` against the real cabridge-host with HeBCA's shipped descriptor on an empty
// SoftHSM token directory: a clean install is reported clean, and a broken plugin is named.
#include <gtest/gtest.h>

#include "run_cabridge.h"

#include <cabridge/test_support/temp_dir.h>

namespace fs = std::filesystem;
using cabridge::admin::testing::read_text;
using cabridge::admin::testing::run_cabridge;
using cabridge::admin::testing::write_text;
using cabridge::test_support::TempDir;
using nlohmann::json;

namespace {

class DoctorWithRealHost : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(CABRIDGE_REAL_HOST)) << CABRIDGE_REAL_HOST;
    const fs::path plugins = dir_.path() / "plugins";
    fs::create_directories(plugins);
    fs::copy_file(CABRIDGE_PKCS11_PLUGIN, plugins / "libcabridge-pkcs11.so");
    json hebca = json::parse(read_text(CABRIDGE_HEBCA_DESCRIPTOR));  // as shipped, on SoftHSM
    hebca["config"]["modules"] = {"/usr/lib/softhsm/libsofthsm2.so"};
    write_text(plugins / "hebca.json", hebca.dump());
    fs::create_directories(dir_.path() / "tokens");
    write_text(dir_.path() / "softhsm2.conf",
               "directories.tokendir = " + (dir_.path() / "tokens").string() + "\nobjectstore.backend = file\n");
    write_text(dir_.path() / "policy.json", R"({"allowOrigins": ["http://localhost"]})");
    fs::permissions(dir_.path() / "policy.json", fs::perms(0644));
    write_text(dir_.path() / "host.json", json{{"pluginDirs", {plugins.string()}},
                                               {"policyFile", (dir_.path() / "policy.json").string()},
                                               {"logFile", (dir_.path() / "host.log").string()}}
                                              .dump());
    env_ = {{"CABRIDGE_CONFIG", (dir_.path() / "host.json").string()},
            {"SOFTHSM2_CONF", (dir_.path() / "softhsm2.conf").string()}};
    const auto r = run_cabridge({"install", "--root", root_.path().string(), "--host", CABRIDGE_REAL_HOST});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  json doctor() {
    last_ = run_cabridge({"doctor", "--json", "--root", root_.path().string(), "--host", CABRIDGE_REAL_HOST},
                         "/home/tester", std::nullopt, env_);
    return json::parse(last_.out);
  }

  // The doctor discards the host's stderr; a host that died at end of input (a sanitizer's
  // exit-time leak report included) shows up as the host-exit warning after a full check.
  static void expect_host_exited_cleanly(const json& report) {
    const auto warnings = codes(report, "warning");
    EXPECT_EQ(std::count(warnings.begin(), warnings.end(), "host-exit"), 0) << report.dump(2);
  }

  static std::vector<std::string> codes(const json& report, const std::string& severity) {
    std::vector<std::string> found;
    for (const auto& f : report.at("findings")) {
      if (f.at("severity") == severity) found.push_back(f.at("code"));
    }
    return found;
  }

  TempDir dir_, root_;
  std::map<std::string, std::string> env_;
  cabridge::admin::testing::RunResult last_;
};

TEST_F(DoctorWithRealHost, CleanInstallIsClean) {
  const json report = doctor();
  EXPECT_EQ(last_.exit_code, 0) << report.dump(2);
  EXPECT_TRUE(report.at("ok"));
  EXPECT_TRUE(codes(report, "error").empty()) << report.dump(2);
  // The host answered, its plugin works, and the empty token directory means no key.
  const auto warnings = codes(report, "warning");
  EXPECT_EQ(std::count(warnings.begin(), warnings.end(), "plugin-error"), 0) << report.dump(2);
  EXPECT_EQ(std::count(warnings.begin(), warnings.end(), "no-token"), 1) << report.dump(2);
  const auto infos = codes(report, "info");
  EXPECT_EQ(std::count(infos.begin(), infos.end(), "host-answered"), 1) << report.dump(2);
  expect_host_exited_cleanly(report);
}

TEST_F(DoctorWithRealHost, NamesABrokenPlugin) {
  write_text(dir_.path() / "plugins/broken.json", "{ this is not json");
  const json report = doctor();
  std::vector<std::string> broken;
  for (const auto& f : report.at("findings")) {
    if (f.at("code") == "plugin-error") broken.push_back(f.at("subject"));
  }
  // The host names a descriptor it cannot parse after its file; hebca keeps working.
  EXPECT_EQ(broken, std::vector<std::string>{"broken"}) << report.dump(2);
  EXPECT_TRUE(codes(report, "error").empty()) << report.dump(2);
  expect_host_exited_cleanly(report);
}

// host.json names a policy file elsewhere than /etc/cabridge: the finding names that file,
// each invalid entry and the rule it breaks, not a guess at JSON syntax or permissions.
TEST_F(DoctorWithRealHost, NamesThePolicyFileTheHostReadsAndItsBadEntries) {
  write_text(dir_.path() / "policy.json",
             R"({"allowOrigins": ["http://localhost", "http://127.0.0.1:8080/", "http://127.0.0.1:*"]})");
  const json report = doctor();
  const json* finding = nullptr;
  for (const auto& f : report.at("findings")) {
    if (f.at("code") == "policy-error") finding = &f;
  }
  ASSERT_NE(finding, nullptr) << report.dump(2);
  const std::string file = (dir_.path() / "policy.json").string();
  EXPECT_EQ(finding->at("subject"), file);
  const std::string text = finding->dump();
  EXPECT_EQ(text.find("/etc/cabridge/policy.json"), std::string::npos) << text;
  EXPECT_EQ(text.find("chmod"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(allowOrigins entry \"http://127.0.0.1:8080/\": an origin has no path)"), std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(allowOrigins entry \"http://127.0.0.1:*\": a wildcard is only)"), std::string::npos) << text;
  EXPECT_EQ(text.find(R"(entry \"http://localhost\")"), std::string::npos) << text;
}

TEST_F(DoctorWithRealHost, ReportsAnExtensionTheHostRefuses) {
  const std::string other = "abcdefghijklmnopabcdefghijklmnop";
  ASSERT_EQ(
      run_cabridge({"install", "--root", root_.path().string(), "--host", CABRIDGE_REAL_HOST, "--extension-id", other})
          .exit_code,
      0);
  last_ = run_cabridge(
      {"doctor", "--json", "--root", root_.path().string(), "--host", CABRIDGE_REAL_HOST, "--extension-id", other},
      "/home/tester", std::nullopt, env_);
  const json report = json::parse(last_.out);
  EXPECT_EQ(codes(report, "error"), std::vector<std::string>{"host-extension-not-allowed"}) << report.dump(2);
  EXPECT_EQ(last_.exit_code, 1);
}

}  // namespace
