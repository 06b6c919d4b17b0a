// The host front and its token engine (host/src/engine/token_engine.h, docs/architecture.md "Cold
// status"): `status` answered from the plugins' start records loads neither a plugin nor
// OpenSSL; the first token command loads them; anything the records cannot vouch for (a new or
// changed build, a plugin that failed) is loaded for real; a missing engine module is an
// installation error, not a crash.
#include "plugin_dir_fixture.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace cabridge::test;
using namespace cabridge::test_support;

namespace {

constexpr const char* kPortal = "https://si.example.gov.cn";

class HostLazyEngine : public PluginDirFixture {
protected:
    nlohmann::json softConfig() { return PluginDirFixture::softConfig(kPortal); }

    static nlohmann::json status(HostProcess& host, const std::string& origin = kPortal)
    {
        return host.request({{"id", 1}, {"command", "status"}, {"origin", origin}});
    }

    static nlohmann::json list(HostProcess& host)
    {
        return host.request({{"id", 2},
                             {"command", "list-certificates"},
                             {"origin", kPortal},
                             {"arguments", nlohmann::json::object()}});
    }

    // The files the host process has mapped (/proc/<pid>/maps), to tell what it has loaded.
    static std::string mappedFiles(const HostProcess& host)
    {
        std::ifstream in("/proc/" + std::to_string(host.pid()) + "/maps");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    static bool maps(const std::string& mapped, const std::string& file)
    {
        return mapped.find(file) != std::string::npos;
    }
};

}  // namespace

TEST_F(HostLazyEngine, StatusFromStartRecordsLoadsNeitherPluginNorOpenSslUntilATokenCommand)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    nlohmann::json loaded;
    {
        // No record yet: the first status loads the engine and the plugin, and records the start.
        HostProcess first(config_);
        const auto reply = status(first);
        ASSERT_EQ(reply["result"]["plugins"].size(), 1u) << reply.dump();
        loaded = reply["result"]["plugins"][0];
        EXPECT_EQ(loaded["state"], "ok");
        EXPECT_EQ(loaded["version"], "9.9.9");  // what the plugin describes, not its descriptor
        const auto mapped = mappedFiles(first);
        EXPECT_TRUE(maps(mapped, "cabridge-host-engine.so")) << mapped;
        EXPECT_TRUE(maps(mapped, "libsoft.so")) << mapped;
    }

    HostProcess second(config_);
    const auto reply = status(second);
    ASSERT_EQ(reply["result"]["plugins"].size(), 1u) << reply.dump();
    EXPECT_EQ(reply["result"]["plugins"][0], loaded);   // id, name, version, state as loaded
    EXPECT_EQ(reply["result"]["originAllowed"], true);  // the recorded origins count
    EXPECT_EQ(status(second, "https://elsewhere.example.com")["result"]["originAllowed"], false);
    auto mapped = mappedFiles(second);
    EXPECT_FALSE(maps(mapped, "cabridge-host-engine.so")) << mapped;
    EXPECT_FALSE(maps(mapped, "libsoft.so")) << mapped;
    EXPECT_FALSE(maps(mapped, "libcrypto")) << mapped;

    // The first token command loads them, on the same connection.
    const auto listed = list(second);
    ASSERT_TRUE(listed.contains("result")) << listed.dump();
    EXPECT_EQ(listed["result"]["certificates"].size(), 1u);
    mapped = mappedFiles(second);
    EXPECT_TRUE(maps(mapped, "cabridge-host-engine.so")) << mapped;
    EXPECT_TRUE(maps(mapped, "libsoft.so")) << mapped;
    EXPECT_EQ(status(second)["result"]["plugins"][0]["state"], "ok");
}

TEST_F(HostLazyEngine, AChangedPluginBuildIsLoadedForRealBeforeStatusAnswers)
{
    const auto config = softConfig();
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, config);
    {
        HostProcess first(config_);
        EXPECT_EQ(status(first)["result"]["plugins"][0]["state"], "ok");
    }
    // The administrator drops in a different build under the same name, same configuration:
    // one that fails to start.
    addPlugin("soft", CABRIDGE_TEST_ABI99_PLUGIN, config);
    for (int start = 0; start < 2; ++start) {
        // A plugin that failed is never recorded: every start loads it and says why, now. (To the
        // admin tool: the failed plugin declares no origin, so the portal is not allowed.)
        HostProcess host(config_, kTestExtensionOrigin, {}, CABRIDGE_HOST_EXE, {"--admin-status"});
        const auto reply = status(host);
        ASSERT_EQ(reply["result"]["plugins"].size(), 1u) << reply.dump();
        EXPECT_EQ(reply["result"]["plugins"][0]["state"], "error") << reply.dump();
        EXPECT_TRUE(maps(mappedFiles(host), "cabridge-host-engine.so"));
    }
}

TEST_F(HostLazyEngine, MissingEngineModuleIsAnInstallationErrorAndTheHostKeepsServing)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    // A host installed without its lib/cabridge/ (a broken package or a hand copy).
    const auto bin = dir_.path() / "broken" / "bin";
    std::filesystem::create_directories(bin);
    std::filesystem::copy_file(CABRIDGE_HOST_EXE, bin / "cabridge-host");

    HostProcess host(config_, kTestExtensionOrigin, {}, bin / "cabridge-host");
    for (const auto& reply : {status(host), list(host)}) {
        ASSERT_TRUE(reply.contains("error")) << reply.dump();
        EXPECT_EQ(reply["error"]["code"], "INTERNAL_ERROR");
        EXPECT_NE(reply["error"]["details"].value("reason", "").find("reinstall"), std::string::npos) << reply.dump();
    }
    EXPECT_EQ(host.request({{"id", 3}, {"command", "quit"}, {"origin", kPortal}})["result"], nlohmann::json::object());
    EXPECT_EQ(host.waitForExit(), 0);
    EXPECT_NE(log().find("cabridge-host-engine.so cannot be loaded"), std::string::npos) << log();
}

// The host finds its engine from where its executable really is: started through a symlink to
// the executable (as from /usr/local/bin) or through a symlinked bin directory.
TEST_F(HostLazyEngine, StartedThroughSymlinksFindsTheEngineBesideTheRealExecutable)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    const auto links = dir_.path() / "links";
    std::filesystem::create_directories(links);
    std::filesystem::create_symlink(CABRIDGE_HOST_EXE, links / "cabridge-host");
    std::filesystem::create_directory_symlink(std::filesystem::path(CABRIDGE_HOST_EXE).parent_path(),
                                              dir_.path() / "linked-bin");
    for (const auto& exe : {links / "cabridge-host", dir_.path() / "linked-bin" / "cabridge-host"}) {
        HostProcess host(config_, kTestExtensionOrigin, {}, exe);
        const auto reply = list(host);
        ASSERT_TRUE(reply.contains("result")) << exe << ": " << reply.dump();
        EXPECT_EQ(reply["result"]["certificates"].size(), 1u) << exe << ": " << reply.dump();
    }
}
