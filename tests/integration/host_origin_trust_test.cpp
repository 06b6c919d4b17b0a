// The host's origin rules across vendors and the files it trusts, through the real host:
// a vendor's portal origins unlock that vendor's certificates only, `status` names no plugin to
// an origin that may not use certificates (the admin tool still gets everything), the policy's
// trustedOrigins, plugin files others could change, and the modes of the files the host writes.
#include "plugin_dir_fixture.h"

#include <cabridge/common/encoding.h>

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>

using namespace cabridge::test;
using namespace cabridge::test_support;

namespace {

constexpr const char* kPortalA = "https://portal.vendor-a.example.gov.cn";
constexpr const char* kPortalB = "https://portal.vendor-b.example.gov.cn";
constexpr const char* kShared = "https://shared.example.gov.cn";
constexpr const char* kPlainPortal = "http://10.20.30.40:25688";

class HostOriginTrust : public PluginDirFixture {
protected:
    nlohmann::json send(HostProcess& host, const std::string& command, const std::string& origin,
                        const nlohmann::json& arguments = nlohmann::json::object())
    {
        return host.request({{"id", ++id_}, {"command", command}, {"origin", origin}, {"arguments", arguments}});
    }

    std::set<std::string> vendorsListed(HostProcess& host, const std::string& origin)
    {
        const auto reply = send(host, "list-certificates", origin);
        EXPECT_TRUE(reply.contains("result")) << origin << ": " << reply.dump();
        std::set<std::string> vendors;
        for (const auto& cert : reply["result"]["certificates"]) vendors.insert(cert["vendor"]);
        return vendors;
    }

    std::string certificateOf(HostProcess& host, const std::string& vendor, const std::string& origin)
    {
        const auto reply = send(host, "list-certificates", origin, {{"vendor", vendor}});
        if (!reply.contains("result") || reply["result"]["certificates"].empty()) {
            ADD_FAILURE() << vendor << " via " << origin << ": " << reply.dump();
            return {};
        }
        return reply["result"]["certificates"][0]["id"];
    }

    nlohmann::json authenticate(HostProcess& host, const std::string& certificateId, const std::string& origin)
    {
        const std::vector<std::uint8_t> challenge(32, 0x5a);
        return send(
            host, "authenticate", origin,
            {{"certificateId", certificateId}, {"challenge", cabridge::base64Encode(challenge)}, {"pin", "123456"}});
    }

    static mode_t modeOf(const std::filesystem::path& path)
    {
        struct stat st {};
        EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
        return st.st_mode & 07777;
    }

