// libcabridge-skf.so loaded as the host loads it (dlopen, cabridge_plugin_v1) over the software
// SKF library: authenticate with its PIN-to-be-changed flag, check_certificate, list_token,
// the old login/sign/logout calls, the application filter and the algorithm-id family.
#include "skf_world.h"

#include <cabridge/plugin.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <array>
#include <cstdlib>
#include <memory>

namespace cabridge::skftest {
namespace {

struct Output {
    std::vector<std::uint8_t> bytes;
    cabridge_sink sink()
    {
        return {this, [](void* ctx, const std::uint8_t* data, std::size_t len) {
                    auto* self = static_cast<Output*>(ctx);
                    self->bytes.insert(self->bytes.end(), data, data + len);
                }};
    }
    nlohmann::json json() const { return nlohmann::json::parse(bytes.begin(), bytes.end()); }
};

// One plugin instance on one world's state.
class LoadedPlugin {
public:
    LoadedPlugin(const SkfWorld& world, const nlohmann::json& overrides = nlohmann::json::object())
    {
        ::setenv("CABRIDGE_SOFTSKF_DIR", world.stateDir().c_str(), 1);
        library_ = dlopen(kSkfPlugin, RTLD_NOW | RTLD_LOCAL);
        if (library_ == nullptr) throw std::runtime_error(dlerror());
        auto entry = reinterpret_cast<cabridge_plugin_entry_fn>(dlsym(library_, CABRIDGE_PLUGIN_ENTRY_SYMBOL));
        api = entry(CABRIDGE_PLUGIN_ABI_VERSION);
        nlohmann::json config = {{"id", "hebca-skf"}, {"name", "SKF"}, {"libraries", {kSoftSkf}}};
        for (const auto& [key, value] : overrides.items()) config[key] = value;
        cabridge_error err {};
        if (api->create(config.dump().c_str(), &self, &err) != CABRIDGE_OK) throw std::runtime_error(err.message);
    }
    ~LoadedPlugin()
    {
        api->destroy(self);
        dlclose(library_);
    }
    LoadedPlugin(const LoadedPlugin&) = delete;
    LoadedPlugin& operator=(const LoadedPlugin&) = delete;

    nlohmann::json listTokens()
    {
        Output out;
        cabridge_error err {};
        EXPECT_EQ(api->list_tokens(self, out.sink(), &err), CABRIDGE_OK) << err.message;
        notice = err.message;
        return out.json();
    }

    const cabridge_plugin_api_v1* api = nullptr;
    cabridge_plugin* self = nullptr;
    std::string notice;

private:
    void* library_ = nullptr;
};

std::array<std::uint8_t, 32> sha256Of(const std::vector<std::uint8_t>& der)
{
    std::array<std::uint8_t, 32> out {};
    SHA256(der.data(), der.size(), out.data());
    return out;
}

// The token entry and certificate ref of PKI certificate `name` in a listing.
std::pair<std::string, std::string> refsOf(const nlohmann::json& tokens, const std::string& name)
{
    const std::string der = base64(pkiDer(name));
    for (const auto& token : tokens)
        for (const auto& cert : token["certificates"])
            if (cert["der"] == der) return {token["ref"], cert["ref"]};
    throw std::runtime_error(name + " not listed: " + tokens.dump());
}

bool sm2Verifies(const std::string& name, const std::vector<std::uint8_t>& data, const std::vector<std::uint8_t>& der)
{
    const auto certDer = pkiDer(name);
    const unsigned char* cursor = certDer.data();
    std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &cursor, static_cast<long>(certDer.size())),
                                                     &X509_free);
    EVP_PKEY* key = X509_get0_pubkey(cert.get());
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> pctx(EVP_PKEY_CTX_new(key, nullptr),
                                                                     &EVP_PKEY_CTX_free);
    EVP_PKEY_CTX_set1_id(pctx.get(), "1234567812345678", 16);
    EVP_MD_CTX_set_pkey_ctx(ctx.get(), pctx.get());
    EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sm3(), nullptr, key);
    return EVP_DigestVerify(ctx.get(), der.data(), der.size(), data.data(), data.size()) == 1;
}

