// The C boundary built by plugin_glue.h, exercised with a small in-test plugin.
#include <cabridge/support/plugin_glue.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <stdexcept>

using namespace cabridge;

namespace {

class GlueProbe final : public PluginInstance {
public:
    static std::unique_ptr<GlueProbe> create(const nlohmann::json &config) {
        if (config.contains("fail"))
            throw PluginFailure(CABRIDGE_ERR_INVALID_CONFIG, "bad config");
        return std::make_unique<GlueProbe>();
    }
    nlohmann::json describe() override { return {{"id", "probe"}, {"name", "探针"}}; }
    nlohmann::json listTokens() override {
        notice = "tried /nowhere";
        return nlohmann::json::array({{{"label", std::string("\xC4\xE3\xBA\xC3", 4)}}, // GBK, not UTF-8
                                      {{"ref", "t1"}, {"label", "one"}},
                                      {{"ref", "t2"}, {"label", "two"}}});
    }
    nlohmann::json identify(std::span<const std::uint8_t> der) override {
        if (der.empty())
            throw std::runtime_error(std::string(600, 'x'));
        return nlohmann::json::object();
    }
    void login(std::string_view, std::string_view pin) override {
        PluginFailure e(CABRIDGE_ERR_PIN_INCORRECT, "C_Login failed: CKR_PIN_INCORRECT", CKR_PIN_INCORRECT_VALUE);
        e.setRetriesLeft(2);
        e.setFinalTry(pin == "final");
        throw e;
    }
    std::vector<std::uint8_t> sign(std::string_view, std::string_view, std::string_view,
                                   std::span<const std::uint8_t> data) override {
        if (data.size() == 1)
            throw std::bad_alloc();
        return {1, 2, 3};
    }
    void logout(std::string_view) override { throw 42; }

    static constexpr std::uint32_t CKR_PIN_INCORRECT_VALUE = 0xA0;
};

// A plugin that offers check_certificate: holds only the certificate "01" with hash {7, 7, ...}
// on token "t".
class CheckingProbe final : public PluginInstance {
public:
    static std::unique_ptr<CheckingProbe> create(const nlohmann::json &) { return std::make_unique<CheckingProbe>(); }
    nlohmann::json describe() override { return nlohmann::json::object(); }
    nlohmann::json listTokens() override { return nlohmann::json::array(); }
    nlohmann::json identify(std::span<const std::uint8_t>) override { return nlohmann::json::object(); }
    void login(std::string_view, std::string_view) override {}
    std::vector<std::uint8_t> sign(std::string_view, std::string_view, std::string_view,
                                   std::span<const std::uint8_t>) override {
        return {1, 2, 3};
    }
    void checkCertificate(std::string_view tokenRef, std::string_view certRef,
                          std::span<const std::uint8_t, 32> certSha256) {
        if (tokenRef != "t")
            throw PluginFailure(CABRIDGE_ERR_NO_TOKEN, "no such token");
        if (certRef != "01" || std::ranges::any_of(certSha256, [](std::uint8_t b) { return b != 7; }))
            throw PluginFailure(CABRIDGE_ERR_CERTIFICATE_NOT_FOUND, "not that certificate");
    }
    void logout(std::string_view) override {}
};

void append(void *ctx, const uint8_t *data, size_t len) {
    static_cast<std::string *>(ctx)->append(reinterpret_cast<const char *>(data), len);
}

struct Glued : ::testing::Test {
    const cabridge_plugin_api_v1 *api = pluginApiFor<GlueProbe>(CABRIDGE_PLUGIN_ABI_VERSION);
    cabridge_plugin *self = nullptr;
    cabridge_error err{};
    std::string out;
    cabridge_sink sink{&out, &append};
    void SetUp() override { ASSERT_EQ(api->create("{}", &self, &err), CABRIDGE_OK); }
    void TearDown() override { api->destroy(self); }
};

} // namespace

