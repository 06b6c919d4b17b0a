// PIN handling through the fault module's retry counter (SoftHSM has none): wrong PINs count
// down and lock, unlocking restores login, and malformed PINs never reach the token.
#include "login_scenario.h"
#include "reply_matchers.h"
#include "token_check.h"

#include <gtest/gtest.h>

namespace cabridge::logintest {
namespace {

ScenarioOptions countedToken()
{
    return ScenarioOptions::token({"org-rsa"}).withFaultModule(3);
}

TEST(Pin, WrongPinCountsDownThenLocksWithUnlockHelp)
{
    LoginScenario scenario(countedToken());
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");

    auto reply = scenario.authenticate(*host, id, randomBytes(32), "Wr0ngPin01");
    ASSERT_EQ(errorCodeOf(reply), "PIN_INCORRECT") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["retriesLeft"], 2);
    EXPECT_EQ(reply["error"]["details"]["finalTry"], false);
    EXPECT_FALSE(reply["error"]["message"].get<std::string>().empty());
    EXPECT_EQ(scenario.faultState()["retries_left"], "2");

    reply = scenario.authenticate(*host, id, randomBytes(32), "Wr0ngPin02");
    ASSERT_EQ(errorCodeOf(reply), "PIN_INCORRECT") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["retriesLeft"], 1);
    EXPECT_EQ(reply["error"]["details"]["finalTry"], true);

    // The certificate list shows the same live state before the last try.
    const auto list = scenario.request(*host, "list-certificates", kPortalOrigin);
    ASSERT_TRUE(list.contains("result")) << list.dump();
    ASSERT_EQ(list["result"]["certificates"].size(), 1u);
    EXPECT_EQ(list["result"]["certificates"][0]["token"]["retriesLeft"], 1);
    EXPECT_EQ(list["result"]["certificates"][0]["token"]["pinFlags"]["finalTry"], true);

    reply = scenario.authenticate(*host, id, randomBytes(32), "Wr0ngPin03");
    ASSERT_EQ(errorCodeOf(reply), "PIN_LOCKED") << reply.dump();
    EXPECT_NE(helpTextOf(reply).find("重置证书密码"), std::string::npos) << reply.dump();
    EXPECT_EQ(scenario.faultState()["retries_left"], "0");

    // Locked means locked: the right PIN does not get through either.
    reply = scenario.authenticate(*host, id, randomBytes(32), kTokenPin);
    ASSERT_EQ(errorCodeOf(reply), "PIN_LOCKED") << reply.dump();
    EXPECT_FALSE(helpTextOf(reply).empty());
    EXPECT_EQ(scenario.faultState()["retries_left"], "0");
}

TEST(Pin, UnlockingTheKeyRestoresLogin)
{
    LoginScenario scenario(countedToken());
    scenario.writeFaultState("retries_left=0\nremoved=0\n");  // a key locked earlier
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    auto reply = scenario.authenticate(*host, id, randomBytes(32), kTokenPin);
    ASSERT_EQ(errorCodeOf(reply), "PIN_LOCKED") << reply.dump();

    scenario.resetFaultState();  // what the CA's "reset PIN" service does to the key
    const auto challenge = randomBytes(32);
    reply = scenario.authenticate(*host, id, challenge, kTokenPin);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_TRUE(opensslVerifies(reply["result"]["token"], kPortalOrigin, challenge));
    EXPECT_EQ(scenario.faultState()["retries_left"], "3");
}

TEST(Pin, CorrectPinResetsTheCounter)
{
    LoginScenario scenario(countedToken());
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    auto reply = scenario.authenticate(*host, id, randomBytes(32), "Wr0ngPin04");
    ASSERT_EQ(errorCodeOf(reply), "PIN_INCORRECT") << reply.dump();
    EXPECT_EQ(scenario.faultState()["retries_left"], "2");
    reply = scenario.authenticate(*host, id, randomBytes(32), kTokenPin);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(scenario.faultState()["retries_left"], "3");
}

TEST(Pin, MalformedPinsAreRefusedWithoutTouchingTheToken)
{
    LoginScenario scenario(countedToken());
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    // One real wrong try first, so "unchanged" is a count of 2, not the fresh default.
    auto reply = scenario.authenticate(*host, id, randomBytes(32), "Wr0ngPin05");
    ASSERT_EQ(errorCodeOf(reply), "PIN_INCORRECT") << reply.dump();
    ASSERT_EQ(scenario.faultState()["retries_left"], "2");
    const std::size_t loginsBefore = countOf(scenario.hostStderr(), "C_Login");
    ASSERT_GE(loginsBefore, 1u) << "the fault trace should show the wrong try's C_Login";

    const std::vector<std::pair<std::string, std::string>> malformed = {
        {"empty", ""},
        {"too short", "12"},
        {"too long (17)", "12345678901234567"},
        {"1 KiB", std::string(1024, '7')},
        {"space", "12 3456"},
        {"punctuation", "1234;56"},
        {"Chinese", "密码123456"},
        {"full-width digits", "１２３４５６"},
        {"newline", "123456\n"},
        // "\0" "456", not "\0456": that is the octal escape \045 ('%'), a 6-byte literal read as 7.
        {"NUL", std::string("123\0"
                            "456",
                            7)},
    };
    for (const auto& [what, pin] : malformed) {
        reply = scenario.authenticate(*host, id, randomBytes(32), pin);
        EXPECT_EQ(errorCodeOf(reply), "PIN_INVALID") << what << ": " << reply.dump();
    }
    EXPECT_EQ(scenario.faultState()["retries_left"], "2");
    EXPECT_EQ(countOf(scenario.hostStderr(), "C_Login"), loginsBefore) << "a malformed PIN reached C_Login";

    const auto list = scenario.request(*host, "list-certificates", kPortalOrigin);
    ASSERT_TRUE(list.contains("result")) << list.dump();
    EXPECT_EQ(list["result"]["certificates"][0]["token"]["retriesLeft"], 2);
    // And the host still serves a good login afterwards.
    reply = scenario.authenticate(*host, id, randomBytes(32), kTokenPin);
    EXPECT_TRUE(reply.contains("result")) << reply.dump();
}

}  // namespace
}  // namespace cabridge::logintest
