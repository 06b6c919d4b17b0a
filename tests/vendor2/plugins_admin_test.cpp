// `cabridge plugins add|list|check|remove` against a temp --root installation.
#include "vendor2_fixture.h"

#include <gtest/gtest.h>

#include <fstream>

namespace fs = std::filesystem;
using cabridge::vendor2::Installation;
using nlohmann::json;

namespace {

json parseOut(const cabridge::vendor2::CommandResult& r)
{
    auto j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
}

const json* findPlugin(const json& list, const std::string& id)
{
    for (const auto& p : list["plugins"])
        if (p["id"] == id) return &p;
    return nullptr;
}

class PluginsAdmin : public ::testing::Test {
protected:
    Installation inst;
    fs::path installed(const std::string& name) const { return inst.systemPluginDir() / name; }

    // `add` refused with exit 1, a reason containing `reason`, and nothing installed.
    void expectRefused(const json& descriptor, const std::string& reason)
    {
        const auto r = inst.cabridge(
            {"plugins", "add", inst.writeDescriptor("d.json", descriptor).string(), "--root", inst.root().string()});
        EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
        EXPECT_NE(r.err.find(reason), std::string::npos) << r.err;
        EXPECT_FALSE(fs::exists(installed("demo-ca.json")));
        EXPECT_FALSE(fs::exists(installed("libcabridge-pkcs11.so")));
    }
};

TEST_F(PluginsAdmin, AddsGenericVendorAndListShowsBothOk)
{
    const auto add = inst.cabridge({"plugins", "add",
                                    inst.writeDescriptor("demo.json", Installation::demoDescriptor()).string(),
                                    "--root", inst.root().string()});
    ASSERT_EQ(add.exitCode, 0) << add.err;
    EXPECT_TRUE(fs::is_regular_file(installed("demo-ca.json")));
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(installed("libcabridge-pkcs11.so"))));
    EXPECT_EQ(json::parse(std::ifstream(installed("demo-ca.json")))["library"], "libcabridge-pkcs11.so");

    const auto list = inst.cabridge({"plugins", "list", "--root", inst.root().string(), "--json"});
    ASSERT_EQ(list.exitCode, 0) << list.err;
    const json report = parseOut(list);
    const json* demo = findPlugin(report, "demo-ca");
    const json* hebca = findPlugin(report, "hebca");
    ASSERT_NE(demo, nullptr) << report.dump(2);
    ASSERT_NE(hebca, nullptr);
    EXPECT_EQ((*demo)["state"], "ok") << demo->dump();
    EXPECT_EQ((*demo)["name"], "演示 CA");
    EXPECT_EQ((*hebca)["state"], "ok");
    // The build's own hebca.json comes later in the host's order and is ignored.
    ASSERT_EQ(report["ignored"].size(), 1u);

    const auto again = inst.cabridge({"plugins", "add",
                                      inst.writeDescriptor("demo.json", Installation::demoDescriptor()).string(),
                                      "--root", inst.root().string()});
    EXPECT_EQ(again.exitCode, 1);
    EXPECT_NE(again.err.find("already installed"), std::string::npos) << again.err;
}

TEST_F(PluginsAdmin, LinkMakesSymlinkTheHostAccepts)
{
    const auto add = inst.cabridge({"plugins", "add",
                                    inst.writeDescriptor("demo.json", Installation::demoDescriptor()).string(),
                                    "--link", "--root", inst.root().string()});
    ASSERT_EQ(add.exitCode, 0) << add.err;
    ASSERT_TRUE(fs::is_symlink(installed("libcabridge-pkcs11.so")));
    EXPECT_EQ(fs::canonical(installed("libcabridge-pkcs11.so")),
              fs::canonical(fs::path(CABRIDGE_V2_PLUGIN_DIR) / "libcabridge-pkcs11.so"));
    const json report = parseOut(inst.cabridge({"plugins", "list", "--root", inst.root().string(), "--json"}));
    ASSERT_NE(findPlugin(report, "demo-ca"), nullptr);
    EXPECT_EQ((*findPlugin(report, "demo-ca"))["state"], "ok");
}

TEST_F(PluginsAdmin, LinkToLibraryOutsidePluginDirsIsRefused)
{
    json d = Installation::demoDescriptor();
    fs::create_directories(inst.dir() / "elsewhere");
    fs::copy_file(fs::path(CABRIDGE_V2_PLUGIN_DIR) / "libcabridge-pkcs11.so",
                  inst.dir() / "elsewhere" / "libcabridge-pkcs11.so");
    d["library"] = (inst.dir() / "elsewhere" / "libcabridge-pkcs11.so").string();
    const auto r = inst.cabridge(
        {"plugins", "add", inst.writeDescriptor("d.json", d).string(), "--link", "--root", inst.root().string()});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.err.find("outside the plugin directories"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(fs::symlink_status(installed("libcabridge-pkcs11.so"))));
    EXPECT_FALSE(fs::exists(installed("demo-ca.json")));
}