TEST(PluginGlue, TableMatchesAbiAndRefusesOlderHosts) {
    const auto *api = pluginApiFor<GlueProbe>(CABRIDGE_PLUGIN_ABI_VERSION);
    ASSERT_NE(api, nullptr);
    EXPECT_EQ(api->abi_version, CABRIDGE_PLUGIN_ABI_VERSION);
    EXPECT_EQ(api->struct_size, sizeof(cabridge_plugin_api_v1));
    EXPECT_EQ(pluginApiFor<GlueProbe>(0), nullptr);
}

TEST(PluginGlue, CreateRejectsNonObjectConfigAndPassesPluginErrors) {
    const auto *api = pluginApiFor<GlueProbe>(CABRIDGE_PLUGIN_ABI_VERSION);
    cabridge_plugin *self = nullptr;
    cabridge_error err{};
    EXPECT_EQ(api->create("[1,2]", &self, &err), CABRIDGE_ERR_INVALID_CONFIG);
    EXPECT_EQ(self, nullptr);
    EXPECT_EQ(api->create("{not json", &self, &err), CABRIDGE_ERR_INVALID_CONFIG);
    EXPECT_EQ(api->create(R"({"fail":1})", &self, &err), CABRIDGE_ERR_INVALID_CONFIG);
    EXPECT_STREQ(err.message, "bad config");
    api->destroy(nullptr); // allowed
}

TEST_F(Glued, WritesJsonAndReplacesInvalidUtf8) {
    ASSERT_EQ(api->describe(self, sink, &err), CABRIDGE_OK);
    EXPECT_EQ(nlohmann::json::parse(out)["name"], "探针");
    out.clear();
    ASSERT_EQ(api->list_tokens(self, sink, &err), CABRIDGE_OK);
    EXPECT_TRUE(nlohmann::json::accept(out)); // valid UTF-8 despite the GBK label
    EXPECT_STREQ(err.message, "tried /nowhere");
}

TEST_F(Glued, DefaultListTokenFiltersListTokensByRef) {
    ASSERT_GE(api->struct_size, offsetof(cabridge_plugin_api_v1, list_token) + sizeof api->list_token);
    ASSERT_NE(api->list_token, nullptr);
    ASSERT_EQ(api->list_token(self, "t2", sink, &err), CABRIDGE_OK);
    EXPECT_EQ(nlohmann::json::parse(out), nlohmann::json::parse(R"([{"ref":"t2","label":"two"}])"));
    EXPECT_STREQ(err.message, "tried /nowhere"); // the listing's notice comes along
    out.clear();
    ASSERT_EQ(api->list_token(self, "t3", sink, &err), CABRIDGE_OK);
    EXPECT_EQ(nlohmann::json::parse(out), nlohmann::json::array());
    EXPECT_EQ(api->list_token(self, nullptr, sink, &err), CABRIDGE_ERR_PLUGIN);
}

TEST_F(Glued, CheckCertificateIsAbsentUnlessThePluginOffersIt) {
    ASSERT_GE(api->struct_size, offsetof(cabridge_plugin_api_v1, check_certificate) + sizeof api->check_certificate);
    EXPECT_EQ(api->check_certificate, nullptr);
}

