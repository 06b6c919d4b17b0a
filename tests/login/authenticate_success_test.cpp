// CA login succeeds with RSA-2048, P-256 and P-384 keys; every token is checked by the
// portal-side verifier and by a plain OpenSSL verification written in the test.
#include "login_paths.h"
#include "login_scenario.h"
#include "reply_matchers.h"
#include "run_command.h"
#include "token_check.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <stdexcept>
#include <string>

namespace cabridge::logintest {
namespace {

struct KeyCase {
    const char* cert;
    const char* algorithm;
    const char* creditCode;
};

// Names the case in test output instead of a byte dump.
void PrintTo(const KeyCase& c, std::ostream* out)
{
    *out << c.cert;
}

class AuthenticateSuccess : public ::testing::TestWithParam<KeyCase> {};

// Sets CKF_USER_PIN_TO_BE_CHANGED on every SoftHSM token under `softhsmDir`, as a key that still
// has its initial PIN reports it. SoftHSM keeps a token's flags in its token.object file
// (attribute 0x8000534B, an unsigned long: 8-byte big-endian type, 8-byte kind 2, 8-byte
// value) and reports them in C_GetTokenInfo, but none of its tools sets this one.
void markUserPinToBeChanged(const std::filesystem::path& softhsmDir)
{
    constexpr std::uint64_t kTokenFlagsAttribute = 0x8000534B;
    constexpr std::uint64_t kUnsignedLongKind = 2;
    constexpr std::uint64_t kUserPinToBeChanged = 0x00080000;  // CKF_USER_PIN_TO_BE_CHANGED
    const auto bigEndian = [](std::uint64_t value) {
        std::string bytes(8, '\0');
        for (int i = 7; i >= 0; --i, value >>= 8) bytes[static_cast<std::size_t>(i)] = static_cast<char>(value & 0xff);
        return bytes;
    };
    int marked = 0;
    for (const auto& file : std::filesystem::recursive_directory_iterator(softhsmDir)) {
        if (file.path().filename() != "token.object") continue;
        std::string bytes;
        {
            std::ifstream in(file.path(), std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), {});
        }
        const auto at = bytes.find(bigEndian(kTokenFlagsAttribute) + bigEndian(kUnsignedLongKind));
        if (at == std::string::npos || at + 24 > bytes.size())
            throw std::runtime_error("no token flags in " + file.path().string());
        std::uint64_t flags = 0;
        for (std::size_t i = at + 16; i < at + 24; ++i) flags = (flags << 8) | static_cast<unsigned char>(bytes[i]);
        bytes.replace(at + 16, 8, bigEndian(flags | kUserPinToBeChanged));
        std::ofstream(file.path(), std::ios::binary | std::ios::trunc) << bytes;
        ++marked;
    }
    if (marked == 0) throw std::runtime_error("no SoftHSM token under " + softhsmDir.string());
}

TEST_P(AuthenticateSuccess, TokenVerifiesWithCliAndPlainOpenssl)
{
    const KeyCase& key = GetParam();
    LoginScenario scenario(ScenarioOptions::token({key.cert}));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, key.cert);
    const auto challenge = randomBytes(32);

    const auto reply = scenario.authenticate(*host, id, challenge, kTokenPin);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    const auto& token = reply["result"]["token"];
    EXPECT_EQ(token["format"], "cabridge-auth:2");
    EXPECT_EQ(token["algorithm"], key.algorithm);
    EXPECT_EQ(token["origin"], kPortalOrigin);
    const std::string der = readFile(sharedPkiDir() / pkiEntry(key.cert)["der"].get<std::string>());
    EXPECT_EQ(base64Decode(token["certificate"]), std::vector<std::uint8_t>(der.begin(), der.end()));
    EXPECT_TRUE(opensslVerifies(token, kPortalOrigin, challenge));

    const auto verdict = runVerifier(token, kPortalOrigin, challenge, sharedPkiDir(), scenario.dir());
    EXPECT_EQ(verdict.exitCode, 0) << verdict.result.dump();
    EXPECT_EQ(verdict.result["valid"], true);
    EXPECT_EQ(verdict.result["algorithm"], key.algorithm);
    EXPECT_EQ(verdict.result["sha256"], pkiEntry(key.cert)["sha256"]);
    EXPECT_EQ(verdict.result["identity"]["unifiedSocialCreditCode"], key.creditCode) << verdict.result.dump();

