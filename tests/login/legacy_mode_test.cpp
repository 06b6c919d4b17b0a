// Legacy mode (signature over the bare challenge, as HeBCA's existing back ends expect) is
// served only to origins allowed it, and the verifier accepts it only with --allow-legacy.
#include "login_scenario.h"
#include "reply_matchers.h"
#include "token_check.h"

#include <gtest/gtest.h>

namespace cabridge::logintest {
namespace {

constexpr const char* kLegacyOrigin = "https://old-portal.hebei.example.gov.cn";

TEST(LegacyMode, RefusedForAnOriginNotAllowedLegacy)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"})
                               .withFaultModule()
                               .withPluginOrigins({kPortalOrigin, kLegacyOrigin})
                               .withLegacyOrigins({kLegacyOrigin}));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    const auto reply = scenario.authenticate(*host, id, randomBytes(32), kTokenPin, kPortalOrigin, "legacy");
    EXPECT_EQ(errorCodeOf(reply), "ORIGIN_NOT_ALLOWED") << reply.dump();
    EXPECT_EQ(scenario.hostStderr().find("C_Login"), std::string::npos) << "the token was logged in to";
}

TEST(LegacyMode, LegacyOriginGetsAnUnboundTokenTheVerifierAcceptsOnlyWhenAllowed)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"})
                               .withPluginOrigins({kPortalOrigin, kLegacyOrigin})
                               .withLegacyOrigins({kLegacyOrigin}));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    const auto challenge = randomBytes(32);
    const auto reply = scenario.authenticate(*host, id, challenge, kTokenPin, kLegacyOrigin, "legacy");
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    const auto& token = reply["result"]["token"];
    EXPECT_EQ(token["mode"], "legacy");
    EXPECT_TRUE(opensslVerifies(token, kLegacyOrigin, challenge, /*legacy=*/true));
    EXPECT_FALSE(opensslVerifies(token, kLegacyOrigin, challenge, /*legacy=*/false));

    const auto strict = runVerifier(token, kLegacyOrigin, challenge, sharedPkiDir(), scenario.dir());
    EXPECT_EQ(strict.exitCode, 20) << strict.result.dump();
    EXPECT_EQ(strict.result["error"], "LEGACY_NOT_ALLOWED");
    const auto lenient = runVerifier(token, kLegacyOrigin, challenge, sharedPkiDir(), scenario.dir(), true);
    EXPECT_EQ(lenient.exitCode, 0) << lenient.result.dump();
    EXPECT_EQ(lenient.result["mode"], "legacy");
    EXPECT_EQ(lenient.result["identity"]["unifiedSocialCreditCode"], "91130100MA07RK3C2F");

    // The same origin still gets origin-bound tokens by default.
    const auto bound = scenario.authenticate(*host, id, challenge, kTokenPin, kLegacyOrigin);
    ASSERT_TRUE(bound.contains("result")) << bound.dump();
    EXPECT_TRUE(opensslVerifies(bound["result"]["token"], kLegacyOrigin, challenge));
}

}  // namespace
}  // namespace cabridge::logintest