TEST(GluedCheckCertificate, PassesTheHashAndTheAnswerThrough) {
    const cabridge_plugin_api_v1 *api = pluginApiFor<CheckingProbe>(CABRIDGE_PLUGIN_ABI_VERSION);
    ASSERT_NE(api->check_certificate, nullptr);
    cabridge_plugin *self = nullptr;
    cabridge_error err{};
    ASSERT_EQ(api->create("{}", &self, &err), CABRIDGE_OK);
    std::array<std::uint8_t, 32> hash{};
    hash.fill(7);
    EXPECT_EQ(api->check_certificate(self, "t", "01", hash.data(), &err), CABRIDGE_OK);
    EXPECT_EQ(api->check_certificate(self, "gone", "01", hash.data(), &err), CABRIDGE_ERR_NO_TOKEN);
    EXPECT_EQ(api->check_certificate(self, "t", "02", hash.data(), &err), CABRIDGE_ERR_CERTIFICATE_NOT_FOUND);
    hash[31] = 8;
    EXPECT_EQ(api->check_certificate(self, "t", "01", hash.data(), &err), CABRIDGE_ERR_CERTIFICATE_NOT_FOUND);
    EXPECT_STREQ(err.message, "not that certificate");
    EXPECT_EQ(api->check_certificate(self, "t", "01", nullptr, &err), CABRIDGE_ERR_PLUGIN);
    EXPECT_EQ(api->check_certificate(self, nullptr, "01", hash.data(), &err), CABRIDGE_ERR_PLUGIN);
    api->destroy(self);
}

TEST_F(Glued, PluginErrorFieldsReachTheHost) {
    EXPECT_EQ(api->login(self, "t", "final", 5, &err), CABRIDGE_ERR_PIN_INCORRECT);
    EXPECT_EQ(err.retries_left, 2);
    EXPECT_EQ(err.final_try, 1);
    EXPECT_EQ(err.ckr, GlueProbe::CKR_PIN_INCORRECT_VALUE);
    EXPECT_STREQ(err.message, "C_Login failed: CKR_PIN_INCORRECT");
    EXPECT_EQ(std::string(err.message).find("final"), std::string::npos); // the PIN is not in the message
}

TEST_F(Glued, OtherExceptionsBecomePluginErrorWithTruncatedMessage) {
    EXPECT_EQ(api->identify(self, nullptr, 0, sink, &err), CABRIDGE_ERR_PLUGIN);
    EXPECT_EQ(std::string(err.message).size(), sizeof err.message - 1);
    const std::uint8_t one = 1;
    EXPECT_EQ(api->sign(self, "t", "c", "RS256", &one, 1, sink, &err), CABRIDGE_ERR_PLUGIN);
    EXPECT_STREQ(err.message, "out of memory");
    EXPECT_EQ(api->logout(self, "t", &err), CABRIDGE_ERR_PLUGIN);
    EXPECT_STREQ(err.message, "unknown exception");
}

TEST_F(Glued, NullArgumentsAreRefusedNotDereferenced) {
    EXPECT_EQ(api->login(self, nullptr, "1", 1, &err), CABRIDGE_ERR_PLUGIN);
    EXPECT_EQ(api->sign(self, "t", nullptr, "RS256", nullptr, 0, sink, &err), CABRIDGE_ERR_PLUGIN);
    EXPECT_EQ(api->identify(self, nullptr, 5, sink, &err), CABRIDGE_ERR_PLUGIN);
}

TEST(SetErrorMessage, CutsAtUtf8CharacterBoundary) {
    cabridge_error err{};
    std::string text(510, 'a');
    text += "中文"; // 3-byte characters straddling the 511-byte limit
    setErrorMessage(&err, text);
    EXPECT_EQ(std::string(err.message), std::string(510, 'a'));
}

namespace {

// A glued plugin with change_pin and unblock_pin: remembers the PINs it was given (so the test
// can see they arrive whole, with their lengths) and fails like a token on a wrong one.
class PinProbe final : public PluginInstance {
public:
    static std::unique_ptr<PinProbe> create(const nlohmann::json &) { return std::make_unique<PinProbe>(); }
    nlohmann::json describe() override { return nlohmann::json::object(); }
    nlohmann::json listTokens() override { return nlohmann::json::array(); }
    nlohmann::json identify(std::span<const std::uint8_t>) override { return nlohmann::json::object(); }
    void login(std::string_view, std::string_view) override {}
    std::vector<std::uint8_t> sign(std::string_view, std::string_view, std::string_view,
                                   std::span<const std::uint8_t>) override {
        return {};
    }
    void logout(std::string_view) override {}
    void changePin(std::string_view tokenRef, std::string_view oldPin, std::string_view newPin) {
        seen = std::string(tokenRef) + "|" + std::string(oldPin) + "|" + std::string(newPin);
        if (oldPin != "1234") {
            PluginFailure wrong(CABRIDGE_ERR_PIN_INCORRECT, "wrong old PIN");
            wrong.setRetriesLeft(2);
            throw wrong;
        }
    }
    void unblockPin(std::string_view tokenRef, std::string_view soPin, std::string_view newPin) {
        seen = std::string(tokenRef) + "|" + std::string(soPin) + "|" + std::string(newPin);
        if (soPin != "admin")
            throw PluginFailure(CABRIDGE_ERR_PIN_LOCKED, "administrator PIN locked");
    }
    std::string seen;
};

} // namespace