struct AuthOutcome {
    cabridge_status status;
    std::vector<std::uint8_t> signature;
    std::uint32_t flags;
    cabridge_error err;
};

AuthOutcome authenticate(LoadedPlugin& plugin, const std::string& tokenRef, const std::string& certRef,
                         const std::array<std::uint8_t, 32>& sha256, const std::string& pin,
                         const std::vector<std::uint8_t>& data, const char* algorithm = "SM2-SM3")
{
    Output out;
    AuthOutcome outcome {};
    outcome.flags = 0xFFFFFFFFu;
    outcome.status = plugin.api->authenticate(plugin.self, tokenRef.c_str(), certRef.c_str(), sha256.data(), pin.data(),
                                              pin.size(), algorithm, data.data(), data.size(), out.sink(),
                                              &outcome.flags, &outcome.err);
    outcome.signature = out.bytes;
    return outcome;
}

TEST(SkfPluginAbi, AuthenticateReportsTheDefaultPinAndSignsSm2)
{
    SkfWorld world;
    LoadedPlugin plugin(world);
    ASSERT_NE(plugin.api->authenticate, nullptr);
    ASSERT_NE(plugin.api->check_certificate, nullptr);
    const auto tokens = plugin.listTokens();
    const auto data = randomBytes(80);

    // HEBCA-SKF-2's user PIN is still the factory one; HEBCA-SKF-1's is not.
    const auto [personToken, personCert] = refsOf(tokens, "sm2-person");
    auto outcome = authenticate(plugin, personToken, personCert, sha256Of(pkiDer("sm2-person")), kUserPin, data);
    ASSERT_EQ(outcome.status, CABRIDGE_OK) << outcome.err.message;
    EXPECT_EQ(outcome.flags, CABRIDGE_AUTH_FLAG_PIN_TO_BE_CHANGED);
    EXPECT_TRUE(sm2Verifies("sm2-person", data, outcome.signature));

    const auto [orgToken, orgCert] = refsOf(tokens, "sm2-sign");
    outcome = authenticate(plugin, orgToken, orgCert, sha256Of(pkiDer("sm2-sign")), kUserPin, data);
    ASSERT_EQ(outcome.status, CABRIDGE_OK) << outcome.err.message;
    EXPECT_EQ(outcome.flags, 0u);
    EXPECT_TRUE(sm2Verifies("sm2-sign", data, outcome.signature));
    EXPECT_FALSE(sm2Verifies("sm2-sign", randomBytes(80), outcome.signature));
    // Logged out afterwards: no login is left on the application.
    const auto device = world.device(0);
    EXPECT_EQ(device["applications"][0]["user"]["remaining"], 6);
}

