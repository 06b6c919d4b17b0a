// The real host with real plugin libraries: loading and refusing plugins,
// listing certificates, authenticating, origin policy, and deadlines. The
// software-token plugin (soft_token_plugin.cpp) keeps its keys in files.
#include <cabridge/test_support/host_process.h>
#include <cabridge/test_support/test_certificate.h>

#include <cabridge/common/encoding.h>

#include <gtest/gtest.h>

#include <fstream>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <sys/stat.h>

using namespace cabridge::test_support;
using namespace std::chrono_literals;

namespace {

// Arguments as a map, so a braced list at a call site is never mistaken for a JSON array.
using Args = std::map<std::string, nlohmann::json>;

constexpr const char* kPortal = "http://222.222.31.183:25688";
constexpr const char* kHttpsPortal = "https://si.example.gov.cn";
constexpr std::time_t kDay = 86400;

class HostPlugins : public ::testing::Test {
protected:
    HostPlugins() : plugins_(dir_.path() / "plugins")
    {
        std::filesystem::create_directories(plugins_);
        config_ = dir_.write("host.json", nlohmann::json {{"pluginDirs", {plugins_.string()}},
                                                          {"policyFile", (dir_.path() / "policy.json").string()},
                                                          {"logFile", (dir_.path() / "host.log").string()}}
                                              .dump());
    }

    // Copies `library` into the plugin dir (the host refuses libraries outside it)
    // and writes <id>.json.
    void addPlugin(const std::string& id, const char* library, nlohmann::json config,
                   const nlohmann::json& deadlines = nullptr)
    {
        const auto name = std::filesystem::path(library).filename();
        std::filesystem::copy_file(library, plugins_ / name, std::filesystem::copy_options::overwrite_existing);
        nlohmann::json descriptor = {
            {"id", id}, {"name", id}, {"abi", 1}, {"library", name.string()}, {"config", std::move(config)}};
        if (!deadlines.is_null()) descriptor["deadlines"] = deadlines;
        dir_.write("plugins/" + id + ".json", descriptor.dump());
    }

    // A certificate + key on disk, as the soft plugin's config wants it.
    nlohmann::json certificate(const std::string& name, const CertificateSpec& spec, KeyType keyType = KeyType::Rsa2048)
    {
        const auto made = makeCertificateAndKey(spec, keyType);
        const auto der = dir_.write(name + ".der", std::string(made.der.begin(), made.der.end()));
        const auto key = dir_.write(name + ".key.pem", made.keyPem);
        ders_[name] = made.der;
        return {{"label", name}, {"der", der.string()}, {"key", key.string()}};
    }

    nlohmann::json softConfig()
    {
        CertificateSpec rsa;
        rsa.subject = {{"C", "CN"}, {"ST", "河北省"}, {"O", "河北测试科技有限公司"}, {"CN", "河北测试科技有限公司"}};
        rsa.keyUsage = "digitalSignature,nonRepudiation";
        CertificateSpec ec;
        ec.keyUsage = "digitalSignature";
        ec.subject = {{"CN", "EC 测试"}};
        CertificateSpec ec384;
        ec384.keyUsage = "nonRepudiation";
        ec384.subject = {{"CN", "EC384"}};
        CertificateSpec expired;
        const std::time_t now = std::time(nullptr);
        expired.notBefore = now - 800 * kDay;
        expired.notAfter = now - 5 * kDay;
        expired.subject = {{"CN", "过期证书"}};
        CertificateSpec notYet;
        notYet.notBefore = now + 30 * kDay;
        notYet.notAfter = now + 400 * kDay;
        notYet.subject = {{"CN", "未生效"}};
        return {{"origins", {kPortal, kHttpsPortal}},
                {"legacyOrigins", {kPortal}},
                {"pin", {{"minLength", 4}, {"maxLength", 8}, {"charset", "digits"}}},
                {"help",
                 {{"renew", {{"text", "请办理证书延期"}, {"url", "https://renew.example"}}},
                  {"unlock", {{"text", "请办理密码解锁"}}},
                  {"reinsert", {{"text", "请重新插入 USB Key"}}},
                  {"contact", {{"text", "请致电客服"}, {"phone", "400-000-0000"}}}}},
                {"tokens",
                 {{{"serial", "SOFT-1"},
                   {"label", "KEY-1"},
                   {"pin", "123456"},
                   {"retries", 6},
                   {"certificates",
                    {certificate("rsa", rsa),
                     certificate("ec", ec, KeyType::P256),
                     certificate("expired", expired),
                     certificate("notyet", notYet, KeyType::P256),
                     {{"label", "garbage"}, {"derBase64", "MIIBAAA="}}}}},
                  {{"serial", "SOFT-2"},
                   {"label", "KEY-2"},
                   {"pin", "1111"},
                   {"reportRetries", false},
                   {"certificates", {certificate("ec384", ec384, KeyType::P384)}}}}}};
    }

    nlohmann::json listCertificates(HostProcess& host, const Args& arguments = {}, const char* origin = kPortal)
    {
        nlohmann::json args = nlohmann::json::object();
        for (const auto& [key, value] : arguments) args[key] = value;
        return host.request({{"id", ++id_}, {"command", "list-certificates"}, {"origin", origin}, {"arguments", args}});
    }