TEST_F(PluginsAdmin, RefusesMalformedJson)
{
    const fs::path file = inst.dir() / "broken.json";
    std::ofstream(file) << "{\"id\": \"demo-ca\", \"abi\": 1,";
    const auto r = inst.cabridge({"plugins", "add", file.string(), "--root", inst.root().string()});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(inst.systemPluginDir()));
}

TEST_F(PluginsAdmin, RefusesMissingLibrary)
{
    json d = Installation::demoDescriptor();
    d["library"] = "libcabridge-nonexistent.so";
    expectRefused(d, "plugin library not found");
}

TEST_F(PluginsAdmin, RefusesWrongAbiLibrary)
{
    json d = Installation::demoDescriptor();
    d["library"] = CABRIDGE_V2_ABI99_PLUGIN;
    expectRefused(d, "ABI version 99");
}

TEST_F(PluginsAdmin, RefusesLibraryWithoutEntryPoint)
{
    json d = Installation::demoDescriptor();
    d["library"] = CABRIDGE_V2_NOENTRY_PLUGIN;
    expectRefused(d, "does not export cabridge_plugin_v1");
}

// The tool starts the plugin in a child (cabridge-host --probe-plugin) before loading it, so a
// library that crashes while starting is refused with the reason instead of killing the tool.
TEST_F(PluginsAdmin, RefusesLibraryThatCrashesWhileStarting)
{
    for (const char* library : {CABRIDGE_V2_CRASHCREATE_PLUGIN, CABRIDGE_V2_CRASHLOAD_PLUGIN}) {
        json d = Installation::demoDescriptor();
        d["library"] = library;
        expectRefused(d, "while starting");
    }
}

TEST_F(PluginsAdmin, RefusesDescriptorAbiOtherThanOne)
{
    json d = Installation::demoDescriptor();
    d["abi"] = 2;
    expectRefused(d, "declares ABI 2");
}

TEST_F(PluginsAdmin, RefusesConfigIdMismatch)
{
    json d = Installation::demoDescriptor();
    d["config"]["id"] = "other-ca";
    expectRefused(d, "does not match the descriptor id");
}

TEST_F(PluginsAdmin, RefusesBadId)
{
    json d = Installation::demoDescriptor();
    d["id"] = "Demo_CA";
    expectRefused(d, "\"id\" must be 1 to 32 characters");
}

TEST_F(PluginsAdmin, RefusesConfigThePluginRejects)
{
    json d = Installation::demoDescriptor();
    d["config"].erase("modules");
    expectRefused(d, "missing required key modules");
    d = Installation::demoDescriptor();
    d["config"]["tokenLabel"] = "typo";
    expectRefused(d, "unknown key tokenLabel");
}

TEST_F(PluginsAdmin, CheckListsOnlyTheVendorsTokensWithSubjects)
{
    inst.provisionToken(cabridge::vendor2::kDemoLabel, {"org-ec"});
    inst.provisionToken(cabridge::vendor2::kHebcaLabel, {"org-rsa"});
    const fs::path descriptor = inst.writeDescriptor("demo.json", Installation::demoDescriptor());

    // Before it is installed: checked from the vendor's file.
    const auto before = inst.cabridge(
        {"plugins", "check", descriptor.string(), "--root", inst.root().string(), "--json"});
    ASSERT_EQ(before.exitCode, 0) << before.err;
    json report = parseOut(before);
    ASSERT_EQ(report["tokens"].size(), 1u) << report.dump(2);
    EXPECT_EQ(report["tokens"][0]["label"], cabridge::vendor2::kDemoLabel);
    ASSERT_EQ(report["tokens"][0]["certificates"].size(), 1u);
    EXPECT_NE(report["tokens"][0]["certificates"][0]["subject"].get<std::string>().find("石家庄示例商贸有限公司"),
              std::string::npos);

    ASSERT_EQ(inst.cabridge({"plugins", "add", descriptor.string(), "--root", inst.root().string()}).exitCode, 0);
    const auto byId = inst.cabridge({"plugins", "check", "demo-ca", "--root", inst.root().string()});
    ASSERT_EQ(byId.exitCode, 0) << byId.err;
    EXPECT_NE(byId.out.find("DEMO-CA-KEY"), std::string::npos) << byId.out;
    // It says which middleware it found, so an administrator can confirm a "modules" setting.
    EXPECT_NE(byId.out.find("PKCS#11 module /usr/lib/softhsm/libsofthsm2.so"), std::string::npos) << byId.out;
    EXPECT_EQ(byId.out.find(cabridge::vendor2::kHebcaLabel + std::string("\"")), std::string::npos) << byId.out;

    // HeBCA, without a token filter, sees both tokens of the shared SoftHSM.
    report = parseOut(inst.cabridge({"plugins", "check", "hebca", "--root", inst.root().string(), "--json"}));
    EXPECT_EQ(report["tokens"].size(), 2u) << report.dump(2);
    EXPECT_EQ(report["notice"], "hebca: PKCS#11 module /usr/lib/softhsm/libsofthsm2.so") << report.dump(2);

    const auto unknown = inst.cabridge({"plugins", "check", "nobody", "--root", inst.root().string()});
    EXPECT_EQ(unknown.exitCode, 1);
}

