#include <cabridge/common/auth_message.h>

#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using cabridge::isLegacyChallengeText;
using cabridge::kAuthTokenFormat;
using cabridge::originBoundMessage;

namespace {

std::vector<std::uint8_t> bytes(const std::string &text) { return {text.begin(), text.end()}; }

std::vector<std::uint8_t> hash(const EVP_MD *md, const std::vector<std::uint8_t> &data) {
    std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned int length = 0;
    EXPECT_EQ(EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr), 1);
    out.resize(length);
    return out;
}

} // namespace

TEST(AuthMessage, OriginBoundMessageIsPrefixZeroAndTwoHashes) {
    const std::string origin = "https://si.hebei.example.gov.cn";
    const auto challenge = bytes("any challenge bytes \x01\x02");
    for (const EVP_MD *md : {EVP_sha256(), EVP_sha384(), EVP_sm3()}) {
        const auto message = originBoundMessage(md, origin, challenge);
        std::vector<std::uint8_t> expected = bytes("cabridge-auth:2");
        expected.push_back(0);
        const auto first = hash(md, bytes(origin));
        const auto second = hash(md, challenge);
        expected.insert(expected.end(), first.begin(), first.end());
        expected.insert(expected.end(), second.begin(), second.end());
        EXPECT_EQ(message, expected) << EVP_MD_get0_name(md);
        EXPECT_EQ(message.size(), 16 + 2 * static_cast<std::size_t>(EVP_MD_get_size(md)));
    }
    EXPECT_EQ(kAuthTokenFormat, "cabridge-auth:2");
    EXPECT_THROW(originBoundMessage(nullptr, origin, challenge), std::runtime_error);
}

TEST(AuthMessage, OriginAndChallengeStayApart) {
    // Moving bytes between origin and challenge changes the message.
    EXPECT_NE(originBoundMessage(EVP_sha256(), "https://a.example", bytes("bc-challenge-32-bytes-long-enough")),
              originBoundMessage(EVP_sha256(), "https://a.exampleb", bytes("c-challenge-32-bytes-long-enough")));
}

TEST(AuthMessage, LegacyChallengeTextBounds) {
    EXPECT_TRUE(isLegacyChallengeText(bytes("12345678")));
    EXPECT_TRUE(isLegacyChallengeText(std::vector<std::uint8_t>(256, 'x')));
    EXPECT_TRUE(isLegacyChallengeText(bytes("河北社保 ~ 登录")));
    EXPECT_TRUE(isLegacyChallengeText(bytes(" !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~")));
    EXPECT_FALSE(isLegacyChallengeText(bytes("1234567")));
    EXPECT_FALSE(isLegacyChallengeText(std::vector<std::uint8_t>(257, 'x')));
    EXPECT_FALSE(isLegacyChallengeText({}));
}

TEST(AuthMessage, LegacyChallengeTextRefusesControlsAndBadUtf8) {
    for (int control = 0; control < 0x20; ++control) {
        auto text = bytes("challenge text");
        text[3] = static_cast<std::uint8_t>(control);
        EXPECT_FALSE(isLegacyChallengeText(text)) << control;
    }
    auto del = bytes("challenge text");
    del.back() = 0x7F;
    EXPECT_FALSE(isLegacyChallengeText(del));
    EXPECT_FALSE(isLegacyChallengeText(bytes("cut \xE6\xB2 sequence")));
    EXPECT_FALSE(isLegacyChallengeText(bytes("overlong \xC0\xAF slash")));
    EXPECT_FALSE(isLegacyChallengeText(bytes("surrogate \xED\xA0\x80 here")));
    EXPECT_FALSE(isLegacyChallengeText(bytes("lone \x80 continuation")));
    // Every origin-bound message holds a zero byte, so none can be a legacy challenge.
    EXPECT_FALSE(isLegacyChallengeText(originBoundMessage(EVP_sha256(), "https://victim.example", bytes("12345678"))));
}