TEST(SkfPluginAbi, GoneCertificateCostsNoPinTry)
{
    SkfWorld world;
    LoadedPlugin plugin(world);
    const auto tokens = plugin.listTokens();
    const auto [tokenRef, certRef] = refsOf(tokens, "sm2-sign");
    // Another certificate's hash: not this container's, and the PIN is never tried.
    auto outcome = authenticate(plugin, tokenRef, certRef, sha256Of(pkiDer("sm2-person")), "000000", randomBytes(32));
    EXPECT_EQ(outcome.status, CABRIDGE_ERR_CERTIFICATE_NOT_FOUND) << outcome.err.message;
    EXPECT_EQ(outcome.flags, 0u);
    EXPECT_EQ(world.device(0)["applications"][0]["user"]["remaining"], 6);
    outcome = authenticate(plugin, "skf:00:00", certRef, sha256Of(pkiDer("sm2-sign")), "000000", randomBytes(32));
    EXPECT_EQ(outcome.status, CABRIDGE_ERR_NO_TOKEN) << outcome.err.message;

    cabridge_error err {};
    const auto sha = sha256Of(pkiDer("sm2-sign"));
    EXPECT_EQ(plugin.api->check_certificate(plugin.self, tokenRef.c_str(), certRef.c_str(), sha.data(), &err),
              CABRIDGE_OK)
        << err.message;
    EXPECT_EQ(plugin.api->check_certificate(plugin.self, tokenRef.c_str(), "empty", sha.data(), &err),
              CABRIDGE_ERR_CERTIFICATE_NOT_FOUND);
    EXPECT_EQ(plugin.api->check_certificate(plugin.self, tokenRef.c_str(), "no-such", sha.data(), &err),
              CABRIDGE_ERR_CERTIFICATE_NOT_FOUND);
    world.setFaults({{"removed", {"HEBCA-SKF-1"}}});
    EXPECT_EQ(plugin.api->check_certificate(plugin.self, tokenRef.c_str(), certRef.c_str(), sha.data(), &err),
              CABRIDGE_ERR_NO_TOKEN);
    Output one;
    EXPECT_EQ(plugin.api->list_token(plugin.self, tokenRef.c_str(), one.sink(), &err), CABRIDGE_OK);
    EXPECT_EQ(one.json(), nlohmann::json::array());
}

TEST(SkfPluginAbi, WrongPinGivesExactRetriesAndFinalTry)
{
    SkfWorld world;
    LoadedPlugin plugin(world);
    const auto [tokenRef, certRef] = refsOf(plugin.listTokens(), "sm2-person");
    const auto sha = sha256Of(pkiDer("sm2-person"));
    auto outcome = authenticate(plugin, tokenRef, certRef, sha, "654321", randomBytes(32));
    EXPECT_EQ(outcome.status, CABRIDGE_ERR_PIN_INCORRECT);
    EXPECT_EQ(outcome.err.retries_left, 2);
    EXPECT_EQ(outcome.err.final_try, 0);
    outcome = authenticate(plugin, tokenRef, certRef, sha, "654321", randomBytes(32));
    EXPECT_EQ(outcome.status, CABRIDGE_ERR_PIN_INCORRECT);
    EXPECT_EQ(outcome.err.retries_left, 1);
    EXPECT_EQ(outcome.err.final_try, 1);
    outcome = authenticate(plugin, tokenRef, certRef, sha, "654321", randomBytes(32));
    EXPECT_EQ(outcome.status, CABRIDGE_ERR_PIN_LOCKED);
    EXPECT_EQ(outcome.err.retries_left, 0);
    EXPECT_EQ(std::string(outcome.err.message).find("654321"), std::string::npos);
    const auto tokens = plugin.listTokens();
    for (const auto& token : tokens) {
        if (token["ref"] == tokenRef) {
            EXPECT_EQ(token["pinFlags"]["locked"], true);
            EXPECT_EQ(token["retriesLeft"], 0);
        }
    }
}

