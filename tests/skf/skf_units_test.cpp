// The SKF plugin's pure parts: SAR codes to statuses, name lists and DEVINFO as a vendor
// library writes them (both ULONG widths), and the descriptor's config.
#include "sar_status.h"
#include "skf_config.h"
#include "skf_parsing.h"

#include <cabridge/skf.h>
#include <cabridge/support/plugin_failure.h>

#include <gtest/gtest.h>

#include <cstring>

namespace cabridge::skf {
namespace {

TEST(SkfSar, EveryCodeHasAStatus)
{
    EXPECT_EQ(statusForSar(SAR_OK), CABRIDGE_OK);
    EXPECT_EQ(statusForSar(SAR_FAIL), CABRIDGE_ERR_DEVICE);
    EXPECT_EQ(statusForSar(SAR_DEVICE_REMOVED), CABRIDGE_ERR_TOKEN_REMOVED);
    EXPECT_EQ(statusForSar(SAR_PIN_INCORRECT), CABRIDGE_ERR_PIN_INCORRECT);
    EXPECT_EQ(statusForSar(SAR_PIN_LOCKED), CABRIDGE_ERR_PIN_LOCKED);
    EXPECT_EQ(statusForSar(SAR_PIN_INVALID), CABRIDGE_ERR_PIN_INVALID);
    EXPECT_EQ(statusForSar(SAR_PIN_LEN_RANGE), CABRIDGE_ERR_PIN_INVALID);
    EXPECT_EQ(statusForSar(SAR_USER_NOT_LOGGED_IN), CABRIDGE_ERR_NOT_LOGGED_IN);
    EXPECT_EQ(statusForSar(SAR_APPLICATION_NOT_EXISTS), CABRIDGE_ERR_NO_TOKEN);
    EXPECT_EQ(statusForSar(SAR_CERTNOTFOUNTERR), CABRIDGE_ERR_CERTIFICATE_NOT_FOUND);
    EXPECT_EQ(statusForSar(SAR_INVALIDHANDLEERR), CABRIDGE_ERR_PLUGIN);
    EXPECT_EQ(statusForSar(SAR_NOTSUPPORTYETERR), CABRIDGE_ERR_UNSUPPORTED);
    // A vendor's own code is a device failure.
    EXPECT_EQ(statusForSar(0x0A0000FFu), CABRIDGE_ERR_DEVICE);
    // Every specified code from SAR_FAIL to SAR_FILE_NOT_EXIST has a name.
    for (std::uint32_t code = SAR_FAIL; code <= SAR_FILE_NOT_EXIST; ++code)
        EXPECT_EQ(sarName(code).rfind("SAR_", 0), 0u) << std::hex << code;
    EXPECT_EQ(sarName(0x0A0000FFu), "0x0A0000FF");
    try {
        throwUnlessOk(SAR_DEVICE_REMOVED, "SKF_ECCSignData");
        ADD_FAILURE() << "no throw";
    } catch (const PluginFailure& e) {
        EXPECT_EQ(e.status(), CABRIDGE_ERR_TOKEN_REMOVED);
        EXPECT_NE(std::string(e.what()).find("SKF_ECCSignData returned SAR_DEVICE_REMOVED"), std::string::npos);
    }
    EXPECT_NO_THROW(throwUnlessOk(SAR_OK, "SKF_EnumDev"));
}

TEST(SkfParsing, NameListsAreBoundedByTheBuffer)
{
    const char list[] = "dev0\0HEBCA-SKF-2\0\0junk";
    EXPECT_EQ(parseNameList({list, sizeof list}), (std::vector<std::string> {"dev0", "HEBCA-SKF-2"}));
    EXPECT_EQ(parseNameList({list, 3}), (std::vector<std::string> {"dev"}));
    EXPECT_TRUE(parseNameList({list, 0}).empty());
    const char empty[] = "\0\0";
    EXPECT_TRUE(parseNameList({empty, 2}).empty());
    std::string many;
    for (int i = 0; i < 300; ++i) many += "n" + std::to_string(i) + '\0';
    EXPECT_EQ(parseNameList({many.data(), many.size()}).size(), 256u);
}

std::vector<std::uint8_t> devInfo(int ulongBits)
{
    std::vector<std::uint8_t> info(198 + 8 * (ulongBits / 8) + 64, 0);
    std::memcpy(info.data() + 2, "cabridge softskf", 16);
    std::memcpy(info.data() + 130, "HEBCA SM2 KEY 1   ", 18);  // padded with spaces
    std::memset(info.data() + 162, 'S', 32);                   // no NUL: the field's end ends it
    const std::uint64_t cap = SGD_RSA | SKF_SGD_FAMILY_A_SM2_1;
    for (int i = 0; i < ulongBits / 8; ++i) info[198 + ulongBits / 8 + i] = static_cast<std::uint8_t>(cap >> (8 * i));
    return info;
}

TEST(SkfParsing, DevInfoInBothWidths)
{
    for (int bits : {32, 64}) {
        const auto info = parseDevInfo(devInfo(bits), bits);
        EXPECT_EQ(info.manufacturer, "cabridge softskf");
        EXPECT_EQ(info.label, "HEBCA SM2 KEY 1");
        EXPECT_EQ(info.serial, std::string(32, 'S'));
        EXPECT_EQ(info.algAsymCap, SGD_RSA | SKF_SGD_FAMILY_A_SM2_1) << bits;
        auto tooShort = devInfo(bits);
        tooShort.pop_back();
        EXPECT_THROW(parseDevInfo(tooShort, bits), std::invalid_argument);
    }
    // Read with the wrong width, the capabilities are another field's.
    EXPECT_NE(parseDevInfo(devInfo(64), 32).algAsymCap, SGD_RSA | SKF_SGD_FAMILY_A_SM2_1);
}

TEST(SkfConfig, DefaultsAndRefusals)
{
    const auto config = parseSkfConfig({{"id", "hebca-skf"}, {"name", "n"}, {"libraries", {"/a.so"}}});
    EXPECT_EQ(config.ulongBits, 32);
    EXPECT_EQ(config.algorithmIds, AlgorithmIdFamily::A);
    EXPECT_EQ(config.signerId, "1234567812345678");
    EXPECT_EQ(sm2SignatureAlgId(AlgorithmIdFamily::A), 0x00020200u);
    EXPECT_EQ(sm2SignatureAlgId(AlgorithmIdFamily::B), 0x00020100u);
    const auto wide = parseSkfConfig({{"id", "x"},
                                      {"name", "n"},
                                      {"libraries", {"/a.so"}},
                                      {"ulongBits", 64},
                                      {"algorithmIds", "B"},
                                      {"applications", {"HEBCA"}}});
    EXPECT_EQ(wide.ulongBits, 64);
    EXPECT_EQ(wide.algorithmIds, AlgorithmIdFamily::B);
    EXPECT_EQ(wide.applications, std::vector<std::string> {"HEBCA"});
    for (const nlohmann::json& bad : {
             nlohmann::json {{"name", "n"}, {"libraries", {"/a.so"}}},
             nlohmann::json {{"id", "X"}, {"name", "n"}, {"libraries", {"/a.so"}}},
             nlohmann::json {{"id", "x"}, {"name", "n"}, {"libraries", nlohmann::json::array()}},
             nlohmann::json {{"id", "x"}, {"name", "n"}, {"libraries", {"/a.so"}}, {"ulongBits", 48}},
             nlohmann::json {{"id", "x"}, {"name", "n"}, {"libraries", {"/a.so"}}, {"signerId", "中文"}},
             nlohmann::json {{"id", "x"}, {"name", "n"}, {"libraries", {"/a.so"}}, {"help", {{"renew", {}}}}},
             nlohmann::json {{"id", "x"}, {"name", "n"}, {"libraries", {"/a.so"}}, {"tokenLabels", {"a"}}},
         }) {
        try {
            parseSkfConfig(bad);
            ADD_FAILURE() << bad.dump();
        } catch (const PluginFailure& e) {
            EXPECT_EQ(e.status(), CABRIDGE_ERR_INVALID_CONFIG) << bad.dump();
            EXPECT_EQ(std::string(e.what()).rfind("skf config: ", 0), 0u) << e.what();
        }
    }
}

TEST(SkfConfig, OnlineUnlockNamesTheVendorsTwoCalls)
{
    const nlohmann::json base = {{"id", "x"}, {"name", "n"}, {"libraries", {"/a.so"}}};
    EXPECT_FALSE(parseSkfConfig(base).onlineUnlock.has_value());
    auto config = base;
    config["onlineUnlock"] = {{"challenge", "SKFX_GetUnblockChallenge"}, {"response", "SKFX_UnblockPINByResponse"}};
    const auto parsed = parseSkfConfig(config);
    ASSERT_TRUE(parsed.onlineUnlock.has_value());
    EXPECT_EQ(parsed.onlineUnlock->challenge, "SKFX_GetUnblockChallenge");
    EXPECT_EQ(parsed.onlineUnlock->response, "SKFX_UnblockPINByResponse");
    for (const nlohmann::json& bad : {
             nlohmann::json(true),
             nlohmann::json {{"challenge", "SKFX_A"}},
             nlohmann::json {{"response", "SKFX_B"}},
             nlohmann::json {{"challenge", "SKFX_A"}, {"response", "SKFX_B"}, {"extra", "C"}},
             nlohmann::json {{"challenge", "1SKFX"}, {"response", "SKFX_B"}},
             nlohmann::json {{"challenge", "SKFX_A"}, {"response", "lib.so:SKFX_B"}},
             nlohmann::json {{"challenge", ""}, {"response", "SKFX_B"}},
             nlohmann::json {{"challenge", std::string(65, 'A')}, {"response", "SKFX_B"}},
             nlohmann::json {{"challenge", 7}, {"response", "SKFX_B"}},
         }) {
        config["onlineUnlock"] = bad;
        try {
            parseSkfConfig(config);
            ADD_FAILURE() << bad.dump();
        } catch (const PluginFailure& e) {
            EXPECT_EQ(e.status(), CABRIDGE_ERR_INVALID_CONFIG) << bad.dump();
            EXPECT_NE(std::string(e.what()).find("onlineUnlock"), std::string::npos) << e.what();
        }
    }
}

}  // namespace
}  // namespace cabridge::skf