    // The same host serves a second login; a fresh challenge gives a different, valid token.
    const auto challenge2 = randomBytes(64);
    const auto again = scenario.authenticate(*host, id, challenge2, kTokenPin);
    ASSERT_TRUE(again.contains("result")) << again.dump();
    EXPECT_TRUE(opensslVerifies(again["result"]["token"], kPortalOrigin, challenge2));
    EXPECT_FALSE(opensslVerifies(again["result"]["token"], kPortalOrigin, challenge));
}

// pkcs11-tool on a scenario's token straight through SoftHSM (past the fault module),
// logged in; returns its result for the caller to check.
CommandResult tokenTool(LoginScenario& scenario, const std::vector<std::string>& action)
{
    std::vector<std::string> argv = {"/usr/bin/pkcs11-tool",
                                     "--module",
                                     kSoftHsmModule,
                                     "--token-label",
                                     "LOGIN-KEY",
                                     "--login",
                                     "--pin",
                                     kTokenPin};
    argv.insert(argv.end(), action.begin(), action.end());
    return runCommand(argv, scenario.dir(), scenario.environment());
}

// The CKA_ID (hex) of the token's private key.
std::string privateKeyId(LoginScenario& scenario)
{
    const auto objects = tokenTool(scenario, {"--list-objects", "--type", "privkey"});
    EXPECT_EQ(objects.exitCode, 0) << objects.err;
    const auto at = objects.out.find("ID:");
    if (at == std::string::npos) {
        ADD_FAILURE() << objects.out;
        return "";
    }
    std::string keyId = objects.out.substr(at + 3, objects.out.find('\n', at) - at - 3);
    std::erase_if(keyId, [](char c) { return c == ' '; });
    return keyId;
}

// The host remembers on which token it saw a certificate id and looks there first on the
// same connection; it must still read the token every time. A certificate removed between
// two logins is not found, and found again once it is back.
TEST(WarmConnection, CertificateRemovedBetweenLoginsIsNotFoundThenFoundAgain)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"}));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    ASSERT_TRUE(scenario.authenticate(*host, id, randomBytes(32), kTokenPin).contains("result"));

    const auto removed = tokenTool(scenario, {"--delete-object", "--type", "cert", "--label", "org-rsa"});
    ASSERT_EQ(removed.exitCode, 0) << removed.err;
    const auto gone = scenario.authenticate(*host, id, randomBytes(32), kTokenPin);
    EXPECT_EQ(errorCodeOf(gone), "CERTIFICATE_NOT_FOUND") << gone.dump();

    // Put the same certificate back under the key's CKA_ID (read from the key object).
    const std::string keyId = privateKeyId(scenario);
    ASSERT_FALSE(keyId.empty());
    const auto written = tokenTool(
        scenario, {"--write-object", (sharedPkiDir() / pkiEntry("org-rsa")["der"].get<std::string>()).string(),
                   "--type", "cert", "--id", keyId, "--label", "org-rsa"});
    ASSERT_EQ(written.exitCode, 0) << written.err;
    const auto back = scenario.authenticate(*host, id, randomBytes(32), kTokenPin);
    EXPECT_TRUE(back.contains("result")) << back.dump();
}

// Warm requests (check_certificate instead of list_token) keep signing, each token valid.
TEST(WarmConnection, RepeatedAuthenticateSucceeds)
{
    LoginScenario scenario(ScenarioOptions::token({"org-ec"}));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-ec");
    for (int i = 0; i < 6; ++i) {
        const auto challenge = randomBytes(32);
        const auto reply = scenario.authenticate(*host, id, challenge, kTokenPin);
        ASSERT_TRUE(reply.contains("result")) << "request " << i << ": " << reply.dump();
        EXPECT_TRUE(opensslVerifies(reply["result"]["token"], kPortalOrigin, challenge)) << "request " << i;
    }
}

// A warm authenticate asks the token only what a login needs: one session, one
// C_Login, one search for the key, one signature. No slot enumeration (C_GetSlotInfo)
// and no reading of every key's attributes, which on a USB key are rounds of APDUs
// and on SoftHSM passes over its object files. Counted in the fault module's trace.
TEST(WarmConnection, AuthenticateAsksTheTokenOnlyWhatTheLoginNeeds)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa", "org-ec", "person"}).withFaultModule(3));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    ASSERT_TRUE(scenario.authenticate(*host, id, randomBytes(32), kTokenPin).contains("result"));
    const std::string before = scenario.hostStderr();
    ASSERT_TRUE(scenario.authenticate(*host, id, randomBytes(32), kTokenPin).contains("result"));
    const std::string trace = scenario.hostStderr().substr(before.size());
    const auto calls = [&trace](const std::string& name) {
        return countOf(trace, "cabridge-faultp11: " + name + "\n");
    };
    EXPECT_EQ(calls("C_OpenSession"), 1u) << trace;
    EXPECT_EQ(calls("C_Login"), 1u) << trace;
    EXPECT_EQ(calls("C_SignInit"), 1u) << trace;
    EXPECT_EQ(calls("C_Logout"), 1u) << trace;
    EXPECT_EQ(calls("C_GetSlotInfo"), 0u) << trace;
    // The certificate check reads its one certificate (sizes, then bytes); the key
    // search reads the key's type and curve.
    EXPECT_LE(calls("C_GetAttributeValue"), 3u) << trace;
}