    static std::string mappedFiles(const HostProcess& host)
    {
        std::ifstream in("/proc/" + std::to_string(host.pid()) + "/maps");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    int id_ = 0;
};

TEST_F(HostOriginTrust, AVendorsOriginsUnlockThatVendorsCertificatesOnly)
{
    addPlugin("vendor-a", CABRIDGE_TEST_SOFT_PLUGIN, softConfig(kPortalA));
    addPlugin("vendor-b", CABRIDGE_TEST_SOFT_PLUGIN, softConfig(kPortalB));
    dir_.write("policy.json", nlohmann::json {{"allowOrigins", {kShared}}}.dump());
    HostProcess host(config_);

    EXPECT_EQ(vendorsListed(host, kPortalA), std::set<std::string> {"vendor-a"});
    EXPECT_EQ(vendorsListed(host, kPortalB), std::set<std::string> {"vendor-b"});
    // The administrator's list serves every vendor.
    EXPECT_EQ(vendorsListed(host, kShared), (std::set<std::string> {"vendor-a", "vendor-b"}));

    // Asking for the other vendor by name is refused, naming the vendor.
    const auto named = send(host, "list-certificates", kPortalA, {{"vendor", "vendor-b"}});
    EXPECT_EQ(named["error"]["code"], "ORIGIN_NOT_ALLOWED") << named.dump();
    EXPECT_EQ(named["error"]["details"]["vendor"], "vendor-b") << named.dump();

    // B's certificate (its id learnt elsewhere) cannot be used from A's portal; A's can.
    const auto certA = certificateOf(host, "vendor-a", kShared);
    const auto certB = certificateOf(host, "vendor-b", kShared);
    const auto refused = authenticate(host, certB, kPortalA);
    EXPECT_EQ(refused["error"]["code"], "ORIGIN_NOT_ALLOWED") << refused.dump();
    EXPECT_EQ(refused["error"]["details"]["vendor"], "vendor-b") << refused.dump();
    const auto signedA = authenticate(host, certA, kPortalA);
    ASSERT_TRUE(signedA.contains("result")) << signedA.dump();
    EXPECT_EQ(signedA["result"]["token"]["origin"], kPortalA);
    EXPECT_TRUE(authenticate(host, certB, kShared).contains("result"));

    // status: allowed for some vendor is allowed.
    EXPECT_EQ(send(host, "status", kPortalB)["result"]["originAllowed"], true);
}

TEST_F(HostOriginTrust, StatusToAnOriginNotAllowedNamesNoPluginAndTheAdminToolGetsAll)
{
    addPlugin("vendor-a", CABRIDGE_TEST_SOFT_PLUGIN, softConfig(kPortalA));
    dir_.write("policy.json", nlohmann::json {{"denyOrigins", {"https://denied.example.com"}}}.dump());
    {
        HostProcess host(config_);
        // An origin the policy file denies is decided without any plugin: none is loaded.
        const auto denied = send(host, "status", "https://denied.example.com");
        EXPECT_EQ(denied["result"], (nlohmann::json {{"version", "0.1.0"}, {"protocol", 1}, {"originAllowed", false}}))
            << denied.dump();
        const auto mapped = mappedFiles(host);
        EXPECT_EQ(mapped.find("cabridge-host-engine.so"), std::string::npos) << mapped;
        EXPECT_EQ(mapped.find("libvendor-a.so"), std::string::npos) << mapped;
        // Any other origin not allowed learns no more.
        const auto other = send(host, "status", "https://elsewhere.example.com");
        EXPECT_EQ(other["result"], denied["result"]) << other.dump();
        const auto plain = send(host, "status", "http://elsewhere.example.com");
        EXPECT_EQ(plain["result"], denied["result"]) << plain.dump();
        // The vendor's portal gets the full status.
        const auto allowed = send(host, "status", kPortalA);
        ASSERT_EQ(allowed["result"]["plugins"].size(), 1u) << allowed.dump();
        EXPECT_EQ(allowed["result"]["plugins"][0]["id"], "vendor-a");
        EXPECT_EQ(allowed["result"]["originTrusted"], false);
        EXPECT_EQ(allowed["result"]["policy"]["state"], "ok");
    }
    // The admin tool (cabridge doctor) starts the host with --admin-status: everything, to any origin.
    HostProcess admin(config_, kTestExtensionOrigin, {}, CABRIDGE_HOST_EXE, {"--admin-status"});
    const auto full = send(admin, "status", "https://localhost");
    EXPECT_EQ(full["result"]["originAllowed"], false);
    ASSERT_EQ(full["result"]["plugins"].size(), 1u) << full.dump();
    EXPECT_EQ(full["result"]["plugins"][0]["state"], "ok");
    EXPECT_EQ(full["result"]["policy"]["state"], "ok");
    // Nowhere else on the command line does it count.
    HostProcess late(config_, kTestExtensionOrigin, {}, CABRIDGE_HOST_EXE, {"x", "--admin-status"});
    EXPECT_FALSE(send(late, "status", "https://localhost")["result"].contains("plugins"));
}

TEST_F(HostOriginTrust, TrustedOriginsAreReportedOnlyForAllowedOrigins)
{
    addPlugin("vendor-a", CABRIDGE_TEST_SOFT_PLUGIN, softConfig(kPortalA));
    dir_.write("policy.json", nlohmann::json {{"allowOrigins", {kPlainPortal}},
                                              {"trustedOrigins", {kPlainPortal, "http://10.20.30.41:25688"}}}
                                  .dump());
    HostProcess host(config_);
    EXPECT_EQ(send(host, "status", kPlainPortal)["result"]["originTrusted"], true);
    EXPECT_EQ(send(host, "status", kPortalA)["result"]["originTrusted"], false);
    // Trusted but not allowed: not allowed, and nothing more is said.
    const auto unlisted = send(host, "status", "http://10.20.30.41:25688");
    EXPECT_EQ(unlisted["result"]["originAllowed"], false);
    EXPECT_FALSE(unlisted["result"].contains("originTrusted")) << unlisted.dump();
}

TEST_F(HostOriginTrust, PolicyWildcardOverAPublicSuffixRefusesTheFile)
{
    addPlugin("vendor-a", CABRIDGE_TEST_SOFT_PLUGIN, softConfig(kPortalA));
    dir_.write("policy.json", nlohmann::json {{"allowOrigins", {"https://*.gov.cn"}}}.dump());
    HostProcess host(config_, kTestExtensionOrigin, {}, CABRIDGE_HOST_EXE, {"--admin-status"});
    const auto status = send(host, "status", kPortalA);
    EXPECT_EQ(status["result"]["policy"]["state"], "error");
    EXPECT_NE(status["result"]["policy"]["error"].get<std::string>().find("public suffix gov.cn"), std::string::npos)
        << status.dump();
    EXPECT_EQ(send(host, "list-certificates", "https://any.gov.cn")["error"]["code"], "ORIGIN_NOT_ALLOWED");
}

// Plugin files are trusted like the policy file: a directory others may write to, a descriptor
// or a library owned by another user put the plugin in the error state, with the reason.
TEST_F(HostOriginTrust, PluginFilesOthersCouldChangeAreRefusedWithTheReason)
{
    auto pluginState = [&](const std::string& id) {
        HostProcess host(config_, kTestExtensionOrigin, {}, CABRIDGE_HOST_EXE, {"--admin-status"});
        const auto status = send(host, "status", kPortalA);
        for (const auto& plugin : status["result"]["plugins"]) {
            if (plugin["id"] == id) return plugin;
        }
        ADD_FAILURE() << "no plugin " << id << " in " << status.dump();
        return nlohmann::json::object();
    };
    addPlugin("vendor-a", CABRIDGE_TEST_SOFT_PLUGIN, softConfig(kPortalA));
    EXPECT_EQ(pluginState("vendor-a")["state"], "ok");

    ASSERT_EQ(::chmod(plugins_.c_str(), 0777), 0);
    auto plugin = pluginState("vendor-a");
    EXPECT_EQ(plugin["state"], "error");
    EXPECT_NE(plugin.value("error", "").find(plugins_.string() + " is group- or world-writable (mode 0777)"),
              std::string::npos)
        << plugin.dump();
    {
        // And it is not used: its portal is not allowed.
        HostProcess host(config_);
        EXPECT_EQ(send(host, "list-certificates", kPortalA)["error"]["code"], "ORIGIN_NOT_ALLOWED");
    }
    ASSERT_EQ(::chmod(plugins_.c_str(), 0755), 0);

    const auto descriptor = plugins_ / "vendor-a.json";
    ASSERT_EQ(::chown(descriptor.c_str(), 12345, 12345), 0);
    plugin = pluginState("vendor-a");
    EXPECT_EQ(plugin["state"], "error");
    EXPECT_NE(
        plugin.value("error", "").find("descriptor not trusted: " + descriptor.string() + " is owned by uid 12345"),
        std::string::npos)
        << plugin.dump();
    ASSERT_EQ(::chown(descriptor.c_str(), 0, 0), 0);

    const auto library = plugins_ / "libvendor-a.so";
    ASSERT_EQ(::chmod(library.c_str(), 0775), 0);
    plugin = pluginState("vendor-a");
    EXPECT_EQ(plugin["state"], "error");
    EXPECT_NE(plugin.value("error", "").find("plugin library not trusted"), std::string::npos) << plugin.dump();
    ASSERT_EQ(::chmod(library.c_str(), 0755), 0);
    EXPECT_EQ(pluginState("vendor-a")["state"], "ok");
}

TEST_F(HostOriginTrust, LogDirectoryIsPrivateAndItsFilesOwnerOnly)
{
    addPlugin("vendor-a", CABRIDGE_TEST_SOFT_PLUGIN, softConfig(kPortalA));
    const auto state = dir_.path() / "state" / "cabridge";
    const auto config = dir_.write(
        "private.json",
        nlohmann::json {{"pluginDirs", {plugins_.string()}}, {"logFile", (state / "host.log").string()}}.dump());
    {
        HostProcess host(config);
        EXPECT_TRUE(send(host, "list-certificates", kPortalA).contains("result"));
    }
    EXPECT_EQ(modeOf(dir_.path() / "state"), 0700u);
    EXPECT_EQ(modeOf(state), 0700u);
    EXPECT_EQ(modeOf(state / "host.log"), 0600u);
    ASSERT_TRUE(std::filesystem::exists(state / "plugin-probes.json"));
    EXPECT_EQ(modeOf(state / "plugin-probes.json"), 0600u);
}

}  // namespace
