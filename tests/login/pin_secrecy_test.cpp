// After logins with right, wrong, malformed and locked-out PINs, and failures around them,
// no PIN string appears in the host's log, its stderr, or any reply.
#include "login_scenario.h"
#include "reply_matchers.h"
#include "token_check.h"

#include <gtest/gtest.h>

namespace cabridge::logintest {
namespace {

TEST(PinSecrecy, NoPinReachesTheLogStderrOrAReply)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa", "expired"}).withFaultModule(3));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    const auto expiredId = scenario.certificateId(*host, "expired");
    const std::vector<std::string> wrong = {"Qv8WrongPin1", "Qv8WrongPin2", "Qv8WrongPin3"};
    const std::vector<std::string> malformed = {"Zx!Malformed#9", std::string(300, 'M') + "Tail42"};
    std::string replies;
    const auto run = [&](const std::string& certificateId, const std::string& pin) {
        auto reply = scenario.authenticate(*host, certificateId, randomBytes(32), pin);
        replies += reply.dump() + "\n";
        return reply;
    };

    EXPECT_TRUE(run(id, kTokenPin).contains("result"));
    EXPECT_EQ(errorCodeOf(run(expiredId, kTokenPin)), "CERTIFICATE_EXPIRED");
    for (const auto& pin : malformed) EXPECT_EQ(errorCodeOf(run(id, pin)), "PIN_INVALID");
    scenario.setFaults("device_error_on=C_Sign,C_SignFinal\n");
    EXPECT_EQ(errorCodeOf(run(id, kTokenPin)), "DEVICE_ERROR");
    scenario.setFaults("");
    EXPECT_EQ(errorCodeOf(run(id, wrong[0])), "PIN_INCORRECT");
    EXPECT_EQ(errorCodeOf(run(id, wrong[1])), "PIN_INCORRECT");
    EXPECT_EQ(errorCodeOf(run(id, wrong[2])), "PIN_LOCKED");
    EXPECT_EQ(errorCodeOf(run(id, kTokenPin)), "PIN_LOCKED");
    host->closeInput();
    EXPECT_EQ(host->waitForExit(std::chrono::seconds(10)), 0);

    const std::string log = scenario.hostLog();
    const std::string stderrText = scenario.hostStderr();
    // The log is really written (so searching it means something).
    ASSERT_NE(log.find("authenticated"), std::string::npos) << log;
    std::vector<std::string> pins = {kTokenPin};
    pins.insert(pins.end(), wrong.begin(), wrong.end());
    pins.insert(pins.end(), malformed.begin(), malformed.end());
    for (const auto& pin : pins) {
        EXPECT_EQ(log.find(pin), std::string::npos) << "PIN " << pin << " is in the host log";
        EXPECT_EQ(stderrText.find(pin), std::string::npos) << "PIN " << pin << " is on the host's stderr";
        EXPECT_EQ(replies.find(pin), std::string::npos) << "PIN " << pin << " is in a reply";
    }
}

TEST(PinSecrecy, ChangeAndUnblockLeaveNoPinInTheLogStderrOrAReply)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"}).withFaultModule(3));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    const std::string changed = "Hc4Changed77";
    const std::string unblocked = "Ub9Unblocked5";
    const std::vector<std::string> wrong = {"Qv8WrongOld1", "Qv8WrongSo2"};
    const std::string refused = "Zx!Refused#3";
    std::string replies;
    const auto run = [&](const std::string& command, const nlohmann::json& arguments) {
        auto reply = scenario.request(*host, command, kPortalOrigin, arguments);
        replies += reply.dump() + "\n";
        return reply;
    };

    EXPECT_EQ(errorCodeOf(run("change-pin", {{"certificateId", id}, {"oldPin", wrong[0]}, {"newPin", changed}})),
              "PIN_INCORRECT");
    EXPECT_EQ(errorCodeOf(run("change-pin", {{"certificateId", id}, {"oldPin", kTokenPin}, {"newPin", refused}})),
              "PIN_INVALID");
    EXPECT_TRUE(
        run("change-pin", {{"certificateId", id}, {"oldPin", kTokenPin}, {"newPin", changed}}).contains("result"));
    EXPECT_EQ(errorCodeOf(run("unblock-pin", {{"certificateId", id}, {"soPin", wrong[1]}, {"newPin", unblocked}})),
              "PIN_INCORRECT");
    EXPECT_TRUE(
        run("unblock-pin", {{"certificateId", id}, {"soPin", kSoPin}, {"newPin", unblocked}}).contains("result"));
    // A request the host refuses as malformed still holds PINs: they must not be echoed either.
    EXPECT_EQ(errorCodeOf(run("change-pin",
                              {{"certificateId", id}, {"oldPin", unblocked}, {"newPin", changed}, {"extra", "x"}})),
              "INVALID_ARGUMENT");
    host->closeInput();
    EXPECT_EQ(host->waitForExit(std::chrono::seconds(10)), 0);

    const std::string log = scenario.hostLog();
    const std::string stderrText = scenario.hostStderr();
    ASSERT_NE(log.find("unblocked the user PIN"), std::string::npos) << log;
    std::vector<std::string> pins = {kTokenPin, kSoPin, changed, unblocked, refused};
    pins.insert(pins.end(), wrong.begin(), wrong.end());
    for (const auto& pin : pins) {
        EXPECT_EQ(log.find(pin), std::string::npos) << "PIN " << pin << " is in the host log";
        EXPECT_EQ(stderrText.find(pin), std::string::npos) << "PIN " << pin << " is on the host's stderr";
        EXPECT_EQ(replies.find(pin), std::string::npos) << "PIN " << pin << " is in a reply";
    }
}

}  // namespace
}  // namespace cabridge::logintest
