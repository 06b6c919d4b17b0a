// Runs the built cabridge-verify binary and checks its exit code and stdout JSON.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <boost/process.hpp>
#include <cabridge/test_support/child_process.h>
#include <cabridge/test_support/temp_dir.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "verify_fixture.h"

namespace cabridge::verify::test {
namespace {

namespace bp = boost::process;
namespace fs = std::filesystem;
using nlohmann::json;

struct CliRun {
  int exit_code;
  std::string out;
  json parsed() const { return json::parse(out); }
};

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto& pki = TestPki::get();
    write("root.pem", pemOf(pki.root.get()));
    write("intermediate.pem", pemOf(pki.intermediate.get()));
    write("other-root.pem", pemOf(pki.other_root.get()));
    const Bytes der = derOf(pki.intermediate.get());
    write("intermediate.der", std::string(der.begin(), der.end()));
    const auto now = std::time(nullptr);
    // The intermediate's CRL revokes "rsa" (serial 0x1001).
    write("revoking-rsa.crl.pem",
          make_crl_pem(pki.intermediate.get(), pki.intermediate_key.get(), {0x1001}, now - 3600, now + 86400));
  }
  std::string write(const std::string& name, const std::string& content) { return temp_.write(name, content).string(); }

  CliRun run(std::vector<std::string> args, const std::string* stdin_file = nullptr) {
    bp::ipstream out;
    const std::string err = (dir_ / "cli.stderr").string();
    fs::remove(err);  // Boost.Process writes into an existing file without truncating it
    bp::child child = stdin_file ? bp::child(CABRIDGE_VERIFY_EXE, bp::args(args), bp::std_out > out, bp::std_err > err,
                                             bp::std_in < *stdin_file)
                                 : bp::child(CABRIDGE_VERIFY_EXE, bp::args(args), bp::std_out > out, bp::std_err > err,
                                             bp::std_in < bp::null);
    std::string text((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
    child.wait();
    std::ifstream err_in(err, std::ios::binary);
    cabridge::test_support::expectNoSanitizerReport(
        CABRIDGE_VERIFY_EXE, std::string((std::istreambuf_iterator<char>(err_in)), std::istreambuf_iterator<char>()));
    return {child.exit_code(), text};
  }

  // The usual arguments for a token file and the base64 challenge.
  std::vector<std::string> args(const std::string& token_path, const char* origin = kOriginA) {
    return {"--token",        token_path,
            "--origin",       origin,
            "--challenge",    base64(challenge_),
            "--ca",           (dir_ / "root.pem").string(),
            "--intermediate", (dir_ / "intermediate.pem").string()};
  }

  std::string token_file(const char* entity, const char* alg, const char* mode = nullptr) {
    return write(std::string(entity) + ".token.json",
                 make_token(TestPki::get().entities.at(entity), alg, kOriginA, challenge_, mode).dump());
  }

  test_support::TempDir temp_{"cabridge-verify-cli-"};
  fs::path dir_ = temp_.path();
  // Text, so that it serves legacy tokens too (library tests cover binary challenges).
  Bytes challenge_ = bytes_of("cli-test-challenge-" + base64(random_bytes(15)));
};

TEST_F(Cli, ValidTokenPrintsIdentityAndExitsZero) {
  const auto result = run(args(token_file("rsa", "RS256")));
  ASSERT_EQ(result.exit_code, 0) << result.out;
  const auto out = result.parsed();
  EXPECT_EQ(out["valid"], true);
  EXPECT_EQ(out["subject"]["CN"], "河北测试科技有限公司");
  EXPECT_EQ(out["identity"]["unifiedSocialCreditCode"], "91110000600037341L");
  EXPECT_EQ(out["sha256"].get<std::string>().size(), 64u);
}

TEST_F(Cli, TokenOnStdinChallengeFileAndDerIntermediate) {
  const std::string token = token_file("ec256", "ES256");
  const std::string challenge = write("challenge.bin", std::string(challenge_.begin(), challenge_.end()));
  const auto result = run({"--token", "-", "--origin", kOriginA, "--challenge-file", challenge, "--ca",
                           (dir_ / "root.pem").string(), "--intermediate", (dir_ / "intermediate.der").string()},
                          &token);
  ASSERT_EQ(result.exit_code, 0) << result.out;
  EXPECT_EQ(result.parsed()["algorithm"], "ES256");
}

TEST_F(Cli, FailuresHaveTheirExitCodesAndJson) {
  struct Case {
    const char* name;
    std::vector<std::string> arguments;
    int exit_code;
    const char* error;
  };
  const std::string good = token_file("ec256", "ES256");
  auto untrusted = args(good);
  untrusted[7] = (dir_ / "other-root.pem").string();
  auto bad_challenge = args(good);
  bad_challenge[5] = "not base64!";
  auto short_challenge = args(good);
  short_challenge[5] = base64(random_bytes(16));
  auto expired_now = args(token_file("expired", "ES256"));
  auto legacy = args(token_file("rsa", "RS256", "legacy"));
  const std::vector<Case> cases = {
      {"malformed", args(write("bad.json", "{\"format\":")), 10, "FORMAT"},
      {"origin", args(good, kOriginB), 11, "ORIGIN_MISMATCH"},
      {"challenge base64", bad_challenge, 12, "CHALLENGE_INVALID"},
      {"challenge short", short_challenge, 12, "CHALLENGE_INVALID"},
      {"untrusted", untrusted, 14, "CHAIN_UNTRUSTED"},
      {"expired", expired_now, 15, "CERTIFICATE_EXPIRED"},
      {"key usage", args(token_file("encipher", "ES256")), 17, "KEY_USAGE"},
      {"legacy", legacy, 20, "LEGACY_NOT_ALLOWED"},
  };
  for (const auto& c : cases) {
    const auto result = run(c.arguments);
    EXPECT_EQ(result.exit_code, c.exit_code) << c.name << ": " << result.out;
    const auto out = result.parsed();
    EXPECT_EQ(out["valid"], false) << c.name;
    EXPECT_EQ(out["error"], c.error) << c.name;
    EXPECT_FALSE(out["message"].get<std::string>().empty()) << c.name;
  }
}

TEST_F(Cli, TimeFlagAndAllowLegacy) {
  auto expired = args(token_file("expired", "ES256"));
  expired.insert(expired.end(), {"--time", "2000-01-01T00:00:00Z"});
  EXPECT_EQ(run(expired).exit_code, 16);  // before its notBefore
  auto in_validity = args(token_file("expired", "ES256"));
  std::time_t then = std::time(nullptr) - 365L * 86400;
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&then));
  in_validity.insert(in_validity.end(), {"--time", stamp});
  EXPECT_EQ(run(in_validity).exit_code, 0);