TEST_F(PluginsAdmin, CheckReportsOrphanKeys)
{
    inst.provisionToken(cabridge::vendor2::kDemoLabel, {"org-ec"});
    const fs::path descriptor = inst.writeDescriptor("demo.json", Installation::demoDescriptor());
    auto report = parseOut(
        inst.cabridge({"plugins", "check", descriptor.string(), "--root", inst.root().string(), "--json"}));
    ASSERT_EQ(report["tokens"].size(), 1u) << report.dump(2);
    const auto before = report["tokens"][0]["orphanKeys"];
    ASSERT_TRUE(before.is_array()) << report.dump(2);
    // A key pair without a certificate, as a renewal that stopped after generate-key leaves it.
    const auto made = cabridge::vendor2::runProgram(
        "/usr/bin/pkcs11-tool",
        {"--module", "/usr/lib/softhsm/libsofthsm2.so", "--token-label", cabridge::vendor2::kDemoLabel, "--login",
         "--pin", cabridge::vendor2::kPin, "--keypairgen", "--key-type", "EC:prime256v1", "--id", "c0ffee", "--label",
         "orphan"},
        inst.environment());
    ASSERT_EQ(made.exitCode, 0) << made.err;
    report = parseOut(
        inst.cabridge({"plugins", "check", descriptor.string(), "--root", inst.root().string(), "--json"}));
    const auto after = report["tokens"][0]["orphanKeys"];
    ASSERT_EQ(after.size(), before.size() + 1) << report.dump(2);
    bool found = false;
    for (const auto& key : after) found = found || (key["keyId"] == "c0ffee" && key["keyType"] == "P-256");
    EXPECT_TRUE(found) << report.dump(2);
    const auto text = inst.cabridge({"plugins", "check", descriptor.string(), "--root", inst.root().string()});
    EXPECT_NE(text.out.find("orphan key c0ffee (P-256)"), std::string::npos) << text.out;
}

TEST_F(PluginsAdmin, RemoveDeletesDescriptorAndLibrary)
{
    ASSERT_EQ(
        inst.cabridge({"plugins", "add", inst.writeDescriptor("demo.json", Installation::demoDescriptor()).string(),
                       "--root", inst.root().string()})
            .exitCode,
        0);
    const auto r = inst.cabridge({"plugins", "remove", "demo-ca", "--root", inst.root().string()});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_FALSE(fs::exists(installed("demo-ca.json")));
    EXPECT_FALSE(fs::exists(installed("libcabridge-pkcs11.so")));
    const json report = parseOut(inst.cabridge({"plugins", "list", "--root", inst.root().string(), "--json"}));
    EXPECT_EQ(findPlugin(report, "demo-ca"), nullptr);

    const auto again = inst.cabridge({"plugins", "remove", "demo-ca", "--root", inst.root().string()});
    EXPECT_EQ(again.exitCode, 1);
    EXPECT_NE(again.err.find("no plugin \"demo-ca\""), std::string::npos) << again.err;
}

TEST_F(PluginsAdmin, RemoveKeepsLibraryAnotherVendorStillUses)
{
    json second = Installation::demoDescriptor();
    second["id"] = "demo-ca-2";
    second["config"]["id"] = "demo-ca-2";
    ASSERT_EQ(inst.cabridge({"plugins", "add", inst.writeDescriptor("a.json", Installation::demoDescriptor()).string(),
                             "--root", inst.root().string()})
                  .exitCode,
              0);
    const auto add2 = inst.cabridge(
        {"plugins", "add", inst.writeDescriptor("b.json", second).string(), "--root", inst.root().string()});
    ASSERT_EQ(add2.exitCode, 0) << add2.err;
    ASSERT_EQ(inst.cabridge({"plugins", "remove", "demo-ca", "--root", inst.root().string()}).exitCode, 0);
    EXPECT_TRUE(fs::exists(installed("libcabridge-pkcs11.so")));
    EXPECT_TRUE(fs::exists(installed("demo-ca-2.json")));
}

}  // namespace
