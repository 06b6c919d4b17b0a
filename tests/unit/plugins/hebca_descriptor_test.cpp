// HeBCA as shipped: plugins/pkcs11-generic/descriptors/hebca.json's config given to the built
// libcabridge-pkcs11.so through its C ABI, without any token.
#include "hebca_descriptor.h"
#include "plugin_under_test.h"
#include <cabridge/test_support/der_values.h>
#include <cabridge/test_support/test_certificate.h>

#include <cabridge/common/identity.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <gtest/gtest.h>

using namespace cabridge::test;
using namespace cabridge::test_support;
using nlohmann::json;

namespace {
constexpr const char *kPlugin = CABRIDGE_PKCS11_PLUGIN_PATH;
}

TEST(Pkcs11Plugin, ExportsOnlyTheEntryPoint) {
    // Support-library symbols must stay hidden so two plugins cannot clash.
    const std::string command = std::string("nm -D --defined-only '") + kPlugin + "'";
    FILE *pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::vector<std::string> symbols;
    char line[512];
    while (fgets(line, sizeof line, pipe) != nullptr) {
        std::string text(line);
        const auto space = text.find_last_of(' ');
        symbols.push_back(text.substr(space + 1, text.find('\n') - space - 1));
    }
    ASSERT_EQ(pclose(pipe), 0);
    EXPECT_EQ(symbols, std::vector<std::string>{"cabridge_plugin_v1"});
}

TEST(HebcaDescriptor, DescribesHebca) {
    PluginUnderTest plugin(kPlugin, shippedHebcaConfig().dump());
    const auto r = plugin.describe();
    ASSERT_EQ(r.status, CABRIDGE_OK) << r.error.message;
    const json d = json::parse(r.output);
    EXPECT_EQ(d["id"], "hebca");
    EXPECT_EQ(d["name"], "河北 CA");
    EXPECT_FALSE(d["version"].get<std::string>().empty());
    EXPECT_EQ(d["origins"], json::array({"http://222.222.31.183:25688"}));
    EXPECT_EQ(d["legacyOrigins"], json::array());
    EXPECT_EQ(d["pin"], (json{{"minLength", 4}, {"maxLength", 16}, {"charset", "alnum"}}));
    for (const char *key : {"renew", "unlock", "lost", "reinsert", "contact"})
        EXPECT_FALSE(d["help"][key]["text"].get<std::string>().empty()) << key;
    EXPECT_NE(d["help"]["renew"]["text"].get<std::string>().find("老用户延期"), std::string::npos);
    EXPECT_NE(d["help"]["unlock"]["text"].get<std::string>().find("重置证书密码"), std::string::npos);
    EXPECT_NE(d["help"]["lost"]["text"].get<std::string>().find("丢失补办"), std::string::npos);
    EXPECT_EQ(d["help"]["renew"]["url"], "https://www.hebca.com");
    EXPECT_EQ(d["help"]["contact"]["phone"], "400-707-3355");
    EXPECT_NE(d["help"]["contact"]["text"].get<std::string>().find("0311-80912333"), std::string::npos);
}

TEST(HebcaDescriptor, NamesHebcaMiddlewareAndItsUniqueIdExtension) {
    const json config = shippedHebcaConfig();
    EXPECT_EQ(config["uniqueIdOid"], cabridge::kHebcaUniqueIdOid);
    EXPECT_EQ(config["identity"], "cn-org");
    ASSERT_FALSE(config["modules"].empty());
    for (const auto &module : config["modules"]) {
        std::string path = module.get<std::string>();
        std::transform(path.begin(), path.end(), path.begin(), [](unsigned char c) { return std::tolower(c); });
        EXPECT_NE(path.find("hebca"), std::string::npos) << module; // HeBCA's middleware, nobody else's
    }
}