    nlohmann::json certificateNamed(HostProcess& host, const std::string& cn)
    {
        const auto reply = listCertificates(host);
        for (const auto& cert : reply["result"]["certificates"]) {
            if (cert["subject"]["CN"] == cn) return cert;
        }
        ADD_FAILURE() << "no certificate " << cn << " in " << reply.dump().substr(0, 2000);
        return {};
    }

    static std::string challenge(std::size_t bytes = 32)
    {
        std::vector<std::uint8_t> data(bytes);
        for (std::size_t i = 0; i < bytes; ++i) data[i] = static_cast<std::uint8_t>(i * 7 + 1);
        return cabridge::base64Encode(data);
    }

    nlohmann::json authenticate(HostProcess& host, const std::string& certId, const std::string& pin,
                                const Args& extra = {}, const char* origin = kPortal)
    {
        nlohmann::json args = {{"certificateId", certId}, {"challenge", challenge()}, {"pin", pin}};
        for (const auto& [key, value] : extra) args[key] = value;
        return host.request({{"id", ++id_}, {"command", "authenticate"}, {"origin", origin}, {"arguments", args}});
    }

    TempDir dir_;
    std::filesystem::path plugins_;
    std::filesystem::path config_;
    std::map<std::string, std::vector<std::uint8_t>> ders_;
    int id_ = 0;
};

// Verifies an AuthToken signature the way a portal back end would.
bool verifyToken(const nlohmann::json& token, const std::string& challengeB64, bool legacy)
{
    const auto der = cabridge::base64Decode(token["certificate"].get<std::string>());
    const auto signature = cabridge::base64Decode(token["signature"].get<std::string>());
    const auto challenge = cabridge::base64Decode(challengeB64);
    const unsigned char* p = der->data();
    std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(der->size())), &X509_free);
    EVP_PKEY* key = X509_get0_pubkey(cert.get());
    const std::string alg = token["algorithm"];
    const EVP_MD* md = alg == "ES384" ? EVP_sha384() : alg == "RS1" ? EVP_sha1() : EVP_sha256();
    std::vector<std::uint8_t> message;
    if (legacy) {
        message = *challenge;
    } else {
        // Format cabridge-auth:2: the prefix and its NUL, then the two hashes.
        static constexpr char kPrefix[] = "cabridge-auth:2";
        message.assign(kPrefix, kPrefix + sizeof kPrefix);
        const std::string origin = token["origin"];
        unsigned char h[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_Digest(origin.data(), origin.size(), h, &len, md, nullptr);
        message.insert(message.end(), h, h + len);
        EVP_Digest(challenge->data(), challenge->size(), h, &len, md, nullptr);
        message.insert(message.end(), h, h + len);
    }
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    return EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
           // cppcheck-suppress invalidLifetime ; message holds copies of the digests in h, not pointers into it
           EVP_DigestVerify(ctx.get(), signature->data(), signature->size(), message.data(), message.size()) == 1;
}

}  // namespace

TEST_F(HostPlugins, StatusListsGoodAndBrokenPluginsSideBySide)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    dir_.write("plugins/broken-json.json", "{\"id\": \"broken-json\", ");
    dir_.write("plugins/missing-lib.json", R"({"id":"missing-lib","abi":1,"library":"libnothere.so"})");
    addPlugin("abi99", CABRIDGE_TEST_ABI99_PLUGIN, nlohmann::json::object());
    addPlugin("noentry", CABRIDGE_TEST_NOENTRY_PLUGIN, nlohmann::json::object());
    addPlugin("create-fails", CABRIDGE_TEST_SOFT_PLUGIN, {{"failCreate", true}});
    dir_.write("plugins/outside.json", R"({"id":"outside","abi":1,"library":")" CABRIDGE_TEST_SOFT_PLUGIN R"("})");

    HostProcess host(config_);
    const auto reply = host.request({{"id", 1}, {"command", "status"}, {"origin", kPortal}});
    const auto& result = reply["result"];
    EXPECT_EQ(result["originAllowed"], true);  // declared by the soft plugin
    std::map<std::string, nlohmann::json> byId;
    for (const auto& plugin : result["plugins"]) byId[plugin["id"]] = plugin;
    ASSERT_EQ(byId.size(), 7u) << result.dump();
    EXPECT_EQ(byId["soft"]["state"], "ok");
    EXPECT_EQ(byId["soft"]["name"], "软件测试证书");
    EXPECT_EQ(byId["soft"]["version"], "9.9.9");
    EXPECT_FALSE(byId["soft"].contains("error"));
    auto expectError = [&](const std::string& id, const std::string& fragment) {
        EXPECT_EQ(byId[id]["state"], "error") << id;
        EXPECT_NE(byId[id].value("error", "").find(fragment), std::string::npos) << id << ": " << byId[id].dump();
    };
    expectError("broken-json", "not valid JSON");
    expectError("missing-lib", "not found");
    expectError("abi99", "ABI version 99");
    expectError("noentry", "does not export cabridge_plugin_v1");
    expectError("create-fails", "create failed");
    expectError("outside", "outside the plugin directories");

    // The good plugin keeps working next to the broken ones.
    EXPECT_EQ(listCertificates(host)["result"]["certificates"].size(), 5u);
}

