// Real USB-key faults SoftHSM cannot show, injected by libcabridge-faultp11: the key pulled
// out before C_Login / before C_Sign, a device error while signing, and a key that hangs.
#include "login_scenario.h"
#include "reply_matchers.h"
#include "token_check.h"

#include <gtest/gtest.h>

#include <ostream>

#include <chrono>

namespace cabridge::logintest {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

class KeyPulled : public ::testing::TestWithParam<const char*> {};

TEST_P(KeyPulled, GivesReinsertHelpAndWorksAgainAfterReinsertion)
{
    LoginScenario scenario(ScenarioOptions::token({"org-ec"}).withFaultModule());
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-ec");
    scenario.setFaults(std::string("remove_before=") + GetParam() + "\n");

    const auto reply = scenario.authenticate(*host, id, randomBytes(32), kTokenPin);
    const std::string code = errorCodeOf(reply);
    EXPECT_TRUE(code == "TOKEN_REMOVED" || code == "NO_TOKEN") << reply.dump();
    EXPECT_NE(helpTextOf(reply).find("重新插入"), std::string::npos) << reply.dump();
    EXPECT_EQ(scenario.faultState()["removed"], "1");

    // The key is gone for the same host too: no certificate is listed any more.
    const auto list = scenario.request(*host, "list-certificates", kPortalOrigin);
    ASSERT_TRUE(list.contains("result")) << list.dump();
    EXPECT_TRUE(list["result"]["certificates"].empty()) << list.dump();
    host->closeInput();
    EXPECT_EQ(host->waitForExit(milliseconds(10000)), 0);

    // Re-inserted, a new host (the next page action) logs in again.
    scenario.setFaults("");
    scenario.writeFaultState("retries_left=3\nremoved=0\n");
    auto next = scenario.startHost();
    const auto challenge = randomBytes(32);
    const auto again = scenario.authenticate(*next, scenario.certificateId(*next, "org-ec"), challenge, kTokenPin);
    ASSERT_TRUE(again.contains("result")) << again.dump();
    EXPECT_TRUE(opensslVerifies(again["result"]["token"], kPortalOrigin, challenge));
}

INSTANTIATE_TEST_SUITE_P(Moments, KeyPulled, ::testing::Values("C_Login", "C_Sign"),
                         [](const auto& info) { return std::string("Before") + (info.param + 2); });

// A key that fails while the host reads its token information (C_GetTokenInfo). The portal's
// "读取证书" names the vendor, so the person gets the device error and its help; a listing of
// every vendor skips the failing one (other vendors' keys still show). libp11 0.4.12 loses the
// failing slot's allocations on this path (fuzz/lsan.supp explains it). The next read works.
TEST(DeviceError, WhileReadingTheKeyGivesDeviceErrorThenListingRecovers)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"}).withFaultModule());
    auto host = scenario.startHost();
    scenario.setFaults("device_error_on=C_GetTokenInfo\n");
    auto reply = scenario.request(*host, "list-certificates", kPortalOrigin, {{"vendor", "hebca"}});
    EXPECT_EQ(errorCodeOf(reply), "DEVICE_ERROR") << reply.dump();
    EXPECT_FALSE(helpTextOf(reply).empty()) << reply.dump();
    reply = scenario.request(*host, "list-certificates", kPortalOrigin);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_TRUE(reply["result"]["certificates"].empty()) << reply.dump();
    // ... and names it, with the code its failure maps to.
    const nlohmann::json leftOut = {{"vendor", "hebca"},
                                    {"code", "DEVICE_ERROR"},
                                    {"message", "USB Key 设备出错。请重新插入后重试；如仍失败，请联系证书服务商。"}};
    EXPECT_EQ(reply["result"]["errors"], nlohmann::json::array({leftOut})) << reply.dump();

    scenario.setFaults("");
    reply = scenario.request(*host, "list-certificates", kPortalOrigin, {{"vendor", "hebca"}});
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(reply["result"]["certificates"].size(), 1u) << reply.dump();
}

TEST(DeviceError, OnSignGivesDeviceErrorAndTheHostRecovers)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"}).withFaultModule());
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    scenario.setFaults("device_error_on=C_Sign,C_SignFinal\n");

    auto reply = scenario.authenticate(*host, id, randomBytes(32), kTokenPin);
    EXPECT_EQ(errorCodeOf(reply), "DEVICE_ERROR") << reply.dump();
    EXPECT_FALSE(reply["error"]["message"].get<std::string>().empty());
    EXPECT_FALSE(helpTextOf(reply).empty()) << reply.dump();
    // The PIN was right: the counter is full, not spent.
    EXPECT_EQ(scenario.faultState()["retries_left"], "3");

    // The failed signature ended the operation and the host logged out: the next try works.
    scenario.setFaults("");
    const auto challenge = randomBytes(32);
    reply = scenario.authenticate(*host, id, challenge, kTokenPin);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_TRUE(opensslVerifies(reply["result"]["token"], kPortalOrigin, challenge));
}

struct HangCase {
    const char* call;
    int loginMs;
    int signMs;
};

// Names the case in test output instead of a byte dump.
void PrintTo(const HangCase& c, std::ostream* out)
{
    *out << c.call;
}

class HungKey : public ::testing::TestWithParam<HangCase> {};

TEST_P(HungKey, AnsweredWithinTheDeadlineThenTheHostExits)
{
    const HangCase& hang = GetParam();
    LoginScenario scenario(
        ScenarioOptions::token({"org-ec"}).withFaultModule().withDeadlines(hang.loginMs, hang.signMs));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-ec");
    scenario.setFaults(std::string("hang_on=") + hang.call + "\n");

    const int ownDeadline = std::string(hang.call) == "C_Login" ? hang.loginMs : hang.signMs;
    const auto start = steady_clock::now();
    const auto reply = scenario.authenticate(*host, id, randomBytes(32), kTokenPin, kPortalOrigin, std::nullopt,
                                             milliseconds(ownDeadline + 10000));
    const auto elapsed = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start).count();
    EXPECT_EQ(errorCodeOf(reply), "TOKEN_NOT_RESPONDING") << reply.dump();
    EXPECT_FALSE(reply["error"]["message"].get<std::string>().empty());
    // Not before the call's own deadline, and not much after it (3 s margin for a busy machine).
    EXPECT_GE(elapsed, ownDeadline - 100);
    EXPECT_LE(elapsed, ownDeadline + 3000);
    // The stuck thread cannot be joined, so the host leaves (status 3) instead of serving on.
    EXPECT_EQ(host->waitForExit(milliseconds(5000)), 3);
    EXPECT_NE(scenario.hostLog().find("deadline"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Calls, HungKey,
                         ::testing::Values(HangCase {"C_Login", 1500, 20000}, HangCase {"C_Sign", 20000, 1500}),
                         [](const auto& info) { return std::string("In") + (info.param.call + 2); });

}  // namespace
}  // namespace cabridge::logintest