TEST(SkfPluginAbi, OldLoginSignLogoutCalls)
{
    SkfWorld world;
    LoadedPlugin plugin(world);
    const auto tokens = plugin.listTokens();
    const auto [tokenRef, certRef] = refsOf(tokens, "sm2-sign");
    const auto data = randomBytes(40);
    cabridge_error err {};
    Output early;
    EXPECT_EQ(plugin.api->sign(plugin.self, tokenRef.c_str(), certRef.c_str(), "SM2-SM3", data.data(), data.size(),
                               early.sink(), &err),
              CABRIDGE_ERR_NOT_LOGGED_IN);
    ASSERT_EQ(plugin.api->login(plugin.self, tokenRef.c_str(), kUserPin, 6, &err), CABRIDGE_OK) << err.message;
    Output signature;
    ASSERT_EQ(plugin.api->sign(plugin.self, tokenRef.c_str(), certRef.c_str(), "SM2-SM3", data.data(), data.size(),
                               signature.sink(), &err),
              CABRIDGE_OK)
        << err.message;
    EXPECT_TRUE(sm2Verifies("sm2-sign", data, signature.bytes));
    Output wrongAlgorithm;
    EXPECT_EQ(plugin.api->sign(plugin.self, tokenRef.c_str(), certRef.c_str(), "ES256", data.data(), data.size(),
                               wrongAlgorithm.sink(), &err),
              CABRIDGE_ERR_UNSUPPORTED);
    const auto [rsaToken, rsaCert] = refsOf(tokens, "skf-rsa");
    Output rsaAsSm2;
    EXPECT_EQ(plugin.api->sign(plugin.self, rsaToken.c_str(), rsaCert.c_str(), "SM2-SM3", data.data(), data.size(),
                               rsaAsSm2.sink(), &err),
              CABRIDGE_ERR_UNSUPPORTED);
    EXPECT_EQ(plugin.api->logout(plugin.self, tokenRef.c_str(), &err), CABRIDGE_OK);
    Output after;
    EXPECT_EQ(plugin.api->sign(plugin.self, tokenRef.c_str(), certRef.c_str(), "SM2-SM3", data.data(), data.size(),
                               after.sink(), &err),
              CABRIDGE_ERR_NOT_LOGGED_IN);
}

TEST(SkfPluginAbi, DescriptorSettingsShapeTheListing)
{
    SkfWorld world;
    {
        LoadedPlugin plugin(world);
        const auto tokens = plugin.listTokens();
        ASSERT_EQ(tokens.size(), 2u) << tokens.dump();
        EXPECT_EQ(tokens[0]["algorithms"], nlohmann::json::array({"RSA", "SM2"})) << tokens.dump();
        EXPECT_EQ(tokens[0]["interface"], "skf");
        EXPECT_NE(plugin.notice.find("libcabridge-softskf"), std::string::npos) << plugin.notice;
        // Stable references while inserted.
        EXPECT_EQ(plugin.listTokens()[0]["ref"], tokens[0]["ref"]);
    }
    {
        // softskf reports SM2 under identifier family A: read as family B it is not SM2.
        LoadedPlugin plugin(world, {{"algorithmIds", "B"}});
        EXPECT_EQ(plugin.listTokens()[0]["algorithms"], nlohmann::json::array({"RSA"}));
    }
    {
        LoadedPlugin plugin(world, {{"applications", {"OTHER-CA"}}});
        EXPECT_EQ(plugin.listTokens(), nlohmann::json::array());
    }
    {
        LoadedPlugin plugin(world, {{"libraries", {"/nonexistent/libskf.so"}}});
        EXPECT_EQ(plugin.listTokens(), nlohmann::json::array());
        EXPECT_NE(plugin.notice.find("/nonexistent/libskf.so"), std::string::npos) << plugin.notice;
    }
}

