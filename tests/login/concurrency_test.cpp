// Two host processes (two browser tabs / profiles) logging in on one key at the same moment:
// each gets a valid signature or a clear error, never a wrong signature.
#include "login_scenario.h"
#include "reply_matchers.h"
#include "token_check.h"

#include <gtest/gtest.h>

#include <set>

namespace cabridge::logintest {
namespace {

TEST(Concurrency, TwoHostsOnOneTokenNeverProduceAWrongSignature)
{
    LoginScenario scenario(ScenarioOptions::token({"org-ec", "org-rsa"}));
    auto first = scenario.startHost();
    auto second = scenario.startHost();
    const auto idFirst = scenario.certificateId(*first, "org-ec");
    const auto idSecond = scenario.certificateId(*second, "org-rsa");
    // Errors a collision may honestly cause; a PIN error would be a lie (the PIN is right).
    const std::set<std::string> clearErrors = {"DEVICE_ERROR", "PLUGIN_ERROR",          "TOKEN_REMOVED",
                                               "NO_TOKEN",     "CERTIFICATE_NOT_FOUND", "TOKEN_NOT_RESPONDING"};
    constexpr int kRounds = 5;
    int successes = 0;
    std::string errors;  // the codes of the attempts that failed, for the message below
    for (int round = 0; round < kRounds; ++round) {
        struct Call {
            HostProcess* host;
            std::string certificateId;
            std::vector<std::uint8_t> challenge;
        };
        std::vector<Call> calls = {{first.get(), idFirst, randomBytes(32)}, {second.get(), idSecond, randomBytes(32)}};
        int id = 1000 + round * 2;
        for (auto& call : calls) {
            call.host->send({{"id", id++},
                             {"command", "authenticate"},
                             {"origin", kPortalOrigin},
                             {"arguments",
                              {{"certificateId", call.certificateId},
                               {"challenge", base64Encode(call.challenge)},
                               {"pin", kTokenPin}}}});
        }
        for (auto& call : calls) {
            const auto reply = call.host->receive(std::chrono::seconds(60));
            if (reply.contains("result")) {
                ++successes;
                const auto& token = reply["result"]["token"];
                EXPECT_TRUE(opensslVerifies(token, kPortalOrigin, call.challenge)) << "round " << round;
                const auto verdict = runVerifier(token, kPortalOrigin, call.challenge, sharedPkiDir(), scenario.dir());
                EXPECT_EQ(verdict.exitCode, 0) << "round " << round << ": " << verdict.result.dump();
            } else {
                errors += " " + errorCodeOf(reply);
                EXPECT_TRUE(clearErrors.contains(errorCodeOf(reply))) << "round " << round << ": " << reply.dump();
                EXPECT_FALSE(reply["error"]["message"].get<std::string>().empty());
            }
        }
    }
    // Collisions may cost an attempt now and then, not most of them.
    EXPECT_GE(successes, kRounds * 2 - 2) << "failed attempts:" << errors;
    first->closeInput();
    second->closeInput();
    EXPECT_EQ(first->waitForExit(std::chrono::seconds(10)), 0);
    EXPECT_EQ(second->waitForExit(std::chrono::seconds(10)), 0);
}

}  // namespace
}  // namespace cabridge::logintest
