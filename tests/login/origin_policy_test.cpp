// Which page origins may log in (docs/protocol.md section 5), through the real host.
#include "login_scenario.h"
#include "reply_matchers.h"
#include "token_check.h"

#include <gtest/gtest.h>

namespace cabridge::logintest {
namespace {

TEST(OriginPolicy, UnlistedHttpsOriginIsNotAllowed)
{
    LoginScenario scenario(ScenarioOptions::token({"org-ec"}).withFaultModule());
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-ec");
    const std::string phishing = "https://si-hebei.example.com";
    const auto reply = scenario.authenticate(*host, id, randomBytes(32), kTokenPin, phishing);
    EXPECT_EQ(errorCodeOf(reply), "ORIGIN_NOT_ALLOWED") << reply.dump();
    EXPECT_FALSE(reply["error"]["message"].get<std::string>().empty());
    // status still answers, and says so.
    const auto status = scenario.request(*host, "status", phishing);
    ASSERT_TRUE(status.contains("result")) << status.dump();
    EXPECT_EQ(status["result"]["originAllowed"], false);
    EXPECT_FALSE(status["result"].contains("plugins")) << status.dump();  // no vendor named to it
    EXPECT_EQ(scenario.hostStderr().find("C_Login"), std::string::npos) << "the token was logged in to";
}

// Only the administrator's policy file may allow the legacy mode: the plugin declaring a legacy
// origin grants nothing, and the token is not logged in to.
TEST(OriginPolicy, LegacyOriginsAPluginDeclaresAreIgnored)
{
    const std::string pluginLegacy = "https://plugin-legacy.hebei.example.gov.cn";
    const std::string policyLegacy = "https://policy-legacy.hebei.example.gov.cn";
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"})
                               .withFaultModule()
                               .withPluginOrigins({kPortalOrigin, pluginLegacy, policyLegacy})
                               .withPluginLegacyOrigins({pluginLegacy})
                               .withLegacyOrigins({policyLegacy}));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    // Printable text: what a legacy back end's challenge is (and all a legacy challenge may be).
    const std::string text = "legacy-challenge-0123456789-abcdefghij";
    const std::vector<std::uint8_t> challenge(text.begin(), text.end());
    const auto refused = scenario.authenticate(*host, id, challenge, kTokenPin, pluginLegacy, "legacy");
    EXPECT_EQ(errorCodeOf(refused), "ORIGIN_NOT_ALLOWED") << refused.dump();
    EXPECT_EQ(refused["error"]["details"]["mode"], "legacy") << refused.dump();
    EXPECT_EQ(scenario.hostStderr().find("C_Login"), std::string::npos) << "the token was logged in to";

    const auto allowed = scenario.authenticate(*host, id, challenge, kTokenPin, policyLegacy, "legacy");
    ASSERT_TRUE(allowed.contains("result")) << allowed.dump();
    EXPECT_EQ(allowed["result"]["token"]["mode"], "legacy");
    EXPECT_TRUE(opensslVerifies(allowed["result"]["token"], policyLegacy, challenge, /*legacy=*/true));
}

TEST(OriginPolicy, UnlistedPlainHttpOriginIsInsecure)
{
    LoginScenario scenario(ScenarioOptions::token({"org-ec"}));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-ec");
    for (const char* origin : {"http://si.hebei.example.gov.cn", "http://10.20.30.40:8080"}) {
        const auto reply = scenario.authenticate(*host, id, randomBytes(32), kTokenPin, origin);
        EXPECT_EQ(errorCodeOf(reply), "INSECURE_ORIGIN") << origin << ": " << reply.dump();
    }
}

TEST(OriginPolicy, HttpIpOriginListedInPolicyFileLogsIn)
{
    // The Hebei portal itself is plain http at an IP address; the administrator lists it.
    const std::string portal = "http://10.20.30.40:25688";
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"}).withPolicyAllowOrigins({portal}));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    const auto challenge = randomBytes(48);
    const auto reply = scenario.authenticate(*host, id, challenge, kTokenPin, portal);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(reply["result"]["token"]["origin"], portal);
    EXPECT_TRUE(opensslVerifies(reply["result"]["token"], portal, challenge));
    const auto verdict = runVerifier(reply["result"]["token"], portal, challenge, sharedPkiDir(), scenario.dir());
    EXPECT_EQ(verdict.exitCode, 0) << verdict.result.dump();
    // Only that exact origin: another port on the same IP is still insecure.
    const auto other = scenario.authenticate(*host, id, randomBytes(32), kTokenPin, "http://10.20.30.40:8080");
    EXPECT_EQ(errorCodeOf(other), "INSECURE_ORIGIN") << other.dump();
}

}  // namespace
}  // namespace cabridge::logintest
