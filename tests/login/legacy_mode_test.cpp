// Legacy mode (signature over the bare challenge, as HeBCA's existing back ends expect) is
// served only to origins the administrator's policy file lists as legacy, only over text
// challenges, and the verifier accepts it only with --allow-legacy. Issue #13's forgery (a
// legacy signature over a login message, relabelled as an origin-bound login for another
// portal) is refused by the real host and, signed outside the host, by cabridge-verify.
#include "login_scenario.h"
#include "reply_matchers.h"
#include "run_command.h"
#include "token_check.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace cabridge::logintest {
namespace {

constexpr const char* kLegacyOrigin = "https://old-portal.hebei.example.gov.cn";

std::vector<std::uint8_t> textBytes(const std::string& text)
{
    return {text.begin(), text.end()};
}

std::vector<std::uint8_t> sha256(const std::vector<std::uint8_t>& data)
{
    std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &length, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("EVP_Digest failed");
    }
    out.resize(length);
    return out;
}

// H(origin) || H(challenge): the 64 bytes an origin-bound login signed in format 1.
std::vector<std::uint8_t> hashPair(const std::string& origin, const std::vector<std::uint8_t>& challenge)
{
    auto message = sha256(textBytes(origin));
    const auto second = sha256(challenge);
    message.insert(message.end(), second.begin(), second.end());
    return message;
}

// RS256 signature over `message` with a test PKI private key, made without the host: what a
// page would hold if the host still signed any bytes in legacy mode.
std::vector<std::uint8_t> signWithPkiKey(const std::string& name, const std::vector<std::uint8_t>& message)
{
    const std::string pem = readFile(sharedPkiDir() / pkiEntry(name).at("key").get<std::string>());
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr, &EVP_PKEY_free);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    std::size_t length = 0;
    if (!key || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &length, message.data(), message.size()) != 1) {
        throw std::runtime_error("cannot sign with " + name);
    }
    std::vector<std::uint8_t> signature(length);
    if (EVP_DigestSign(ctx.get(), signature.data(), &length, message.data(), message.size()) != 1) {
        throw std::runtime_error("cannot sign with " + name);
    }
    signature.resize(length);
    return signature;
}

// A host whose only legacy origin comes from the administrator's policy file.
ScenarioOptions policyLegacyScenario()
{
    return ScenarioOptions::token({"org-rsa"})
        .withFaultModule()
        .withPluginOrigins({kPortalOrigin})
        .withPolicyAllowOrigins({kLegacyOrigin})
        .withLegacyOrigins({kLegacyOrigin});
}

void expectChallengeRefused(const nlohmann::json& reply, const std::string& what)
{
    EXPECT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << what << ": " << reply.dump();
    EXPECT_EQ(reply["error"]["details"].value("key", ""), "challenge") << what << ": " << reply.dump();
}

TEST(LegacyMode, RefusedForAnOriginNotAllowedLegacy)
{
    LoginScenario scenario(policyLegacyScenario());
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    const auto reply = scenario.authenticate(*host, id, textBytes("a text challenge"), kTokenPin, kPortalOrigin,
                                             "legacy");
    EXPECT_EQ(errorCodeOf(reply), "ORIGIN_NOT_ALLOWED") << reply.dump();
    EXPECT_EQ(scenario.hostStderr().find("C_Login"), std::string::npos) << "the token was logged in to";
}