TEST_F(Glued, PinCallsAreAbsentUnlessThePluginOffersThem) {
    ASSERT_GE(api->struct_size, offsetof(cabridge_plugin_api_v1, unblock_pin) + sizeof api->unblock_pin);
    EXPECT_EQ(api->change_pin, nullptr);
    EXPECT_EQ(api->unblock_pin, nullptr);
}

TEST(GluedPinCalls, PassPinsWholeAndFailuresThrough) {
    static_assert(ChangesPin<PinProbe> && UnblocksPin<PinProbe>);
    const cabridge_plugin_api_v1 *api = pluginApiFor<PinProbe>(CABRIDGE_PLUGIN_ABI_VERSION);
    ASSERT_NE(api->change_pin, nullptr);
    ASSERT_NE(api->unblock_pin, nullptr);
    cabridge_plugin *self = nullptr;
    cabridge_error err{};
    ASSERT_EQ(api->create("{}", &self, &err), CABRIDGE_OK);
    auto &probe = *static_cast<PinProbe *>(self);
    // Lengths, not NUL terminators, bound the PINs.
    EXPECT_EQ(api->change_pin(self, "t", "1234xx", 4, "5678yy", 4, &err), CABRIDGE_OK);
    EXPECT_EQ(probe.seen, "t|1234|5678");
    err = {};
    EXPECT_EQ(api->change_pin(self, "t", "9999", 4, "5678", 4, &err), CABRIDGE_ERR_PIN_INCORRECT);
    EXPECT_EQ(err.retries_left, 2);
    EXPECT_STREQ(err.message, "wrong old PIN");
    EXPECT_EQ(api->unblock_pin(self, "t", "admin", 5, "5678", 4, &err), CABRIDGE_OK);
    EXPECT_EQ(probe.seen, "t|admin|5678");
    EXPECT_EQ(api->unblock_pin(self, "t", "nope", 4, "5678", 4, &err), CABRIDGE_ERR_PIN_LOCKED);
    EXPECT_EQ(api->change_pin(self, nullptr, "1234", 4, "5678", 4, &err), CABRIDGE_ERR_PLUGIN);
    EXPECT_EQ(api->unblock_pin(self, "t", nullptr, 4, "5678", 4, &err), CABRIDGE_ERR_PLUGIN);
    api->destroy(self);
}

