// The real host with HeBCA's shipped descriptor (the generic PKCS#11 plugin, every setting as
// shipped but its module: SoftHSM) over SoftHSM2 tokens provisioned by
// tools/pki (test-fixture.sh: HEBCA-KEY-1 with org-rsa, org-ec, expired,
// expiring; HEBCA-KEY-2 with org-ec384, bad-uscc; EMPTY-KEY; PIN 123456).
#include <cabridge/test_support/host_process.h>

#include <cabridge/common/encoding.h>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <set>

using namespace cabridge::test_support;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPortal = "http://222.222.31.183:25688";  // the shipped hebca.json's origin

// The shipped hebca.json as built, with SoftHSM as its only module candidate.
nlohmann::json shippedHebcaOnSoftHsm()
{
    std::ifstream in(CABRIDGE_PLUGIN_BUILD_DIR "/hebca.json");
    nlohmann::json descriptor = nlohmann::json::parse(in);
    descriptor["config"]["modules"] = {"/usr/lib/softhsm/libsofthsm2.so"};
    return descriptor;
}

class HostSoftHsm : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        fixtureDir_ = std::make_unique<TempDir>();
        const std::string command = std::string(CABRIDGE_SOURCE_DIR "/tools/pki/test-fixture.sh ") +
                                    fixtureDir_->path().string() + " > /dev/null 2>&1";
        ASSERT_EQ(std::system(command.c_str()), 0) << command;
        std::ifstream in(fixtureDir_->path() / "fixture.json");
        fixture_ = nlohmann::json::parse(in);
    }
    static void TearDownTestSuite() { fixtureDir_.reset(); }

    HostSoftHsm()
    {
        const auto plugins = dir_.path() / "plugins";
        std::filesystem::create_directories(plugins);
        std::filesystem::copy_file(CABRIDGE_PLUGIN_BUILD_DIR "/libcabridge-pkcs11.so",
                                   plugins / "libcabridge-pkcs11.so");
        dir_.write("plugins/hebca.json", shippedHebcaOnSoftHsm().dump());
        config_ = dir_.write("host.json", nlohmann::json {{"pluginDirs", {plugins.string()}},
                                                          {"policyFile", (dir_.path() / "policy.json").string()},
                                                          {"logFile", (dir_.path() / "host.log").string()}}
                                              .dump());
    }

    HostProcess start(const std::string& softhsmConf)
    {
        return HostProcess(config_, kTestExtensionOrigin, {"SOFTHSM2_CONF=" + softhsmConf});
    }

    nlohmann::json list(HostProcess& host, const nlohmann::json& arguments = nlohmann::json::object())
    {
        return host.request(
            {{"id", ++id_}, {"command", "list-certificates"}, {"origin", kPortal}, {"arguments", arguments}});
    }

    static inline std::unique_ptr<TempDir> fixtureDir_;
    static inline nlohmann::json fixture_;
    TempDir dir_;
    std::filesystem::path config_;
    int id_ = 0;
};

std::string certificateFile(const std::filesystem::path& pki, const std::string& name)
{
    std::ifstream in(pki / (name + ".der"), std::ios::binary);
    const std::string der((std::istreambuf_iterator<char>(in)), {});
    return cabridge::base64Encode(std::vector<std::uint8_t>(der.begin(), der.end()));
}

}  // namespace

