// change-pin and unblock-pin through the real host on SoftHSM (docs/protocol.md): a changed PIN
// is the only one that logs in afterwards, a wrong old PIN counts down and locks (the fault
// module's counter: SoftHSM has none), PINs outside the vendor's rules never reach the token,
// and the administrator (SO) PIN unlocks a locked key, its own failures marked user "so".
#include "login_scenario.h"
#include "reply_matchers.h"
#include "token_check.h"

#include <gtest/gtest.h>

namespace cabridge::logintest {
namespace {

constexpr const char* kNewPin = "Nw5Pin2026x";

nlohmann::json changePin(LoginScenario& scenario, HostProcess& host, const std::string& id, const std::string& oldPin,
                         const std::string& newPin, const std::string& origin = kPortalOrigin)
{
    return scenario.request(host, "change-pin", origin,
                            {{"certificateId", id}, {"oldPin", oldPin}, {"newPin", newPin}});
}

nlohmann::json unblockPin(LoginScenario& scenario, HostProcess& host, const std::string& id, const std::string& soPin,
                          const std::string& newPin, const std::string& origin = kPortalOrigin)
{
    return scenario.request(host, "unblock-pin", origin, {{"certificateId", id}, {"soPin", soPin}, {"newPin", newPin}});
}

bool logsIn(LoginScenario& scenario, HostProcess& host, const std::string& id, const std::string& pin)
{
    const auto challenge = randomBytes(32);
    const auto reply = scenario.authenticate(host, id, challenge, pin);
    return reply.contains("result") && opensslVerifies(reply["result"]["token"], kPortalOrigin, challenge);
}

TEST(ChangePin, OnlyTheNewPinLogsInAfterwards)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"}));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");

    const auto reply = changePin(scenario, *host, id, kTokenPin, kNewPin);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(reply["result"], nlohmann::json::object());

    EXPECT_EQ(errorCodeOf(scenario.authenticate(*host, id, randomBytes(32), kTokenPin)), "PIN_INCORRECT");
    EXPECT_TRUE(logsIn(scenario, *host, id, kNewPin));
    // A host started afterwards reads the token afresh: the change is on the token, not in a cache.
    host->closeInput();
    auto second = scenario.startHost();
    EXPECT_TRUE(logsIn(scenario, *second, scenario.certificateId(*second, "org-rsa"), kNewPin));
    EXPECT_NE(scenario.hostLog().find("changed the user PIN"), std::string::npos) << scenario.hostLog();
}

TEST(ChangePin, WrongOldPinCountsDownThenLocks)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"}).withFaultModule(3));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");

    auto reply = changePin(scenario, *host, id, "Wr0ngOld01", kNewPin);
    ASSERT_EQ(errorCodeOf(reply), "PIN_INCORRECT") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["retriesLeft"], 2);
    EXPECT_EQ(reply["error"]["details"]["finalTry"], false);
    EXPECT_FALSE(reply["error"]["details"].contains("user")) << "the user PIN's error is not the SO PIN's";

    reply = changePin(scenario, *host, id, "Wr0ngOld02", kNewPin);
    ASSERT_EQ(errorCodeOf(reply), "PIN_INCORRECT") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["retriesLeft"], 1);
    EXPECT_EQ(reply["error"]["details"]["finalTry"], true);

    reply = changePin(scenario, *host, id, "Wr0ngOld03", kNewPin);
    ASSERT_EQ(errorCodeOf(reply), "PIN_LOCKED") << reply.dump();
    EXPECT_NE(helpTextOf(reply).find("重置证书密码"), std::string::npos) << reply.dump();
    EXPECT_EQ(scenario.faultState()["retries_left"], "0");

    // Locked: neither a change with the right PIN nor a login gets through, and the PIN is unchanged.
    EXPECT_EQ(errorCodeOf(changePin(scenario, *host, id, kTokenPin, kNewPin)), "PIN_LOCKED");
    EXPECT_EQ(errorCodeOf(scenario.authenticate(*host, id, randomBytes(32), kTokenPin)), "PIN_LOCKED");
}

TEST(ChangePin, PinsOutsideTheRulesNeverReachTheToken)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"}).withFaultModule(3));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    const std::size_t loginsBefore = countOf(scenario.hostStderr(), "C_Login");

    // HeBCA's rules: 4..16 letters and digits.
    const std::vector<std::tuple<std::string, std::string, std::string, std::string>> refused = {
        {"new too short", kTokenPin, "12", "newPin"},
        {"new too long", kTokenPin, "12345678901234567", "newPin"},
        {"new punctuation", kTokenPin, "abc;1234", "newPin"},
        {"new Chinese", kTokenPin, "密码123456", "newPin"},
        {"new empty", kTokenPin, "", "newPin"},
        {"old empty", "", kNewPin, "oldPin"},
        {"old with space", "K7q2 Wm9x", kNewPin, "oldPin"},
        {"new equals old", kTokenPin, kTokenPin, "newPin"},
    };
    for (const auto& [what, oldPin, newPin, key] : refused) {
        const auto reply = changePin(scenario, *host, id, oldPin, newPin);
        EXPECT_EQ(errorCodeOf(reply), "PIN_INVALID") << what << ": " << reply.dump();
        EXPECT_EQ(reply["error"]["details"].value("key", ""), key) << what << ": " << reply.dump();
    }
    EXPECT_EQ(countOf(scenario.hostStderr(), "C_Login"), loginsBefore) << "a refused PIN reached C_Login";
    EXPECT_EQ(countOf(scenario.hostStderr(), "C_SetPIN"), 0u);
    // The fault module writes its state only when it counts a PIN result: none was counted.
    EXPECT_EQ(scenario.faultState()["retries_left"], "");
    EXPECT_TRUE(logsIn(scenario, *host, id, kTokenPin)) << "the PIN must be unchanged";
}