TEST_F(HostPlugins, FirstDescriptorWithAnIdWins)
{
    const auto second = dir_.path() / "plugins2";
    std::filesystem::create_directories(second);
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    std::filesystem::copy_file(plugins_ / std::filesystem::path(CABRIDGE_TEST_SOFT_PLUGIN).filename(),
                               second / std::filesystem::path(CABRIDGE_TEST_SOFT_PLUGIN).filename());
    dir_.write("plugins2/soft.json",
               nlohmann::json {{"id", "soft"},
                               {"abi", 1},
                               {"library", std::filesystem::path(CABRIDGE_TEST_SOFT_PLUGIN).filename()},
                               {"config", {{"failCreate", true}}}}
                   .dump());
    const auto config = dir_.write("two.json", nlohmann::json {{"pluginDirs", {plugins_.string(), second.string()}},
                                                               {"logFile", (dir_.path() / "host.log").string()}}
                                                   .dump());
    HostProcess host(config);
    const auto reply = host.request({{"id", 1}, {"command", "status"}, {"origin", kPortal}});
    ASSERT_EQ(reply["result"]["plugins"].size(), 1u);
    EXPECT_EQ(reply["result"]["plugins"][0]["state"], "ok");
}

// One host process has one environment: a plugin whose "environment" would change a variable
// another loaded plugin set is refused with a reason; the other keeps working.
TEST_F(HostPlugins, ConflictingPluginEnvironmentsRefuseTheLaterPlugin)
{
    for (const auto& [id, value] : {std::pair {"soft-a", "a"}, std::pair {"soft-b", "b"}, std::pair {"soft-c", "a"}}) {
        addPlugin(id, CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
        auto descriptor = nlohmann::json::parse(std::ifstream(plugins_ / (std::string(id) + ".json")));
        descriptor["environment"] = {{"CABRIDGE_TEST_MIDDLEWARE", value}};
        dir_.write("plugins/" + std::string(id) + ".json", descriptor.dump());
    }
    HostProcess host(config_);
    const auto reply = host.request({{"id", 1}, {"command", "status"}, {"origin", kPortal}});
    std::map<std::string, nlohmann::json> byId;
    for (const auto& plugin : reply["result"]["plugins"]) byId[plugin["id"]] = plugin;
    ASSERT_EQ(byId.size(), 3u) << reply.dump();
    // Loaded in name order: soft-a sets the variable, soft-b would change it, soft-c agrees.
    EXPECT_EQ(byId["soft-a"]["state"], "ok") << reply.dump();
    EXPECT_EQ(byId["soft-c"]["state"], "ok") << reply.dump();
    EXPECT_EQ(byId["soft-b"]["state"], "error") << reply.dump();
    EXPECT_NE(byId["soft-b"].value("error", "").find("environment CABRIDGE_TEST_MIDDLEWARE is already set"),
              std::string::npos)
        << reply.dump();
}

TEST_F(HostPlugins, ListCertificatesGivesFullCertInfo)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    HostProcess host(config_);
    const auto certs = listCertificates(host)["result"]["certificates"];
    ASSERT_EQ(certs.size(), 5u);  // the garbage DER is skipped, not fatal
    const auto rsa = certificateNamed(host, "河北测试科技有限公司");
    EXPECT_EQ(rsa["vendor"], "soft");
    EXPECT_EQ(rsa["subject"]["dn"], "CN=河北测试科技有限公司,O=河北测试科技有限公司,ST=河北省,C=CN");
    EXPECT_EQ(rsa["keyType"], "RSA");
    EXPECT_EQ(rsa["keyBits"], 2048);
    EXPECT_EQ(rsa["identity"]["vendorUniqueId"], "soft-" + std::to_string(ders_["rsa"].size()));
    EXPECT_EQ(rsa["certificate"], cabridge::base64Encode(ders_["rsa"]));
    EXPECT_EQ(rsa["token"]["serial"], "SOFT-1");
    EXPECT_EQ(rsa["token"]["label"], "KEY-1");
    EXPECT_EQ(rsa["token"]["retriesLeft"], 6);
    EXPECT_EQ(rsa["token"]["pinFlags"]["countLow"], true);
    EXPECT_EQ(rsa["id"].get<std::string>().size(), 32u);
    // Stable across calls and processes.
    HostProcess again(config_);
    EXPECT_EQ(certificateNamed(again, "河北测试科技有限公司")["id"], rsa["id"]);
    const auto ec384 = certificateNamed(host, "EC384");
    EXPECT_EQ(ec384["token"]["retriesLeft"], nullptr);
    EXPECT_EQ(certificateNamed(host, "过期证书")["expired"], true);
    EXPECT_LT(certificateNamed(host, "过期证书")["daysLeft"].get<int>(), 0);
}