// A certificate deleted between two logins on one connection is found missing before
// C_Login: CERTIFICATE_NOT_FOUND, and a wrong PIN sent with it costs no try.
TEST(WarmConnection, CertificateDeletedBetweenLoginsIsNotFoundBeforeThePinIsTried)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"}).withFaultModule(3));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    ASSERT_TRUE(scenario.authenticate(*host, id, randomBytes(32), kTokenPin).contains("result"));
    ASSERT_TRUE(scenario.authenticate(*host, id, randomBytes(32), kTokenPin).contains("result"));

    const auto removed = tokenTool(scenario, {"--delete-object", "--type", "cert", "--label", "org-rsa"});
    ASSERT_EQ(removed.exitCode, 0) << removed.err;
    const auto wrongPin = scenario.authenticate(*host, id, randomBytes(32), "Wr0ngPin01");
    EXPECT_EQ(errorCodeOf(wrongPin), "CERTIFICATE_NOT_FOUND") << wrongPin.dump();
    const auto state = scenario.faultState();
    EXPECT_TRUE(!state.contains("retries_left") || state.at("retries_left") == "3") << state.at("retries_left");
    // Also a PIN the vendor's rules refuse: the missing certificate is reported first.
    EXPECT_EQ(errorCodeOf(scenario.authenticate(*host, id, randomBytes(32), "1")), "CERTIFICATE_NOT_FOUND");
}

// Another certificate written under the same CKA_ID is not the one the id names: the live
// check compares the DER's SHA-256, before C_Login.
TEST(WarmConnection, CertificateReplacedUnderItsIdIsNotFoundBeforeThePinIsTried)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"}).withFaultModule(3));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    ASSERT_TRUE(scenario.authenticate(*host, id, randomBytes(32), kTokenPin).contains("result"));

    const std::string keyId = privateKeyId(scenario);
    ASSERT_FALSE(keyId.empty());
    const auto removed = tokenTool(scenario, {"--delete-object", "--type", "cert", "--label", "org-rsa"});
    ASSERT_EQ(removed.exitCode, 0) << removed.err;
    const auto written = tokenTool(
        scenario, {"--write-object", (sharedPkiDir() / pkiEntry("org-ec")["der"].get<std::string>()).string(), "--type",
                   "cert", "--id", keyId, "--label", "org-rsa"});
    ASSERT_EQ(written.exitCode, 0) << written.err;
    const auto replaced = scenario.authenticate(*host, id, randomBytes(32), "Wr0ngPin01");
    EXPECT_EQ(errorCodeOf(replaced), "CERTIFICATE_NOT_FOUND") << replaced.dump();
    const auto state = scenario.faultState();
    EXPECT_TRUE(!state.contains("retries_left") || state.at("retries_left") == "3") << state.at("retries_left");
    const auto again = scenario.authenticate(*host, id, randomBytes(32), kTokenPin);
    EXPECT_EQ(errorCodeOf(again), "CERTIFICATE_NOT_FOUND") << again.dump();
}

// The key pulled out between the listing (and a first login) and the next authenticate:
// CERTIFICATE_NOT_FOUND without any C_Login; back in, the same connection signs again.
TEST(WarmConnection, KeyPulledBetweenListAndAuthenticateIsNotFoundThenWorksAgain)
{
    LoginScenario scenario(ScenarioOptions::token({"org-ec"}).withFaultModule(3));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-ec");
    ASSERT_TRUE(scenario.authenticate(*host, id, randomBytes(32), kTokenPin).contains("result"));

    scenario.setFaults("remove_before=C_GetSlotList\n");
    const auto gone = scenario.authenticate(*host, id, randomBytes(32), "Wr0ngPin01");
    EXPECT_EQ(errorCodeOf(gone), "CERTIFICATE_NOT_FOUND") << gone.dump();
    EXPECT_EQ(scenario.faultState()["retries_left"], "3");
    EXPECT_EQ(scenario.faultState()["removed"], "1");

    scenario.setFaults("");
    scenario.writeFaultState("retries_left=3\nremoved=0\n");
    const auto challenge = randomBytes(32);
    const auto back = scenario.authenticate(*host, id, challenge, kTokenPin);
    ASSERT_TRUE(back.contains("result")) << back.dump();
    EXPECT_TRUE(opensslVerifies(back["result"]["token"], kPortalOrigin, challenge));
}

