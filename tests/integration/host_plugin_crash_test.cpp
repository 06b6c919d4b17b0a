// Plugins that crash while starting (host/include/cabridge/host/plugin_probe.h): in a static constructor when the
// library is loaded, and in create. The real host must report them as broken plugins and keep
// serving the others, instead of dying on every start.
#include "plugin_dir_fixture.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

using namespace cabridge::test;
using namespace cabridge::test_support;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPortal = "https://si.example.gov.cn";

class HostPluginCrash : public PluginDirFixture {
protected:
    // Every plugin here gets a 5 s enumerate deadline, so a probe that hangs ends the test soon.
    void addPlugin(const std::string& id, const char* library, const nlohmann::json& config)
    {
        PluginDirFixture::addPlugin(id, library, config, {{"deadlines", {{"enumerateMs", 5000}}}});
    }

    nlohmann::json softConfig() { return PluginDirFixture::softConfig(kPortal); }

    std::map<std::string, nlohmann::json> pluginsById(HostProcess& host)
    {
        const auto reply = host.request({{"id", 1}, {"command", "status"}, {"origin", kPortal}});
        std::map<std::string, nlohmann::json> byId;
        for (const auto& plugin : reply["result"]["plugins"]) byId[plugin["id"]] = plugin;
        return byId;
    }

    std::size_t certificatesListed(HostProcess& host)
    {
        const auto reply = host.request({{"id", 2},
                                         {"command", "list-certificates"},
                                         {"origin", kPortal},
                                         {"arguments", nlohmann::json::object()}});
        return reply["result"]["certificates"].size();
    }

    static std::size_t count(const std::string& text, const std::string& what)
    {
        std::size_t n = 0;
        for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
        return n;
    }

    // How the probe reports a plugin that crashed: by its signal (SIGSEGV; SIGABRT in a sanitizer
    // build, whose handler reports the SIGSEGV and aborts), or by an exit a sanitizer chose.
    static void expectCrashed(const nlohmann::json& plugin)
    {
        EXPECT_EQ(plugin.value("state", ""), "error") << plugin.dump();
        const std::string error = plugin.value("error", "");
        const bool bySignal = error.find("crashed while starting (SIGSEGV)") != std::string::npos ||
                              error.find("crashed while starting (SIGABRT)") != std::string::npos;
        const bool byExit = error.find("ended the process while starting") != std::string::npos;
        EXPECT_TRUE(bySignal || byExit) << error;
    }
};

}  // namespace

TEST_F(HostPluginCrash, CrashInCreateOrAtLoadIsABrokenPluginAndTheOthersKeepWorking)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    addPlugin("crash-create", CABRIDGE_TEST_CRASHCREATE_PLUGIN, nlohmann::json::object());
    addPlugin("crash-load", CABRIDGE_TEST_CRASHLOAD_PLUGIN, nlohmann::json::object());

    HostProcess host(config_);
    auto byId = pluginsById(host);
    ASSERT_EQ(byId.size(), 3u);
    EXPECT_EQ(byId["soft"]["state"], "ok");
    expectCrashed(byId["crash-create"]);
    expectCrashed(byId["crash-load"]);
    EXPECT_EQ(certificatesListed(host), 1u);
    host.closeInput();
    EXPECT_EQ(host.waitForExit(), 0);
}

TEST_F(HostPluginCrash, VerdictsAreRememberedUntilTheLibraryChanges)
{
    addPlugin("soft", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    addPlugin("crash-create", CABRIDGE_TEST_CRASHCREATE_PLUGIN, nlohmann::json::object());
    const std::string probed = "probed in a child process";

    {
        HostProcess first(config_);
        expectCrashed(pluginsById(first)["crash-create"]);
    }
    EXPECT_EQ(count(log(), probed), 2u) << log();  // both plugins, once each
    EXPECT_TRUE(std::filesystem::exists(dir_.path() / "plugin-probes.json"));

    // A second start believes the remembered verdicts: no child, same answer.
    {
        HostProcess second(config_);
        auto byId = pluginsById(second);
        EXPECT_EQ(byId["soft"]["state"], "ok");
        expectCrashed(byId["crash-create"]);
        EXPECT_EQ(certificatesListed(second), 1u);
    }
    EXPECT_EQ(count(log(), probed), 2u) << log();

    // The administrator replaces the broken library with a working build: probed again, loaded.
    addPlugin("crash-create", CABRIDGE_TEST_SOFT_PLUGIN, softConfig());
    {
        HostProcess third(config_);
        auto byId = pluginsById(third);
        EXPECT_EQ(byId["crash-create"]["state"], "ok") << byId["crash-create"].dump();
        EXPECT_EQ(certificatesListed(third), 2u);
    }
    EXPECT_EQ(count(log(), probed), 3u) << log();
}

TEST_F(HostPluginCrash, MalformedVerdictFileIsIgnoredAndRewritten)
{
    addPlugin("crash-load", CABRIDGE_TEST_CRASHLOAD_PLUGIN, nlohmann::json::object());
    dir_.write("plugin-probes.json", "{\"not\": [\"what the host wrote\"");
    {
        // No working plugin declares the portal: only the admin tool's status names the plugins.
        HostProcess host(config_, kTestExtensionOrigin, {}, CABRIDGE_HOST_EXE, {"--admin-status"});
        expectCrashed(pluginsById(host)["crash-load"]);
    }
    std::ifstream in(dir_.path() / "plugin-probes.json");
    const auto verdicts = nlohmann::json::parse(in, nullptr, false);
    ASSERT_TRUE(verdicts.is_object());
    ASSERT_EQ(verdicts.size(), 1u);
    EXPECT_EQ(verdicts.begin().value()["crashed"], true);
}