TEST_F(HostPlugins, ListCertificatesFiltersByPurposeAndVendor)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    addPlugin("empty", CABRIDGE_TEST_SOFT_PLUGIN, {{"origins", {kPortal}}});
    HostProcess host(config_);
    auto cns = [&](const Args& args) {
        std::set<std::string> out;
        const auto reply = listCertificates(host, args);
        EXPECT_TRUE(reply.contains("result")) << reply.dump();
        for (const auto& c : reply["result"]["certificates"]) out.insert(c["subject"]["CN"]);
        return out;
    };
    // login = digitalSignature or no keyUsage; sign = nonRepudiation.
    EXPECT_EQ(cns({{"purpose", "login"}}),
              (std::set<std::string> {"河北测试科技有限公司", "EC 测试", "过期证书", "未生效"}));
    EXPECT_EQ(cns({{"purpose", "sign"}}), (std::set<std::string> {"河北测试科技有限公司", "EC384"}));
    EXPECT_EQ(cns({{"vendor", "soft"}}).size(), 5u);
    EXPECT_EQ(listCertificates(host, {{"purpose", "encrypt"}})["error"]["code"], "INVALID_ARGUMENT");
    const auto unknown = listCertificates(host, {{"vendor", "nobody"}});
    EXPECT_EQ(unknown["error"]["code"], "INVALID_ARGUMENT");
    EXPECT_EQ(unknown["error"]["details"]["key"], "vendor");
    // A vendor asked for by name with no token: NO_TOKEN; without a vendor: just fewer results.
    EXPECT_EQ(listCertificates(host, {{"vendor", "empty"}})["error"]["code"], "NO_TOKEN");
    EXPECT_EQ(cns({}).size(), 5u);
}

TEST_F(HostPlugins, OriginPolicyGuardsCertificateCommands)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    dir_.write("policy.json", nlohmann::json {{"allowOrigins", {"https://*.extra.gov.cn", "http://10.1.1.1:8080"}},
                                              {"denyOrigins", {kHttpsPortal}}}
                                  .dump());
    HostProcess host(config_);
    EXPECT_EQ(listCertificates(host, {}, "https://evil.example")["error"]["code"], "ORIGIN_NOT_ALLOWED");
    EXPECT_EQ(listCertificates(host, {}, "http://evil.example")["error"]["code"], "INSECURE_ORIGIN");
    EXPECT_EQ(listCertificates(host, {}, kHttpsPortal)["error"]["code"], "ORIGIN_NOT_ALLOWED");  // denied
    EXPECT_TRUE(listCertificates(host, {}, "https://a.extra.gov.cn")["result"].is_object());
    EXPECT_TRUE(listCertificates(host, {}, "http://10.1.1.1:8080")["result"].is_object());
    EXPECT_TRUE(listCertificates(host, {}, kPortal)["result"].is_object());
    // status is served everywhere, and says whether the origin may go further.
    const auto status = host.request({{"id", 1}, {"command", "status"}, {"origin", "https://evil.example"}});
    EXPECT_EQ(status["result"]["originAllowed"], false);
    EXPECT_EQ(
        authenticate(host, "0123456789abcdef0123456789abcdef", "123456", {}, "https://evil.example")["error"]["code"],
        "ORIGIN_NOT_ALLOWED");
}

// A policy file the host refuses may have denied origins a plugin declares; ignoring it would
// let them through, so the host allows no origin until the administrator fixes it.
TEST_F(HostPlugins, RefusedPolicyFileAllowsNoOriginNotEvenThePluginsOwn)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    const auto policy = dir_.path() / "policy.json";
    const std::string deny = std::string("{\"denyOrigins\": [\"") + kPortal + "\"]";
    // Malformed (a wrongly typed key), then well-formed but world-writable.
    for (const std::string& text : {deny + ", \"allowOrigins\": 7}", deny + "}"}) {
        dir_.write("policy.json", text);
        const bool worldWritable = text.find("allowOrigins") == std::string::npos;
        ::chmod(policy.c_str(), worldWritable ? 0666 : 0644);
        HostProcess host(config_);
        for (const char* origin : {kPortal, kHttpsPortal}) {
            const auto reply = listCertificates(host, {}, origin);
            EXPECT_EQ(reply["error"]["code"], "ORIGIN_NOT_ALLOWED") << text << " " << reply.dump();
            EXPECT_EQ(reply["error"]["details"]["policy"], "error") << reply.dump();
        }
        const auto status = host.request({{"id", 1}, {"command", "status"}, {"origin", kHttpsPortal}});
        EXPECT_EQ(status["result"]["originAllowed"], false);
        EXPECT_FALSE(status["result"].contains("plugins")) << status.dump();
        HostProcess admin(config_, kTestExtensionOrigin, {}, CABRIDGE_HOST_EXE, {"--admin-status"});
        const auto full = admin.request({{"id", 1}, {"command", "status"}, {"origin", kHttpsPortal}});
        EXPECT_EQ(full["result"]["policy"]["state"], "error") << full.dump();
    }
    // Fixed (not world-writable, well-formed): the plugin's own origins are back, minus the denied
    // one (a plain http origin no longer listed is INSECURE_ORIGIN).
    ::chmod(policy.c_str(), 0644);
    HostProcess host(config_);
    EXPECT_EQ(listCertificates(host, {}, kPortal)["error"]["code"], "INSECURE_ORIGIN");
    EXPECT_TRUE(listCertificates(host, {}, kHttpsPortal).contains("result"));
}

