// Certificates outside their validity are refused before the PIN is tried, with the
// vendor's renewal help, and the key's retry counter is left alone.
#include "login_scenario.h"
#include "reply_matchers.h"
#include "token_check.h"

#include <gtest/gtest.h>

#include <ostream>

namespace cabridge::logintest {
namespace {

struct ValidityCase {
    const char* cert;
    const char* code;
};

// Names the case in test output instead of a byte dump.
void PrintTo(const ValidityCase& c, std::ostream* out)
{
    *out << c.cert;
}

class OutsideValidity : public ::testing::TestWithParam<ValidityCase> {};

TEST_P(OutsideValidity, RefusedWithRenewHelpAndCounterUntouched)
{
    const ValidityCase& c = GetParam();
    LoginScenario scenario(ScenarioOptions::token({c.cert, "org-ec"}).withFaultModule());
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, c.cert);

    // Even with a wrong PIN: the date check comes first, so no try is spent.
    for (const std::string& pin : {std::string("Wr0ngPin06"), std::string(kTokenPin)}) {
        const auto reply = scenario.authenticate(*host, id, randomBytes(32), pin);
        EXPECT_EQ(errorCodeOf(reply), c.code) << reply.dump();
        EXPECT_NE(helpTextOf(reply).find("延期"), std::string::npos) << reply.dump();
    }
    EXPECT_TRUE(scenario.faultState().empty() || scenario.faultState()["retries_left"] == "3");
    EXPECT_EQ(scenario.hostStderr().find("C_Login"), std::string::npos) << "the token was logged in to";

    // The valid certificate on the same key still works.
    const auto challenge = randomBytes(32);
    const auto ok = scenario.authenticate(*host, scenario.certificateId(*host, "org-ec"), challenge, kTokenPin);
    ASSERT_TRUE(ok.contains("result")) << ok.dump();
    EXPECT_TRUE(opensslVerifies(ok["result"]["token"], kPortalOrigin, challenge));
}

INSTANTIATE_TEST_SUITE_P(Certificates, OutsideValidity,
                         ::testing::Values(ValidityCase {"expired", "CERTIFICATE_EXPIRED"},
                                           ValidityCase {"notyet", "CERTIFICATE_NOT_YET_VALID"}),
                         [](const auto& info) { return std::string(info.param.cert); });

}  // namespace
}  // namespace cabridge::logintest
