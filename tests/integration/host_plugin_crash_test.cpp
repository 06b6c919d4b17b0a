// Plugins that crash while starting (host/src/plugin_probe.h): in a static constructor when the
// library is loaded, and in create. The real host must report them as broken plugins and keep
// serving the others, instead of dying on every start.
#include "host_process.h"
#include "test_certificates.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

using namespace cabridge::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPortal = "https://si.example.gov.cn";

class HostPluginCrash : public ::testing::Test {
protected:
    HostPluginCrash() : plugins_(dir_.path() / "plugins")
    {
        std::filesystem::create_directories(plugins_);
        config_ = dir_.write("host.json", nlohmann::json {{"pluginDirs", {plugins_.string()}},
                                                          {"policyFile", (dir_.path() / "policy.json").string()},
                                                          {"logFile", (dir_.path() / "host.log").string()}}
                                              .dump());
    }

    // Copies `library` into the plugin dir as lib<id>.so and writes <id>.json.
    void addPlugin(const std::string& id, const char* library, const nlohmann::json& config)
    {
        const std::string name = "lib" + id + ".so";
        std::filesystem::copy_file(library, plugins_ / name, std::filesystem::copy_options::overwrite_existing);
        dir_.write("plugins/" + id + ".json", nlohmann::json {{"id", id},
                                                              {"name", id},
                                                              {"abi", 1},
                                                              {"library", name},
                                                              {"config", config},
                                                              {"deadlines", {{"enumerateMs", 5000}}}}
                                                  .dump());
    }

    // The soft plugin with one token holding one certificate, for `kPortal`.
    nlohmann::json softConfig()
    {
        CertificateSpec spec;
        spec.subject = {{"CN", "河北测试科技有限公司"}};
        const auto made = makeCertificateAndKey(spec);
        // Files of their own: a plugin's identity includes the files its config names.
        const std::string name = "cert" + std::to_string(++certificates_);
        const auto der = dir_.write(name + ".der", std::string(made.der.begin(), made.der.end()));
        const auto key = dir_.write(name + ".key.pem", made.keyPem);
        return {{"origins", {kPortal}},
                {"tokens",
                 {{{"serial", "SOFT-1"},
                   {"label", "KEY-1"},
                   {"pin", "123456"},
                   {"certificates", {{{"label", "c"}, {"der", der.string()}, {"key", key.string()}}}}}}}};
    }

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

    std::string log() const
    {
        std::ifstream in(dir_.path() / "host.log");
        return std::string(std::istreambuf_iterator<char>(in), {});
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

    TempDir dir_;
    std::filesystem::path plugins_;
    std::filesystem::path config_;
    int certificates_ = 0;
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
        HostProcess host(config_);
        expectCrashed(pluginsById(host)["crash-load"]);
    }
    std::ifstream in(dir_.path() / "plugin-probes.json");
    const auto verdicts = nlohmann::json::parse(in, nullptr, false);
    ASSERT_TRUE(verdicts.is_object());
    ASSERT_EQ(verdicts.size(), 1u);
    EXPECT_EQ(verdicts.begin().value()["crashed"], true);
}