TEST_F(HostPlugins, AuthenticateSignsOriginBoundMessage)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    HostProcess host(config_);
    for (const auto& [cn, pin, alg] : std::vector<std::tuple<std::string, std::string, std::string>> {
             {"河北测试科技有限公司", "123456", "RS256"}, {"EC 测试", "123456", "ES256"}, {"EC384", "1111", "ES384"}}) {
        const auto cert = certificateNamed(host, cn);
        const auto reply = authenticate(host, cert["id"], pin);
        ASSERT_TRUE(reply.contains("result")) << reply.dump();
        const auto& token = reply["result"]["token"];
        EXPECT_EQ(token["format"], "cabridge-auth:2");
        EXPECT_EQ(token["algorithm"], alg);
        EXPECT_EQ(token["origin"], kPortal);
        EXPECT_EQ(token["appVersion"], "0.1.0");
        EXPECT_EQ(token["mode"], "origin-bound");
        EXPECT_EQ(token["certificate"], cert["certificate"]);
        EXPECT_TRUE(verifyToken(token, challenge(), false)) << cn;
        EXPECT_FALSE(verifyToken(token, challenge(), true)) << cn;  // not the unbound form
    }
}

// Plugins built before check_certificate (one before list_token too) keep working on a warm
// connection: the host finds the certificate again through list_token / list_tokens.
TEST_F(HostPlugins, PluginsWithoutCheckCertificateAuthenticateRepeatedlyOnOneConnection)
{
    for (const char* library : {CABRIDGE_TEST_SOFT_PLUGIN, CABRIDGE_TEST_SOFTLISTTOKEN_PLUGIN}) {
        std::filesystem::remove_all(plugins_);
        std::filesystem::create_directories(plugins_);
        addPlugin("soft", library, softConfig());
        HostProcess host(config_);
        const auto cert = certificateNamed(host, "EC 测试");
        for (int i = 0; i < 3; ++i) {
            const auto reply = authenticate(host, cert["id"], "123456");
            ASSERT_TRUE(reply.contains("result")) << library << " request " << i << ": " << reply.dump();
            EXPECT_TRUE(verifyToken(reply["result"]["token"], challenge(), false)) << library;
        }
        // A wrong PIN still reaches the plugin (no check call to stop it) and counts down.
        const auto wrong = authenticate(host, cert["id"], "999999");
        EXPECT_EQ(wrong["error"]["code"], "PIN_INCORRECT") << library << ": " << wrong.dump();
    }
}

TEST_F(HostPlugins, AuthenticateLegacyModeOnlyWhereAllowed)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    // Only the policy file allows legacy mode (the soft plugin's own legacyOrigins grant nothing:
    // HostPlugins.LegacyOriginsAPluginDeclaresGrantNothing).
    dir_.write("policy.json", nlohmann::json {{"legacyOrigins", {kPortal}}}.dump());
    HostProcess host(config_);
    const auto cert = certificateNamed(host, "EC 测试");
    // Legacy mode signs only text challenges.
    const std::string text = cabridge::base64Encode(std::vector<std::uint8_t> {'l', 'e', 'g', 'a', 'c', 'y', '-', '1'});
    const auto legacy = authenticate(host, cert["id"], "123456", {{"mode", "legacy"}, {"challenge", text}});
    ASSERT_TRUE(legacy.contains("result")) << legacy.dump();
    EXPECT_EQ(legacy["result"]["token"]["mode"], "legacy");
    EXPECT_TRUE(verifyToken(legacy["result"]["token"], text, true));
    const auto binary = authenticate(host, cert["id"], "123456", {{"mode", "legacy"}});
    EXPECT_EQ(binary["error"]["code"], "INVALID_ARGUMENT") << binary.dump();
    const auto refused = authenticate(host, cert["id"], "123456", {{"mode", "legacy"}, {"challenge", text}},
                                      kHttpsPortal);
    EXPECT_EQ(refused["error"]["code"], "ORIGIN_NOT_ALLOWED");
    EXPECT_EQ(refused["error"]["details"]["mode"], "legacy");
    EXPECT_EQ(authenticate(host, cert["id"], "123456", {{"mode", "raw"}})["error"]["code"], "INVALID_ARGUMENT");
}