TEST(LegacyMode, PolicyLegacyOriginGetsAnUnboundTokenTheVerifierAcceptsOnlyWhenAllowed)
{
    LoginScenario scenario(policyLegacyScenario());
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    // HeBCA-style: the server's random string, as text.
    const auto challenge = textBytes("HEBCA" + base64Encode(randomBytes(24)));
    const auto reply = scenario.authenticate(*host, id, challenge, kTokenPin, kLegacyOrigin, "legacy");
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    const auto& token = reply["result"]["token"];
    EXPECT_EQ(token["mode"], "legacy");
    EXPECT_EQ(token["format"], "cabridge-auth:2");
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

TEST(LegacyMode, ChallengesThatAreNotTextAreRefusedBeforeTheTokenIsTouched)
{
    LoginScenario scenario(policyLegacyScenario());
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    auto withZero = textBytes("challenge with a zero byte");
    withZero[9] = 0;
    auto withTab = textBytes("challenge\twith a tab");
    auto withDel = textBytes("challenge with DEL \x7f");
    const std::vector<std::pair<std::string, std::vector<std::uint8_t>>> cases = {
        {"zero byte", withZero},
        {"64 random bytes", randomBytes(64)},
        {"tab", withTab},
        {"DEL", withDel},
        {"invalid UTF-8", textBytes("caf\xc3 au lait")},
        {"7 bytes", textBytes("1234567")},
        {"257 bytes", std::vector<std::uint8_t>(257, 'a')},
        {"32 random bytes", randomBytes(32)},
    };
    for (const auto& [what, challenge] : cases) {
        expectChallengeRefused(scenario.authenticate(*host, id, challenge, kTokenPin, kLegacyOrigin, "legacy"), what);
    }
    EXPECT_EQ(scenario.hostStderr().find("C_Login"), std::string::npos) << "the token was logged in to";

    // The edges of the rule are accepted, and only then is the token logged in to.
    for (const auto& challenge :
         {textBytes("12345678"), std::vector<std::uint8_t>(256, '~'), textBytes("河北社保 登录 challenge")}) {
        const auto reply = scenario.authenticate(*host, id, challenge, kTokenPin, kLegacyOrigin, "legacy");
        ASSERT_TRUE(reply.contains("result")) << reply.dump();
        EXPECT_TRUE(opensslVerifies(reply["result"]["token"], kLegacyOrigin, challenge, /*legacy=*/true));
    }
    EXPECT_NE(scenario.hostStderr().find("C_Login"), std::string::npos) << "the fault trace shows no login at all";
}

// Issue #13, section 1: a page on the legacy origin sends H("https://victim") ||
// H(victim's challenge) as its legacy "challenge" and relabels the token as the victim's
// origin-bound login.
TEST(LegacyMode, LoginMessageAsLegacyChallengeIsNoForgedLogin)
{
    LoginScenario scenario(policyLegacyScenario());
    auto host = scenario.startHost();
    const auto id = scenario.certificateId(*host, "org-rsa");
    const auto victimChallenge = randomBytes(32);

    // Step 1, the host: neither the format-1 message nor the format-2 one is text.
    const auto format1 = hashPair(kPortalOrigin, victimChallenge);
    ASSERT_EQ(format1.size(), 64u);
    std::vector<std::uint8_t> format2 = textBytes("cabridge-auth:2");
    format2.push_back(0);
    format2.insert(format2.end(), format1.begin(), format1.end());
    expectChallengeRefused(scenario.authenticate(*host, id, format1, kTokenPin, kLegacyOrigin, "legacy"),
                           "H(origin) || H(challenge)");
    expectChallengeRefused(scenario.authenticate(*host, id, format2, kTokenPin, kLegacyOrigin, "legacy"),
                           "cabridge-auth:2 message");
    EXPECT_EQ(scenario.hostStderr().find("C_Login"), std::string::npos) << "the token was logged in to";

    // Step 2, the verifier: even a signature over the 64 bytes (made here with the key, as an
    // old host would have made it in legacy mode), relabelled as the victim's origin-bound
    // login, is refused: format 2 signs a prefix the legacy signature lacks.
    const auto genuine = scenario.authenticate(*host, id, victimChallenge, kTokenPin, kPortalOrigin);
    ASSERT_TRUE(genuine.contains("result")) << genuine.dump();
    auto forged = genuine["result"]["token"];
    forged["signature"] = base64Encode(signWithPkiKey("org-rsa", format1));
    forged["origin"] = kPortalOrigin;
    forged["mode"] = "origin-bound";
    const auto asFormat2 = runVerifier(forged, kPortalOrigin, victimChallenge, sharedPkiDir(), scenario.dir(), true);
    EXPECT_EQ(asFormat2.exitCode, 13) << asFormat2.result.dump();
    EXPECT_EQ(asFormat2.result["error"], "SIGNATURE_INVALID");
    forged["format"] = "cabridge-auth:1";  // the format under which that signature was a login
    const auto asFormat1 = runVerifier(forged, kPortalOrigin, victimChallenge, sharedPkiDir(), scenario.dir(), true);
    EXPECT_EQ(asFormat1.exitCode, 10) << asFormat1.result.dump();
    EXPECT_EQ(asFormat1.result["error"], "FORMAT");
    // Kept as the legacy token it is, it is refused too: its challenge is not text.
    forged["format"] = "cabridge-auth:2";
    forged["origin"] = kLegacyOrigin;
    forged["mode"] = "legacy";
    const auto asLegacy = runVerifier(forged, kLegacyOrigin, format1, sharedPkiDir(), scenario.dir(), true);
    EXPECT_EQ(asLegacy.exitCode, 12) << asLegacy.result.dump();
    EXPECT_EQ(asLegacy.result["error"], "CHALLENGE_INVALID");

    // Control: the genuine token over the same challenge verifies, so the refusals above are
    // about the forgery, not the set-up.
    const auto control = runVerifier(genuine["result"]["token"], kPortalOrigin, victimChallenge, sharedPkiDir(),
                                     scenario.dir());
    EXPECT_EQ(control.exitCode, 0) << control.result.dump();
}

}  // namespace
}  // namespace cabridge::logintest