TEST(HebcaDescriptor, AdministratorReplacesOriginsAndPinRules) {
    PluginUnderTest plugin(
        kPlugin, shippedHebcaConfigWith({{"origins", {"https://a.example"}},
                                         {"legacyOrigins", {"http://10.0.0.1:8080"}},
                                         {"pin", {{"minLength", 6}, {"maxLength", 6}, {"charset", "digits"}}}})
                     .dump());
    const json d = json::parse(plugin.describe().output);
    EXPECT_EQ(d["origins"], json::array({"https://a.example"}));
    EXPECT_EQ(d["legacyOrigins"], json::array({"http://10.0.0.1:8080"}));
    EXPECT_EQ(d["pin"], (json{{"minLength", 6}, {"maxLength", 6}, {"charset", "digits"}}));
}

TEST(HebcaDescriptor, UnusableReplacementIsInvalidConfig) {
    for (const char *replacement :
         {R"({"modules":"x.so"})", R"({"modules":[]})", R"({"modules":[1]})", R"({"retryCounter":"f"})",
          R"({"retryCounter":{"symbol":""}})", R"({"pin":{"minLength":0}})", R"({"pin":{"minLength":9,"maxLength":4}})",
          R"({"pin":{"charset":"emoji"}})", R"({"modul":["x"]})", R"({"uniqueIdOid":"1..2"})",
          R"({"help":{"renew":{"url":"https://x"}}})"}) {
        const auto r = PluginUnderTest::tryCreate(kPlugin, shippedHebcaConfigWith(json::parse(replacement)).dump());
        EXPECT_EQ(r.status, CABRIDGE_ERR_INVALID_CONFIG) << replacement;
        EXPECT_NE(r.error.message[0], '\0') << replacement;
    }
    EXPECT_EQ(PluginUnderTest::tryCreate(kPlugin, "[]").status, CABRIDGE_ERR_INVALID_CONFIG);
}

TEST(HebcaDescriptor, WithoutModuleListsNoTokensAndSaysWhereItLooked) {
    PluginUnderTest plugin(kPlugin,
                           shippedHebcaConfigWith({{"modules", {"/nonexistent/a.so", "/nonexistent/b.so"}}}).dump());
    const auto list = plugin.listTokens();
    ASSERT_EQ(list.status, CABRIDGE_OK);
    EXPECT_EQ(json::parse(list.output), json::array());
    EXPECT_NE(std::string(list.error.message).find("/nonexistent/a.so, /nonexistent/b.so"), std::string::npos);

    const auto login = plugin.login("serial", "1234");
    EXPECT_EQ(login.status, CABRIDGE_ERR_NO_TOKEN);
    EXPECT_EQ(std::string(login.error.message).find("1234"), std::string::npos);
    EXPECT_EQ(plugin.sign("serial", "01", "RS256", {1}).status, CABRIDGE_ERR_NO_TOKEN);
    EXPECT_EQ(plugin.logout("serial").status, CABRIDGE_OK);
}

TEST(HebcaDescriptor, IdentifyAppliesHebcaProfile) {
    PluginUnderTest plugin(kPlugin, shippedHebcaConfig().dump());
    CertificateSpec spec;
    spec.subject = {{"CN", "河北某某有限公司"}, {"OU", "91110000600037341L"}};
    spec.extensions = {{cabridge::kHebcaUniqueIdOid, derUtf8String("2@6021SF091110000600037341L")}};
    const auto key = generateKey(KeyType::P256);
    const auto r = plugin.identify(makeCertificateDer(spec, key.get()));
    ASSERT_EQ(r.status, CABRIDGE_OK) << r.error.message;
    EXPECT_EQ(json::parse(r.output), (json{{"unifiedSocialCreditCode", "91110000600037341L"},
                                           {"uscValid", true},
                                           {"vendorUniqueId", "2@6021SF091110000600037341L"}}));
    const auto junk = plugin.identify({0x30, 0x82, 0xff, 0xff, 0x01});
    ASSERT_EQ(junk.status, CABRIDGE_OK);
    EXPECT_EQ(json::parse(junk.output), json::object());
}