// HeBCA back ends check algorithm 1 (SHA1withRSA) over their random string: legacy mode signs
// with SHA-1 for an RSA key when asked, and only legacy mode may ask.
TEST_F(HostPlugins, LegacyModeSignsWithSha1WhenAskedForAnRsaKey)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    dir_.write("policy.json", nlohmann::json {{"legacyOrigins", {kPortal}}}.dump());
    HostProcess host(config_);
    const auto rsa = certificateNamed(host, "河北测试科技有限公司")["id"].get<std::string>();
    const std::string text = cabridge::base64Encode(std::vector<std::uint8_t> {'R', '-', '1', '2', '3', '4', '5', '6'});
    const auto sha1 = authenticate(host, rsa, "123456", {{"mode", "legacy"}, {"challenge", text}, {"hash", "sha1"}});
    ASSERT_TRUE(sha1.contains("result")) << sha1.dump();
    EXPECT_EQ(sha1["result"]["token"]["algorithm"], "RS1");
    EXPECT_TRUE(verifyToken(sha1["result"]["token"], text, true));
    const auto sha256 = authenticate(host, rsa, "123456",
                                     {{"mode", "legacy"}, {"challenge", text}, {"hash", "sha256"}});
    EXPECT_EQ(sha256["result"]["token"]["algorithm"], "RS256") << sha256.dump();
    EXPECT_TRUE(verifyToken(sha256["result"]["token"], text, true));
    // An EC key keeps its own algorithm.
    const auto ec = authenticate(host, certificateNamed(host, "EC 测试")["id"], "123456",
                                 {{"mode", "legacy"}, {"challenge", text}, {"hash", "sha1"}});
    EXPECT_EQ(ec["result"]["token"]["algorithm"], "ES256") << ec.dump();
    // No hash choice outside legacy mode, and only the two names.
    const auto bound = authenticate(host, rsa, "123456", {{"hash", "sha1"}});
    EXPECT_EQ(bound["error"]["code"], "INVALID_ARGUMENT") << bound.dump();
    EXPECT_EQ(bound["error"]["details"]["key"], "hash");
    const auto md5 = authenticate(host, rsa, "123456", {{"mode", "legacy"}, {"challenge", text}, {"hash", "md5"}});
    EXPECT_EQ(md5["error"]["code"], "INVALID_ARGUMENT");
    EXPECT_EQ(
        authenticate(host, rsa, "123456", {{"mode", "legacy"}, {"challenge", text}, {"hash", 1}})["error"]["code"],
        "INVALID_ARGUMENT");
}

// The extension's HeBCA bridge learns the legacy settings from the host, from the policy file alone.
TEST_F(HostPlugins, LegacyPolicyTellsTheExtensionTheLegacySettings)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());  // declares kPortal as legacy: grants nothing
    HostProcess host(config_);
    auto ask = [&](const char* origin, const nlohmann::json& arguments = nlohmann::json::object()) {
        return host.request({{"id", 1}, {"command", "legacy-policy"}, {"origin", origin}, {"arguments", arguments}});
    };
    const auto none = ask(kPortal);
    ASSERT_TRUE(none.contains("result")) << none.dump();
    EXPECT_EQ(none["result"]["legacyOrigins"], nlohmann::json::array());
    EXPECT_EQ(none["result"]["origin"]["legacy"], false);
    EXPECT_EQ(none["result"]["hash"], "sha1");

    dir_.write("policy.json", nlohmann::json {{"legacyOrigins", {kPortal, kHttpsPortal}},
                                              {"legacyLoginOrigins", {kHttpsPortal}},
                                              {"legacyHelperVersion", 394500}}
                                  .dump());
    HostProcess second(config_);
    const auto reply = second.request(
        {{"id", 2}, {"command", "legacy-policy"}, {"origin", kPortal}, {"arguments", nlohmann::json::object()}});
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(reply["result"]["legacyOrigins"], (nlohmann::json {kPortal, kHttpsPortal}));
    EXPECT_EQ(reply["result"]["origin"], (nlohmann::json {{"legacy", true}, {"pinFromPage", false}}));
    EXPECT_EQ(reply["result"]["helperVersion"], 394500);
    const auto https = second.request(
        {{"id", 3}, {"command", "legacy-policy"}, {"origin", kHttpsPortal}, {"arguments", nlohmann::json::object()}});
    EXPECT_EQ(https["result"]["origin"]["pinFromPage"], true) << https.dump();
    const auto extra = second.request(
        {{"id", 4}, {"command", "legacy-policy"}, {"origin", kPortal}, {"arguments", {{"origin", kHttpsPortal}}}});
    EXPECT_EQ(extra["error"]["code"], "INVALID_ARGUMENT");
}

TEST_F(HostPlugins, LegacyOriginsAPluginDeclaresGrantNothing)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());  // declares kPortal as legacy
    HostProcess host(config_);
    const auto cert = certificateNamed(host, "EC 测试");
    // A text challenge, so the refusal is the origin's and not the legacy challenge rule's.
    const std::string text = cabridge::base64Encode(std::vector<std::uint8_t> {'l', 'e', 'g', 'a', 'c', 'y', '-', '1'});
    const auto refused = authenticate(host, cert["id"], "123456", {{"mode", "legacy"}, {"challenge", text}});
    EXPECT_EQ(refused["error"]["code"], "ORIGIN_NOT_ALLOWED") << refused.dump();
    EXPECT_EQ(refused["error"]["details"]["mode"], "legacy");
    EXPECT_TRUE(authenticate(host, cert["id"], "123456").contains("result"));  // origin-bound still works
}

