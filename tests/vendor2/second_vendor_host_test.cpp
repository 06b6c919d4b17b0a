// Issue "the second vendor", end to end through the real cabridge-host: an
// installation with only HeBCA, `cabridge plugins add` of a generic-PKCS#11
// vendor, then status / list-certificates / authenticate, and cabridge-verify
// accepting the token.
#include "vendor2_fixture.h"

#include <cabridge/test_support/host_process.h>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <map>

#include <vector>

namespace fs = std::filesystem;
using cabridge::vendor2::Installation;
using nlohmann::json;

namespace {

std::string randomChallenge()
{
    std::vector<unsigned char> bytes(32);
    EXPECT_EQ(RAND_bytes(bytes.data(), static_cast<int>(bytes.size())), 1);
    std::string b64(64, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), bytes.data(),
                                  static_cast<int>(bytes.size()));
    b64.resize(static_cast<std::size_t>(n));
    return b64;
}

json request(cabridge::test_support::HostProcess& host, int id, const std::string& command, const json& arguments)
{
    return host.request(
        {{"id", id}, {"command", command}, {"origin", cabridge::vendor2::kPortalOrigin}, {"arguments", arguments}},
        std::chrono::milliseconds(30000));
}

TEST(SecondVendor, AddedWithoutRebuildAndLogsInThroughTheHost)
{
    Installation inst;
    inst.provisionToken(cabridge::vendor2::kHebcaLabel, {"org-rsa"});
    inst.provisionToken(cabridge::vendor2::kDemoLabel, {"org-ec"});

    {
        cabridge::test_support::HostProcess before(inst.hostConfig(), cabridge::test_support::kTestExtensionOrigin,
                                                   inst.environment());
        const json status = request(before, 1, "status", json::object());
        ASSERT_TRUE(status.contains("result")) << status.dump();
        ASSERT_EQ(status["result"]["plugins"].size(), 1u) << status.dump();
        EXPECT_EQ(status["result"]["plugins"][0]["id"], "hebca");
    }

    const auto add = inst.cabridge({"plugins", "add",
                                    inst.writeDescriptor("demo.json", Installation::demoDescriptor()).string(),
                                    "--root", inst.root().string()});
    ASSERT_EQ(add.exitCode, 0) << add.err;

    cabridge::test_support::HostProcess host(inst.hostConfig(), cabridge::test_support::kTestExtensionOrigin,
                                             inst.environment());
    const json status = request(host, 2, "status", json::object());
    ASSERT_TRUE(status.contains("result")) << status.dump();
    std::map<std::string, json> plugins;
    for (const auto& p : status["result"]["plugins"]) plugins[p["id"].get<std::string>()] = p;
    ASSERT_EQ(plugins.size(), 2u) << status.dump();
    EXPECT_EQ(plugins["hebca"]["state"], "ok") << status.dump();
    EXPECT_EQ(plugins["demo-ca"]["state"], "ok") << status.dump();
    EXPECT_EQ(plugins["demo-ca"]["name"], "演示 CA");

    const json list = request(host, 3, "list-certificates", json::object());
    ASSERT_TRUE(list.contains("result")) << list.dump();
    json demoCert;
    int demoCount = 0;
    bool hebcaHasOrgRsa = false;
    for (const auto& cert : list["result"]["certificates"]) {
        if (cert["vendor"] == "demo-ca") {
            ++demoCount;
            demoCert = cert;
            EXPECT_EQ(cert["token"]["label"], cabridge::vendor2::kDemoLabel) << "tokenLabels not applied";
        } else if (cert["vendor"] == "hebca" && cert["token"]["label"] == cabridge::vendor2::kHebcaLabel) {
            hebcaHasOrgRsa = true;
        }
    }
    ASSERT_EQ(demoCount, 1) << list.dump(2);
    EXPECT_TRUE(hebcaHasOrgRsa) << list.dump(2);
    EXPECT_EQ(demoCert["subject"]["O"], "石家庄示例商贸有限公司");
    EXPECT_EQ(demoCert["identity"]["unifiedSocialCreditCode"], "91130102MA0CX8NW8P");  // "cn-org" profile

    const std::string challenge = randomChallenge();
    const json auth = request(
        host, 4, "authenticate",
        {{"certificateId", demoCert["id"]}, {"challenge", challenge}, {"pin", cabridge::vendor2::kPin}});
    ASSERT_TRUE(auth.contains("result")) << auth.dump();
    const json token = auth["result"]["token"];
    EXPECT_EQ(token["algorithm"], "ES256");

    const auto verify = cabridge::vendor2::runProgram(
        CABRIDGE_V2_VERIFY,
        {"--token", "-", "--origin", cabridge::vendor2::kPortalOrigin, "--challenge", challenge, "--ca",
         (inst.pkiDir() / "root.pem").string(), "--intermediate", (inst.pkiDir() / "intermediate.pem").string()},
        {}, token.dump());
    EXPECT_EQ(verify.exitCode, 0) << verify.out << verify.err;

    // The vendor's own PIN rules (6..8 digits) are applied before the token is touched.
    const json badPin = request(host, 5, "authenticate",
                                {{"certificateId", demoCert["id"]}, {"challenge", randomChallenge()}, {"pin", "12ab"}});
    ASSERT_TRUE(badPin.contains("error")) << badPin.dump();
    EXPECT_EQ(badPin["error"]["code"], "PIN_INVALID");
}

}  // namespace