TEST_F(HostSoftHsm, ListsCertificatesAcrossTwoTokens)
{
    auto host = start(fixture_["softhsm2Conf"]);
    const auto reply = list(host);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    std::map<std::string, nlohmann::json> bySha;
    for (const auto& cert : reply["result"]["certificates"]) bySha[cert["certificate"]] = cert;
    std::set<std::string> serials;
    for (const auto& token : fixture_["tokens"]) {
        for (const auto& name : token["certificates"]) {
            const auto b64 = certificateFile(fixtureDir_->path(), name);
            ASSERT_TRUE(bySha.count(b64)) << name;
            const auto& cert = bySha[b64];
            EXPECT_EQ(cert["vendor"], "hebca");
            EXPECT_EQ(cert["token"]["label"], token["label"]) << name;
            EXPECT_EQ(cert["token"]["serial"], token["serial"]) << name;
            EXPECT_EQ(cert["expired"], name == "expired") << name;
            serials.insert(cert["token"]["serial"]);
        }
    }
    EXPECT_EQ(bySha.size(), 6u);
    EXPECT_EQ(serials.size(), 2u);
    const auto& rsa = bySha[certificateFile(fixtureDir_->path(), "org-rsa")];
    EXPECT_EQ(rsa["subject"]["CN"], "河北测试科技有限公司");
    EXPECT_EQ(rsa["issuer"]["CN"], "HEBCA Test SM CA");
    EXPECT_EQ(rsa["identity"]["unifiedSocialCreditCode"], "91130100MA07RK3C2F");
    // The descriptor's identity profile: HeBCA's unique-id extension (uniqueIdOid).
    EXPECT_EQ(rsa["identity"]["vendorUniqueId"], "2@6021SF091130100MA07RK3C2F");
    // What the extension shows without asking again (docs/protocol.md 3.2, 3.3): the vendor's
    // name and help texts as the shipped descriptor gives them, and the origin's trust.
    EXPECT_EQ(reply["result"]["originTrusted"], false);
    for (const auto& [sha, cert] : bySha) {
        EXPECT_EQ(cert["vendorName"], "河北 CA");
        EXPECT_EQ(cert["help"]["renew"]["url"], "https://www.hebca.com");
        EXPECT_NE(cert["help"]["renew"]["text"].get<std::string>().find("老用户延期"), std::string::npos);
        EXPECT_EQ(cert["help"]["contact"]["phone"], "400-707-3355");
    }
}

TEST_F(HostSoftHsm, AuthenticatesWithTokenKeyAndRefusesExpired)
{
    auto host = start(fixture_["softhsm2Conf"]);
    const auto certs = list(host)["result"]["certificates"];
    std::string rsaId, ecId, expiredId;
    for (const auto& cert : certs) {
        if (cert["certificate"] == certificateFile(fixtureDir_->path(), "org-rsa")) rsaId = cert["id"];
        if (cert["certificate"] == certificateFile(fixtureDir_->path(), "org-ec")) ecId = cert["id"];
        if (cert["certificate"] == certificateFile(fixtureDir_->path(), "expired")) expiredId = cert["id"];
    }
    ASSERT_FALSE(rsaId.empty());
    std::vector<std::uint8_t> challenge(48, 0x5A);
    const auto challengeB64 = cabridge::base64Encode(challenge);
    auto auth = [&](const std::string& id, const std::string& pin) {
        return host.request({{"id", ++id_},
                             {"command", "authenticate"},
                             {"origin", kPortal},
                             {"arguments", {{"certificateId", id}, {"challenge", challengeB64}, {"pin", pin}}}});
    };
    for (const auto& id : {rsaId, ecId}) {
        const auto reply = auth(id, "123456");
        ASSERT_TRUE(reply.contains("result")) << reply.dump();
        const auto& token = reply["result"]["token"];
        // Verify: alg("cabridge-auth:2" NUL H(origin) || H(challenge)) with the certificate's key.
        const auto der = *cabridge::base64Decode(token["certificate"].get<std::string>());
        const auto sig = *cabridge::base64Decode(token["signature"].get<std::string>());
        const unsigned char* p = der.data();
        std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())),
                                                         &X509_free);
        const std::string origin = kPortal;
        unsigned char h[64];
        unsigned int len = 0;
        static constexpr char kPrefix[] = "cabridge-auth:2";  // its terminating NUL is the separator
        std::vector<std::uint8_t> message(kPrefix, kPrefix + sizeof kPrefix);
        EVP_Digest(origin.data(), origin.size(), h, &len, EVP_sha256(), nullptr);
        message.insert(message.end(), h, h + len);
        EVP_Digest(challenge.data(), challenge.size(), h, &len, EVP_sha256(), nullptr);
        message.insert(message.end(), h, h + len);
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
        ASSERT_EQ(EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(cert.get())), 1);
        EXPECT_EQ(EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size()), 1)
            << token["algorithm"];
    }
    const auto wrong = auth(rsaId, "654321");
    EXPECT_EQ(wrong["error"]["code"], "PIN_INCORRECT") << wrong.dump();
    EXPECT_TRUE(wrong["error"]["details"].contains("retriesLeft"));
    const auto expired = auth(expiredId, "123456");
    EXPECT_EQ(expired["error"]["code"], "CERTIFICATE_EXPIRED");
    EXPECT_TRUE(expired["error"]["details"]["help"].contains("text")) << expired.dump();
}