namespace {

// A glued plugin with the online-unlock pair: a challenge "abc" for token "t"; the response
// {1, 2, 3} unlocks, anything else is refused with 4 responses left.
class OnlineUnlockProbe final : public PluginInstance {
public:
    static std::unique_ptr<OnlineUnlockProbe> create(const nlohmann::json &) {
        return std::make_unique<OnlineUnlockProbe>();
    }
    nlohmann::json describe() override { return nlohmann::json::object(); }
    nlohmann::json listTokens() override { return nlohmann::json::array(); }
    nlohmann::json identify(std::span<const std::uint8_t>) override { return nlohmann::json::object(); }
    void login(std::string_view, std::string_view) override {}
    std::vector<std::uint8_t> sign(std::string_view, std::string_view, std::string_view,
                                   std::span<const std::uint8_t>) override {
        return {};
    }
    void logout(std::string_view) override {}
    nlohmann::json unblockChallenge(std::string_view tokenRef) {
        if (tokenRef != "t")
            throw PluginFailure(CABRIDGE_ERR_NO_TOKEN, "no such token");
        return {{"challenge", "YWJj"}, {"serial", "S1"}};
    }
    void unblockWithResponse(std::string_view tokenRef, std::span<const std::uint8_t> response,
                             std::string_view newPin) {
        seen = std::string(tokenRef) + "|" + std::to_string(response.size()) + "|" + std::string(newPin);
        if (response.size() != 3 || response[0] != 1 || response[1] != 2 || response[2] != 3) {
            PluginFailure wrong(CABRIDGE_ERR_PIN_INCORRECT, "response refused");
            wrong.setRetriesLeft(4);
            throw wrong;
        }
    }
    std::string seen;
};

} // namespace

TEST_F(Glued, OnlineUnlockCallsAreAbsentUnlessThePluginOffersThem) {
    static_assert(!UnblocksOnline<PinProbe>);
    ASSERT_GE(api->struct_size,
              offsetof(cabridge_plugin_api_v1, unblock_with_response) + sizeof api->unblock_with_response);
    EXPECT_EQ(api->unblock_challenge, nullptr);
    EXPECT_EQ(api->unblock_with_response, nullptr);
    EXPECT_EQ(pluginApiFor<PinProbe>(CABRIDGE_PLUGIN_ABI_VERSION)->unblock_challenge, nullptr);
}

TEST(GluedOnlineUnlock, ChallengeAndResponsePassThrough) {
    static_assert(UnblocksOnline<OnlineUnlockProbe>);
    const cabridge_plugin_api_v1 *api = pluginApiFor<OnlineUnlockProbe>(CABRIDGE_PLUGIN_ABI_VERSION);
    ASSERT_NE(api->unblock_challenge, nullptr);
    ASSERT_NE(api->unblock_with_response, nullptr);
    EXPECT_EQ(api->change_pin, nullptr) << "the pair does not bring the other PIN calls";
    cabridge_plugin *self = nullptr;
    cabridge_error err{};
    ASSERT_EQ(api->create("{}", &self, &err), CABRIDGE_OK);
    auto &probe = *static_cast<OnlineUnlockProbe *>(self);
    std::string out;
    const cabridge_sink sink{&out, [](void *ctx, const std::uint8_t *data, std::size_t len) {
                                 static_cast<std::string *>(ctx)->append(reinterpret_cast<const char *>(data), len);
                             }};
    ASSERT_EQ(api->unblock_challenge(self, "t", sink, &err), CABRIDGE_OK);
    EXPECT_EQ(nlohmann::json::parse(out), (nlohmann::json{{"challenge", "YWJj"}, {"serial", "S1"}}));
    EXPECT_EQ(api->unblock_challenge(self, "gone", sink, &err), CABRIDGE_ERR_NO_TOKEN);
    const std::uint8_t right[] = {1, 2, 3, 9};
    // Lengths, not terminators, bound the response and the PIN.
    EXPECT_EQ(api->unblock_with_response(self, "t", right, 3, "5678yy", 4, &err), CABRIDGE_OK);
    EXPECT_EQ(probe.seen, "t|3|5678");
    err = {};
    EXPECT_EQ(api->unblock_with_response(self, "t", right, 4, "5678", 4, &err), CABRIDGE_ERR_PIN_INCORRECT);
    EXPECT_EQ(err.retries_left, 4);
    EXPECT_STREQ(err.message, "response refused");
    EXPECT_EQ(api->unblock_with_response(self, "t", nullptr, 3, "5678", 4, &err), CABRIDGE_ERR_PLUGIN);
    EXPECT_EQ(api->unblock_challenge(self, nullptr, sink, &err), CABRIDGE_ERR_PLUGIN);
    api->destroy(self);
}