// A token deleted between two logins (SoftHSM: its slot goes) is CERTIFICATE_NOT_FOUND.
TEST(WarmConnection, TokenGoneBetweenLoginsIsCertificateNotFound)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"}));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    ASSERT_TRUE(scenario.authenticate(*host, id, randomBytes(32), kTokenPin).contains("result"));
    const auto deleted = runCommand({"/usr/bin/softhsm2-util", "--delete-token", "--token", "LOGIN-KEY"},
                                    scenario.dir(), scenario.environment());
    ASSERT_EQ(deleted.exitCode, 0) << deleted.err;
    const auto gone = scenario.authenticate(*host, id, randomBytes(32), kTokenPin);
    EXPECT_EQ(errorCodeOf(gone), "CERTIFICATE_NOT_FOUND") << gone.dump();
}

INSTANTIATE_TEST_SUITE_P(Keys, AuthenticateSuccess,
                         ::testing::Values(KeyCase {"org-rsa", "RS256", "91130100MA07RK3C2F"},
                                           KeyCase {"org-ec", "ES256", "91130102MA0CX8NW8P"},
                                           KeyCase {"org-ec384", "ES384", "91130600MA0E2J5P9E"}),
                         [](const auto& info) {
                             std::string name = info.param.cert;
                             std::erase(name, '-');
                             return name;
                         });

TEST(OriginBinding, TokenForOriginAIsRefusedForOriginB)
{
    const std::string originB = "https://other.example.gov.cn";
    LoginScenario scenario(ScenarioOptions::token({"org-ec"}).withPluginOrigins({kPortalOrigin, originB}));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-ec");
    const auto challenge = randomBytes(32);
    const auto reply = scenario.authenticate(*host, id, challenge, kTokenPin);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    const auto& token = reply["result"]["token"];

    const auto onB = runVerifier(token, originB, challenge, sharedPkiDir(), scenario.dir());
    EXPECT_EQ(onB.exitCode, 11) << onB.result.dump();
    EXPECT_EQ(onB.result["error"], "ORIGIN_MISMATCH");
    // Relabelling the token for B does not help: the signature binds origin A.
    auto relabelled = token;
    relabelled["origin"] = originB;
    const auto forged = runVerifier(relabelled, originB, challenge, sharedPkiDir(), scenario.dir());
    EXPECT_EQ(forged.exitCode, 13) << forged.result.dump();
    EXPECT_FALSE(opensslVerifies(relabelled, originB, challenge));
}

// A token whose user PIN is still the initial one says so (CKF_USER_PIN_TO_BE_CHANGED): the
// plugin's authenticate reads it after the login and the reply carries pinToBeChanged beside
// the token (docs/protocol.md); a token that does not say so gets no such key.
TEST(PinToBeChanged, ReportedBesideTheTokenOnlyWhenTheTokenSaysSo)
{
    LoginScenario scenario(ScenarioOptions::token({"org-ec"}));
    {
        auto host = scenario.startHost();
        const auto id = scenario.certificateId(*host, "org-ec");
        const auto reply = scenario.authenticate(*host, id, randomBytes(32), kTokenPin);
        ASSERT_TRUE(reply.contains("result")) << reply.dump();
        EXPECT_FALSE(reply["result"].contains("pinToBeChanged")) << reply.dump();
    }
    markUserPinToBeChanged(scenario.dir() / "softhsm");
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-ec");
    const auto challenge = randomBytes(32);
    const auto reply = scenario.authenticate(*host, id, challenge, kTokenPin);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(reply["result"]["pinToBeChanged"], true) << reply.dump();
    EXPECT_TRUE(opensslVerifies(reply["result"]["token"], kPortalOrigin, challenge));
    // A wrong PIN is still a wrong PIN: the flag says nothing about it.
    EXPECT_EQ(errorCodeOf(scenario.authenticate(*host, id, randomBytes(32), "Wr0ngPin01")), "PIN_INCORRECT");
}

}  // namespace
}  // namespace cabridge::logintest