TEST_F(HostPlugins, AuthenticateRefusalsInOrder)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    HostProcess host(config_);
    const auto rsa = certificateNamed(host, "河北测试科技有限公司")["id"].get<std::string>();
    auto code = [](const nlohmann::json& reply) { return reply["error"]["code"].get<std::string>(); };

    EXPECT_EQ(code(authenticate(host, "ffffffffffffffffffffffffffffffff", "123456")), "CERTIFICATE_NOT_FOUND");
    const auto expired = authenticate(host, certificateNamed(host, "过期证书")["id"], "123456");
    EXPECT_EQ(code(expired), "CERTIFICATE_EXPIRED");
    EXPECT_EQ(expired["error"]["details"]["help"]["url"], "https://renew.example");
    EXPECT_EQ(code(authenticate(host, certificateNamed(host, "未生效")["id"], "123456")), "CERTIFICATE_NOT_YET_VALID");
    // Challenge: base64 of 32..1024 bytes.
    EXPECT_EQ(code(authenticate(host, rsa, "123456", {{"challenge", challenge(31)}})), "INVALID_ARGUMENT");
    EXPECT_EQ(code(authenticate(host, rsa, "123456", {{"challenge", challenge(1025)}})), "INVALID_ARGUMENT");
    EXPECT_EQ(code(authenticate(host, rsa, "123456", {{"challenge", "not base64!"}})), "INVALID_ARGUMENT");
    EXPECT_TRUE(authenticate(host, rsa, "123456", {{"challenge", challenge(1024)}}).contains("result"));
    // PIN form (digits, 4..8) is checked before the token: no try is used up.
    const auto triesBefore = certificateNamed(host, "河北测试科技有限公司")["token"]["retriesLeft"];
    for (const char* pin : {"", "123", "123456789", "12a4", "１２３４"}) {
        const auto reply = authenticate(host, rsa, pin);
        EXPECT_EQ(code(reply), "PIN_INVALID") << pin;
        EXPECT_EQ(reply.dump().find(pin[0] ? pin : "\x01"), std::string::npos);  // never echoed
    }
    EXPECT_EQ(certificateNamed(host, "河北测试科技有限公司")["token"]["retriesLeft"], triesBefore);
    // Wrong types and unknown arguments.
    EXPECT_EQ(code(authenticate(host, rsa, "123456", {{"pin", 123456}})), "INVALID_ARGUMENT");
    EXPECT_EQ(code(authenticate(host, rsa, "123456", {{"extra", true}})), "INVALID_ARGUMENT");
}

TEST_F(HostPlugins, WrongPinCountsDownThenLocks)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    HostProcess host(config_);
    const auto rsa = certificateNamed(host, "河北测试科技有限公司")["id"].get<std::string>();
    for (int left = 5; left >= 1; --left) {
        const auto reply = authenticate(host, rsa, "99999999");
        ASSERT_EQ(reply["error"]["code"], "PIN_INCORRECT") << reply.dump();
        EXPECT_EQ(reply["error"]["details"]["retriesLeft"], left);
        EXPECT_EQ(reply["error"]["details"]["finalTry"], left == 1);
        EXPECT_EQ(reply.dump().find("99999999"), std::string::npos);
    }
    const auto locked = authenticate(host, rsa, "99999999");
    EXPECT_EQ(locked["error"]["code"], "PIN_LOCKED");
    EXPECT_EQ(locked["error"]["details"]["help"]["text"], "请办理密码解锁");
    // A token that does not count: retriesLeft is null.
    const auto ec384 = certificateNamed(host, "EC384")["id"].get<std::string>();
    const auto unknown = authenticate(host, ec384, "2222");
    EXPECT_EQ(unknown["error"]["code"], "PIN_INCORRECT");
    EXPECT_EQ(unknown["error"]["details"]["retriesLeft"], nullptr);
}

TEST_F(HostPlugins, SignFailureIsDeviceErrorWithHelp)
{
    auto config = softConfig();
    config["tokens"][0]["certificates"][1]["failSign"] = true;
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, config);
    HostProcess host(config_);
    const auto reply = authenticate(host, certificateNamed(host, "EC 测试")["id"], "123456");
    EXPECT_EQ(reply["error"]["code"], "DEVICE_ERROR");
    EXPECT_EQ(reply["error"]["details"]["help"]["phone"], "400-000-0000");
    // Logged out after the failure: the next signature needs and gets a fresh login.
    EXPECT_TRUE(authenticate(host, certificateNamed(host, "河北测试科技有限公司")["id"], "123456").contains("result"));
}

TEST_F(HostPlugins, HangingTokenCallGetsTokenNotRespondingThenExit3)
{
    auto config = softConfig();
    config["hang"] = "list_tokens";
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, config, {{"enumerateMs", 300}});
    HostProcess host(config_);
    const auto start = std::chrono::steady_clock::now();
    // Named: a listing of all vendors leaves a vendor that does not answer out and keeps serving
    // (host_vendor_isolation_test.cpp); a request for this vendor is answered at its deadline.
    host.send(
        {{"id", "h"}, {"command", "list-certificates"}, {"origin", kPortal}, {"arguments", {{"vendor", "soft"}}}});
    const auto reply = host.readReply(5s);
    ASSERT_TRUE(reply);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    EXPECT_EQ((*reply)["id"], "h");
    EXPECT_EQ((*reply)["error"]["code"], "TOKEN_NOT_RESPONDING");
    EXPECT_EQ(host.waitForExit(5s), 3);
}