TEST(ChangePin, ArgumentsAndOriginAreCheckedFirst)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"}));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");

    const std::vector<std::pair<std::string, nlohmann::json>> bad = {
        {"newPin missing", {{"certificateId", id}, {"oldPin", kTokenPin}}},
        {"oldPin missing", {{"certificateId", id}, {"newPin", kNewPin}}},
        {"certificateId missing", {{"oldPin", kTokenPin}, {"newPin", kNewPin}}},
        {"oldPin a number", {{"certificateId", id}, {"oldPin", 123456}, {"newPin", kNewPin}}},
        {"unknown key", {{"certificateId", id}, {"oldPin", kTokenPin}, {"newPin", kNewPin}, {"pin", kTokenPin}}},
    };
    for (const auto& [what, arguments] : bad) {
        const auto reply = scenario.request(*host, "change-pin", kPortalOrigin, arguments);
        EXPECT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << what << ": " << reply.dump();
    }
    EXPECT_EQ(errorCodeOf(changePin(scenario, *host, id, kTokenPin, kNewPin, "https://evil.example.com")),
              "ORIGIN_NOT_ALLOWED");
    EXPECT_EQ(errorCodeOf(changePin(scenario, *host, std::string(64, 'a'), kTokenPin, kNewPin)),
              "CERTIFICATE_NOT_FOUND");
    EXPECT_EQ(errorCodeOf(unblockPin(scenario, *host, id, kSoPin, kNewPin, "https://evil.example.com")),
              "ORIGIN_NOT_ALLOWED");
    EXPECT_TRUE(logsIn(scenario, *host, id, kTokenPin)) << "nothing above may have changed the PIN";
}

TEST(UnblockPin, TheSoPinUnlocksALockedKeyWithANewPin)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"}).withFaultModule(3));
    scenario.writeFaultState("retries_left=0\nremoved=0\n");  // a key locked earlier
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    ASSERT_EQ(errorCodeOf(scenario.authenticate(*host, id, randomBytes(32), kTokenPin)), "PIN_LOCKED");

    const auto reply = unblockPin(scenario, *host, id, kSoPin, kNewPin);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(scenario.faultState()["retries_left"], "3") << "the user PIN's counter starts over";
    EXPECT_TRUE(logsIn(scenario, *host, id, kNewPin));
    EXPECT_EQ(errorCodeOf(scenario.authenticate(*host, id, randomBytes(32), kTokenPin)), "PIN_INCORRECT");
    EXPECT_NE(scenario.hostLog().find("unblocked the user PIN"), std::string::npos) << scenario.hostLog();
}

TEST(UnblockPin, AWrongSoPinSpeaksOfTheAdministratorPin)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"}).withFaultModule(3));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");

    auto reply = unblockPin(scenario, *host, id, "Wr0ngS0pin", kNewPin);
    ASSERT_EQ(errorCodeOf(reply), "PIN_INCORRECT") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["user"], "so");
    // SoftHSM keeps no SO counter and says nothing of one: null, not a made-up number.
    EXPECT_TRUE(reply["error"]["details"]["retriesLeft"].is_null()) << reply.dump();
    EXPECT_NE(reply["error"]["message"].get<std::string>().find("管理员口令"), std::string::npos) << reply.dump();
    // The fault module writes its state only when it counts a user PIN result: none was counted.
    EXPECT_EQ(scenario.faultState()["retries_left"], "") << "the SO PIN is not the user PIN's counter";

    // The SO PIN's own form is checked (not the user PIN's rules); the new PIN against the rules.
    reply = unblockPin(scenario, *host, id, std::string(65, '9'), kNewPin);
    EXPECT_EQ(errorCodeOf(reply), "PIN_INVALID") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["user"], "so");
    reply = unblockPin(scenario, *host, id, kSoPin, "1");
    EXPECT_EQ(errorCodeOf(reply), "PIN_INVALID") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["key"], "newPin");
    EXPECT_EQ(countOf(scenario.hostStderr(), "C_InitPIN"), 0u);
    EXPECT_TRUE(logsIn(scenario, *host, id, kTokenPin)) << "the user PIN must be unchanged";
}

// The generic PKCS#11 plugin has no online-unlock pair (PKCS#11 has no such call): both online
// steps are INVALID_ARGUMENT naming the step, nothing reaches the token, and the key still logs in.
TEST(UnblockPin, TheGenericPluginHasNoOnlineUnlock)
{
    // The portal is an enrolment origin here, so the steps reach the vendor check.
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"}).withFaultModule(3).withEnrollment({kPortalOrigin}, {}));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    auto reply = scenario.request(*host, "unblock-challenge", kPortalOrigin, {{"certificateId", id}});
    ASSERT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["unsupported"], "unblock-challenge");
    reply = scenario.request(*host, "unblock-pin", kPortalOrigin,
                             {{"certificateId", id}, {"response", "AAECAwQFBgcICQ=="}, {"newPin", kNewPin}});
    ASSERT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["unsupported"], "unblock-pin-response");
    EXPECT_EQ(countOf(scenario.hostStderr(), "C_InitPIN"), 0u);
    EXPECT_EQ(countOf(scenario.hostStderr(), "C_Login"), 0u);
    EXPECT_TRUE(logsIn(scenario, *host, id, kTokenPin));
}

}  // namespace
}  // namespace cabridge::logintest