  auto legacy = args(token_file("rsa", "RS256", "legacy"));
  legacy.push_back("--allow-legacy");
  const auto result = run(legacy);
  ASSERT_EQ(result.exit_code, 0) << result.out;
  EXPECT_EQ(result.parsed()["mode"], "legacy");
}

TEST_F(Cli, CrlFlagRefusesARevokedCertificate) {
  const std::string crl = (dir_ / "revoking-rsa.crl.pem").string();
  auto revoked = args(token_file("rsa", "RS256"));
  revoked.insert(revoked.end(), {"--crl", crl});
  const auto result = run(revoked);
  EXPECT_EQ(result.exit_code, 21) << result.out;
  EXPECT_EQ(result.parsed()["error"], "CERTIFICATE_REVOKED");
  EXPECT_EQ(run(args(token_file("rsa", "RS256"))).exit_code, 0);  // without --crl: not checked

  auto not_revoked = args(token_file("ec256", "ES256"));
  not_revoked.insert(not_revoked.end(), {"--crl", crl});
  EXPECT_EQ(run(not_revoked).exit_code, 0) << run(not_revoked).out;

  // A CRL of another issuer only: no current CRL for this certificate.
  const auto now = std::time(nullptr);
  const auto& pki = TestPki::get();
  auto others = args(token_file("ec256", "ES256"));
  others.insert(
      others.end(),
      {"--crl", write("root.crl.pem", make_crl_pem(pki.root.get(), pki.root_key.get(), {}, now - 3600, now + 86400))});
  const auto unchecked = run(others);
  EXPECT_EQ(unchecked.exit_code, 14) << unchecked.out;
  EXPECT_EQ(unchecked.parsed()["error"], "CHAIN_UNTRUSTED");

  for (const std::string& bad :
       {(dir_ / "nope.crl").string(), write("garbage.crl", "not a CRL"), (dir_ / "root.pem").string()}) {
    auto arguments = args(token_file("ec256", "ES256"));
    arguments.insert(arguments.end(), {"--crl", bad});
    const auto usage = run(arguments);
    EXPECT_EQ(usage.exit_code, 2) << bad << ": " << usage.out;
  }
}

TEST_F(Cli, UsageErrorsExitTwo) {
  const std::string good = token_file("ec256", "ES256");
  auto no_ca = args(good);
  no_ca.erase(no_ca.begin() + 6, no_ca.begin() + 8);
  auto both_challenges = args(good);
  both_challenges.insert(both_challenges.end(), {"--challenge-file", good});
  auto missing_ca = args(good);
  missing_ca[7] = (dir_ / "nope.pem").string();
  auto not_pem = args(good);
  not_pem[7] = write("garbage.pem", "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----\n");
  auto bad_time = args(good);
  bad_time.insert(bad_time.end(), {"--time", "yesterday"});
  auto twice = args(good);
  twice.insert(twice.end(), {"--origin", kOriginB});
  for (const auto& arguments : {std::vector<std::string>{}, std::vector<std::string>{"--bogus"}, no_ca, both_challenges,
                                missing_ca, not_pem, bad_time, twice, std::vector<std::string>{"--token"}}) {
    const auto result = run(arguments);
    EXPECT_EQ(result.exit_code, 2) << result.out;
    EXPECT_EQ(result.parsed()["error"], "USAGE");
  }
  EXPECT_EQ(run({"--help"}).exit_code, 0);
}

}  // namespace
}  // namespace cabridge::verify::test