TEST_F(HostPlugins, HangingLoginGetsTokenNotRespondingThenExit3)
{
    auto config = softConfig();
    config["hang"] = "login";
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, config, {{"loginMs", 300}});
    HostProcess host(config_);
    const auto reply = authenticate(host, certificateNamed(host, "EC 测试")["id"], "123456");
    EXPECT_EQ(reply["error"]["code"], "TOKEN_NOT_RESPONDING");
    EXPECT_EQ(host.waitForExit(5s), 3);
    // A login may wait for the person (a PIN pad, a confirm button): passing its deadline is not
    // remembered against the plugin, which the next host lists as before.
    HostProcess next(config_);
    const auto status = next.request({{"id", "s"}, {"command", "status"}, {"origin", kPortal}});
    EXPECT_EQ(status["result"]["plugins"][0]["state"], "ok") << status.dump();
    EXPECT_EQ(listCertificates(next)["result"]["certificates"].size(), 5u);
}

TEST_F(HostPlugins, HangingCreateOrDescribeMarksPluginErrorAndHostKeepsServing)
{
    for (const char* call : {"create", "describe"}) {
        TempDir local;
        addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
        addPlugin("stuck", CABRIDGE_TEST_SOFT_PLUGIN, {{"hang", call}}, {{"enumerateMs", 200}});
        HostProcess host(config_);
        const auto reply = host.request({{"id", 1}, {"command", "status"}, {"origin", kPortal}});
        std::map<std::string, nlohmann::json> byId;
        for (const auto& plugin : reply["result"]["plugins"]) byId[plugin["id"]] = plugin;
        EXPECT_EQ(byId["stuck"]["state"], "error") << call;
        EXPECT_NE(byId["stuck"]["error"].get<std::string>().find("did not answer in time"), std::string::npos);
        EXPECT_EQ(byId["soft"]["state"], "ok");
        EXPECT_EQ(listCertificates(host)["result"]["certificates"].size(), 5u);
        host.closeInput();
        EXPECT_EQ(host.waitForExit(), 0) << call;
    }
}

// A plugin built before change_pin and unblock_pin (its struct_size ends earlier): the host says
// the vendor cannot do it, before any PIN form check, and the plugin's PIN still works.
TEST_F(HostPlugins, PluginsWithoutPinCallsRefuseChangeAndUnblockAsUnsupported)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    HostProcess host(config_);
    const auto cert = certificateNamed(host, "EC 测试");
    EXPECT_EQ(cert["pinRules"]["canChange"], false) << cert.dump().substr(0, 400);
    EXPECT_EQ(cert["pinRules"]["canUnblock"], false);
    const auto change = host.request(
        {{"id", ++id_},
         {"command", "change-pin"},
         {"origin", kPortal},
         {"arguments", {{"certificateId", cert["id"]}, {"oldPin", "123456"}, {"newPin", "654321"}}}});
    ASSERT_EQ(change["error"]["code"], "INVALID_ARGUMENT") << change.dump();
    EXPECT_EQ(change["error"]["details"]["unsupported"], "change-pin");
    const auto unblock = host.request(
        {{"id", ++id_},
         {"command", "unblock-pin"},
         {"origin", kPortal},
         {"arguments", {{"certificateId", cert["id"]}, {"soPin", "12345678"}, {"newPin", "654321"}}}});
    ASSERT_EQ(unblock["error"]["code"], "INVALID_ARGUMENT") << unblock.dump();
    EXPECT_EQ(unblock["error"]["details"]["unsupported"], "unblock-pin");
    EXPECT_TRUE(authenticate(host, cert["id"], "123456").contains("result"));
}

// The same plugin has no online-unlock pair either (unblock_challenge / unblock_with_response null
// or beyond its table): both online steps are INVALID_ARGUMENT, and the host goes on serving.
TEST_F(HostPlugins, PluginsWithoutTheOnlineUnlockPairRefuseItAsUnsupported)
{
    // The portal is the vendor's enrolment origin too, so the steps reach the vendor check.
    auto config = softConfig();
    config["enrollOrigins"] = {kPortal};
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, config);
    HostProcess host(config_);
    const auto cert = certificateNamed(host, "EC 测试");
    EXPECT_EQ(cert["pinRules"]["canUnblockOnline"], false) << cert.dump().substr(0, 400);
    const auto challenge = host.request({{"id", ++id_},
                                         {"command", "unblock-challenge"},
                                         {"origin", kPortal},
                                         {"arguments", {{"certificateId", cert["id"]}}}});
    ASSERT_EQ(challenge["error"]["code"], "INVALID_ARGUMENT") << challenge.dump();
    EXPECT_EQ(challenge["error"]["details"]["unsupported"], "unblock-challenge");
    const auto unblock = host.request(
        {{"id", ++id_},
         {"command", "unblock-pin"},
         {"origin", kPortal},
         {"arguments", {{"certificateId", cert["id"]}, {"response", "AAECAwQFBgcICQ=="}, {"newPin", "654321"}}}});
    ASSERT_EQ(unblock["error"]["code"], "INVALID_ARGUMENT") << unblock.dump();
    EXPECT_EQ(unblock["error"]["details"]["unsupported"], "unblock-pin-response");
    EXPECT_TRUE(authenticate(host, cert["id"], "123456").contains("result"));
}