TEST_F(HostSoftHsm, NoTokenOnlyWhenAVendorWasNamed)
{
    TempDir empty;
    std::filesystem::create_directories(empty.path() / "tokens");
    const auto conf = empty.write("softhsm2.conf", "directories.tokendir = " + (empty.path() / "tokens").string() +
                                                       "\nobjectstore.backend = file\nlog.level = ERROR\n");
    auto host = start(conf.string());
    const auto all = list(host);
    ASSERT_TRUE(all.contains("result")) << all.dump();
    EXPECT_TRUE(all["result"]["certificates"].empty());
    const auto named = list(host, nlohmann::json::object({{"vendor", "hebca"}}));
    EXPECT_EQ(named["error"]["code"], "NO_TOKEN");
    EXPECT_TRUE(named["error"]["details"]["help"].contains("text")) << named.dump();
    // So that the extension can remember consent without asking status (docs/protocol.md 3.2).
    EXPECT_EQ(named["error"]["details"]["originTrusted"], false) << named.dump();
}

// A middleware that needs an environment variable works when only the descriptor names it:
// the browser (so the host) was started without SOFTHSM2_CONF, and the descriptor's
// "environment" sets it before the plugin loads SoftHSM, in the probing child as well.
TEST_F(HostSoftHsm, DescriptorEnvironmentReachesTheMiddleware)
{
    struct RestoreSoftHsmConf {
        std::optional<std::string> saved;
        ~RestoreSoftHsmConf()
        {
            if (saved) ::setenv("SOFTHSM2_CONF", saved->c_str(), 1);
        }
    };
    const char* inherited = std::getenv("SOFTHSM2_CONF");
    const RestoreSoftHsmConf restore {inherited ? std::optional<std::string>(inherited) : std::nullopt};
    ::unsetenv("SOFTHSM2_CONF");
    const auto descriptor = [&](const nlohmann::json& environment) {
        nlohmann::json d = shippedHebcaOnSoftHsm();
        if (!environment.is_null()) d["environment"] = environment;
        dir_.write("plugins/hebca.json", d.dump());
    };
    const auto fixtureSerials = [&](const nlohmann::json& reply) {
        std::set<std::string> found;
        for (const auto& cert : reply["result"]["certificates"]) {
            for (const auto& token : fixture_["tokens"]) {
                if (cert["token"]["serial"] == token["serial"]) found.insert(cert["token"]["serial"]);
            }
        }
        return found;
    };

    descriptor(nullptr);  // control: without the setting, SoftHSM never sees the fixture's tokens
    {
        HostProcess host(config_);
        const auto reply = list(host);
        ASSERT_TRUE(reply.contains("result")) << reply.dump();
        EXPECT_TRUE(fixtureSerials(reply).empty()) << reply.dump();
    }
    descriptor({{"SOFTHSM2_CONF", fixture_["softhsm2Conf"]}});
    {
        HostProcess host(config_);
        const auto reply = list(host);
        ASSERT_TRUE(reply.contains("result")) << reply.dump();
        EXPECT_EQ(reply["result"]["certificates"].size(), 6u) << reply.dump();
        EXPECT_EQ(fixtureSerials(reply).size(), 2u) << reply.dump();
    }
}

// CertInfo.identity always has its four keys, null where the certificate carries nothing.
TEST_F(HostSoftHsm, IdentityHasOneShape)
{
    auto host = start(fixture_["softhsm2Conf"]);
    const auto reply = list(host);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    ASSERT_FALSE(reply["result"]["certificates"].empty());
    for (const auto& cert : reply["result"]["certificates"]) {
        const auto& identity = cert.at("identity");
        EXPECT_EQ(identity.size(), 4u) << identity.dump();
        for (const char* key : {"unifiedSocialCreditCode", "uscValid", "idNumber", "vendorUniqueId"}) {
            EXPECT_TRUE(identity.contains(key)) << key << " in " << identity.dump();
        }
        EXPECT_TRUE(identity.at("idNumber").is_null()) << identity.dump();  // organisations' keys only
    }
}