TEST(SkfPluginAbi, BadDescriptorIsInvalidConfig)
{
    SkfWorld world;
    void* library = dlopen(kSkfPlugin, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(library, nullptr);
    auto entry = reinterpret_cast<cabridge_plugin_entry_fn>(dlsym(library, CABRIDGE_PLUGIN_ENTRY_SYMBOL));
    const cabridge_plugin_api_v1* api = entry(CABRIDGE_PLUGIN_ABI_VERSION);
    for (const char* config : {R"({"id":"x","name":"x"})", R"({"id":"x","name":"x","libraries":["a"],"ulongBits":16})",
                               R"({"id":"x","name":"x","libraries":["a"],"algorithmIds":"C"})",
                               R"({"id":"x","name":"x","libraries":["a"],"signerId":""})",
                               R"({"id":"x","name":"x","libraries":["a"],"modules":["a"]})"}) {
        cabridge_plugin* self = nullptr;
        cabridge_error err {};
        EXPECT_EQ(api->create(config, &self, &err), CABRIDGE_ERR_INVALID_CONFIG) << config;
        EXPECT_EQ(self, nullptr);
    }
    dlclose(library);
}

TEST(SkfPluginAbi, OnlineUnlockThroughThePluginTable)
{
    SkfWorld world;
    LoadedPlugin plugin(
        world,
        {{"onlineUnlock", {{"challenge", "SKFX_GetUnblockChallenge"}, {"response", "SKFX_UnblockPINByResponse"}}}});
    ASSERT_NE(plugin.api->unblock_challenge, nullptr);
    ASSERT_NE(plugin.api->unblock_with_response, nullptr);
    Output described;
    cabridge_error err {};
    ASSERT_EQ(plugin.api->describe(plugin.self, described.sink(), &err), CABRIDGE_OK);
    EXPECT_EQ(described.json()["onlineUnlock"], true);
    const auto [tokenRef, certRef] = refsOf(plugin.listTokens(), "sm2-person");

    Output challenge;
    ASSERT_EQ(plugin.api->unblock_challenge(plugin.self, tokenRef.c_str(), challenge.sink(), &err), CABRIDGE_OK)
        << err.message;
    EXPECT_EQ(challenge.json()["serial"], "SKF2026000002");
    EXPECT_EQ(unbase64(challenge.json()["challenge"]).size(), 16U);
    EXPECT_EQ(world.device(1)["applications"][0]["unlockChallenge"].get<std::string>().size(), 32U);
    const std::vector<std::uint8_t> wrong(32, 0x5A);
    err = {};
    EXPECT_EQ(plugin.api->unblock_with_response(plugin.self, tokenRef.c_str(), wrong.data(), wrong.size(), "24680135",
                                                8, &err),
              CABRIDGE_ERR_PIN_INCORRECT);
    EXPECT_EQ(err.retries_left, 2);
    EXPECT_EQ(err.final_try, 0);
    EXPECT_EQ(std::string(err.message).find("24680135"), std::string::npos) << "no PIN in a message";
    err = {};
    EXPECT_EQ(
        plugin.api->unblock_with_response(plugin.self, tokenRef.c_str(), wrong.data(), wrong.size(), "123", 3, &err),
        CABRIDGE_ERR_PIN_INVALID)
        << "a new PIN the key refuses, before the response is tried";
    EXPECT_EQ(world.device(1)["unlock"]["remaining"], 2);
    err = {};
    EXPECT_EQ(plugin.api->unblock_challenge(plugin.self, "skf:nosuchtoken", challenge.sink(), &err),
              CABRIDGE_ERR_NO_TOKEN);
}

TEST(SkfPluginAbi, WithoutOnlineUnlockConfigThePairAnswersUnsupported)
{
    SkfWorld world;
    LoadedPlugin plugin(world);
    Output described;
    cabridge_error err {};
    ASSERT_EQ(plugin.api->describe(plugin.self, described.sink(), &err), CABRIDGE_OK);
    EXPECT_EQ(described.json()["onlineUnlock"], false);
    const auto [tokenRef, certRef] = refsOf(plugin.listTokens(), "sm2-person");
    Output challenge;
    EXPECT_EQ(plugin.api->unblock_challenge(plugin.self, tokenRef.c_str(), challenge.sink(), &err),
              CABRIDGE_ERR_UNSUPPORTED);
    const std::vector<std::uint8_t> response(32, 1);
    EXPECT_EQ(plugin.api->unblock_with_response(plugin.self, tokenRef.c_str(), response.data(), response.size(),
                                                "24680135", 8, &err),
              CABRIDGE_ERR_UNSUPPORTED);
    EXPECT_FALSE(world.device(1)["applications"][0].contains("unlockChallenge"));
}

}  // namespace
}  // namespace cabridge::skftest
