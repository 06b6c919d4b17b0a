// A genuine token from the real host, altered in each field, is refused by cabridge-verify
// with the exit code docs/verifying.md gives for that check.
#include "login_scenario.h"
#include "reply_matchers.h"
#include "run_command.h"
#include "token_check.h"

#include <gtest/gtest.h>

namespace cabridge::logintest {
namespace {

std::string certificateBase64(const std::string& name)
{
    const std::string der = readFile(sharedPkiDir() / pkiEntry(name)["der"].get<std::string>());
    return base64Encode(std::vector<std::uint8_t>(der.begin(), der.end()));
}

TEST(Tamper, EveryAlteredFieldIsRefusedWithItsOwnCode)
{
    LoginScenario scenario(ScenarioOptions::token({"org-rsa"}));
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    const auto challenge = randomBytes(32);
    const auto reply = scenario.authenticate(*host, id, challenge, kTokenPin);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    const nlohmann::json genuine = reply["result"]["token"];
    const auto verify = [&](const nlohmann::json& token, const std::string& origin,
                            const std::vector<std::uint8_t>& expectedChallenge) {
        return runVerifier(token, origin, expectedChallenge, sharedPkiDir(), scenario.dir());
    };
    ASSERT_EQ(verify(genuine, kPortalOrigin, challenge).exitCode, 0);

    struct Case {
        const char* what;
        nlohmann::json token;
        std::string origin;
        std::vector<std::uint8_t> challenge;
        int exitCode;
        const char* error;
    };
    std::vector<Case> cases;

    auto signature = base64Decode(genuine["signature"]);
    signature[signature.size() / 2] ^= 0x01;
    auto flipped = genuine;
    flipped["signature"] = base64Encode(signature);
    cases.push_back({"one signature bit", flipped, kPortalOrigin, challenge, 13, "SIGNATURE_INVALID"});

    auto otherOrigin = genuine;
    otherOrigin["origin"] = "https://evil.example.com";
    cases.push_back({"origin, portal expects its own", otherOrigin, kPortalOrigin, challenge, 11, "ORIGIN_MISMATCH"});
    cases.push_back({"origin, relabelled for the phishing site", otherOrigin, "https://evil.example.com", challenge, 13,
                     "SIGNATURE_INVALID"});

    auto otherRsaCert = genuine;
    otherRsaCert["certificate"] = certificateBase64("bad-uscc");  // another RSA key, same CA
    cases.push_back(
        {"certificate of another RSA key", otherRsaCert, kPortalOrigin, challenge, 13, "SIGNATURE_INVALID"});

    auto ecCert = genuine;
    ecCert["certificate"] = certificateBase64("org-ec");
    cases.push_back({"certificate of an EC key", ecCert, kPortalOrigin, challenge, 18, "ALGORITHM_MISMATCH"});

    auto otherChallenge = challenge;
    otherChallenge[0] ^= 0x80;
    cases.push_back({"challenge", genuine, kPortalOrigin, otherChallenge, 13, "SIGNATURE_INVALID"});

    auto algorithm = genuine;
    algorithm["algorithm"] = "ES256";
    cases.push_back({"algorithm", algorithm, kPortalOrigin, challenge, 18, "ALGORITHM_MISMATCH"});

    auto format = genuine;
    format["format"] = "cabridge-auth:1";  // retired
    cases.push_back({"format", format, kPortalOrigin, challenge, 10, "FORMAT"});

    auto garbage = genuine;
    garbage["signature"] = "not base64 !!";
    cases.push_back({"signature not base64", garbage, kPortalOrigin, challenge, 10, "FORMAT"});

    for (const auto& c : cases) {
        const auto outcome = verify(c.token, c.origin, c.challenge);
        EXPECT_EQ(outcome.exitCode, c.exitCode) << c.what << ": " << outcome.result.dump();
        EXPECT_EQ(outcome.result.value("error", ""), c.error) << c.what << ": " << outcome.result.dump();
        EXPECT_EQ(outcome.result.value("valid", true), false) << c.what;
    }
}

}  // namespace
}  // namespace cabridge::logintest
