#include "plugin_descriptor.h"
#include <cabridge/test_support/temp_dir.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace cabridge;

TEST(PluginDescriptor, ParsesFullDescriptor)
{
    const auto d = parsePluginDescriptor("/x/hebca.json", R"({"id":"hebca","name":"河北 CA","abi":1,
        "library":"libcabridge-pkcs11.so","config":{"id":"hebca","name":"河北 CA","modules":["/usr/lib/softhsm/libsofthsm2.so"]},
        "deadlines":{"enumerateMs":500,"loginMs":600,"signMs":700}})");
    EXPECT_EQ(d.id, "hebca");
    EXPECT_EQ(d.name, "河北 CA");
    EXPECT_EQ(d.library, "libcabridge-pkcs11.so");
    EXPECT_EQ(d.config["modules"][0], "/usr/lib/softhsm/libsofthsm2.so");
    EXPECT_EQ(d.deadlines.enumerate.count(), 500);
    EXPECT_EQ(d.deadlines.login.count(), 600);
    EXPECT_EQ(d.deadlines.sign.count(), 700);
}

TEST(PluginDescriptor, DefaultsWhenOptionalKeysAbsent)
{
    const auto d = parsePluginDescriptor("/x/v.json", R"({"id":"v","abi":1,"library":"libv.so"})");
    EXPECT_EQ(d.name, "v");
    EXPECT_TRUE(d.config.is_object());
    EXPECT_TRUE(d.config.empty());
    EXPECT_EQ(d.deadlines.enumerate.count(), 10000);
    EXPECT_EQ(d.deadlines.login.count(), 20000);
    EXPECT_EQ(d.deadlines.sign.count(), 20000);
}

TEST(PluginDescriptor, RefusesMalformedDescriptors)
{
    const char* bad[] = {
        "{",
        "[]",
        R"({"abi":1,"library":"l.so"})",
        R"({"id":"V","abi":1,"library":"l.so"})",
        R"({"id":"other","abi":1,"library":"l.so"})",
        R"({"id":"v","library":"l.so"})",
        R"({"id":"v","abi":2,"library":"l.so"})",
        R"({"id":"v","abi":"1","library":"l.so"})",
        R"({"id":"v","abi":1})",
        R"({"id":"v","abi":1,"library":""})",
        R"({"id":"v","abi":1,"library":"l.so","config":[]})",
        R"({"id":"v","abi":1,"library":"l.so","name":5})",
        R"({"id":"v","abi":1,"library":"l.so","deadlines":{"enumerateMs":0}})",
        R"({"id":"v","abi":1,"library":"l.so","deadlines":{"enumerateMs":"5"}})",
        R"({"id":"v","abi":1,"library":"l.so","deadlines":{"loginMS":5}})",
    };
    for (const char* text : bad) {
        EXPECT_THROW(parsePluginDescriptor("/x/v.json", text), DescriptorError) << text;
    }
}

TEST(PluginDescriptor, LibraryMustResolveInsideAPluginDir)
{
    const cabridge::test_support::TempDir dir;
    const std::filesystem::path& root = dir.path();
    const auto plugins = root / "plugins";
    const auto outside = root / "outside";
    std::filesystem::create_directories(plugins / "sub");
    std::filesystem::create_directories(outside);
    std::ofstream(plugins / "libgood.so") << "x";
    std::ofstream(plugins / "sub" / "libsub.so") << "x";
    std::ofstream(outside / "libevil.so") << "x";
    std::filesystem::create_symlink(outside / "libevil.so", plugins / "liblink.so");
    const auto descriptor = plugins / "v.json";
    const std::vector<std::filesystem::path> dirs = {plugins};

    EXPECT_EQ(resolvePluginLibrary(descriptor, "libgood.so", dirs), std::filesystem::canonical(plugins / "libgood.so"));
    EXPECT_EQ(resolvePluginLibrary(descriptor, "sub/libsub.so", dirs),
              std::filesystem::canonical(plugins / "sub" / "libsub.so"));
    EXPECT_THROW(resolvePluginLibrary(descriptor, "libmissing.so", dirs), DescriptorError);
    EXPECT_THROW(resolvePluginLibrary(descriptor, "../outside/libevil.so", dirs), DescriptorError);
    EXPECT_THROW(resolvePluginLibrary(descriptor, (outside / "libevil.so").string(), dirs), DescriptorError);
    EXPECT_THROW(resolvePluginLibrary(descriptor, "liblink.so", dirs), DescriptorError);  // symlink escapes
}

TEST(PluginDescriptor, EnvironmentForTheMiddleware)
{
    const auto d = parsePluginDescriptor("/x/v.json", R"({"id":"v","abi":1,"library":"l.so",
        "environment":{"SOFTHSM2_CONF":"/etc/softhsm/v.conf","VENDOR_LOG":"1"}})");
    using Variables = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(d.environment, (Variables {{"SOFTHSM2_CONF", "/etc/softhsm/v.conf"}, {"VENDOR_LOG", "1"}}));
    EXPECT_TRUE(parsePluginDescriptor("/x/v.json", R"({"id":"v","abi":1,"library":"l.so"})").environment.empty());

    const std::pair<const char*, const char*> bad[] = {
        {R"({"environment":[]})", "must be an object"},
        {R"({"environment":{"1ABC":"x"}})", "must match"},
        {R"({"environment":{"A-B":"x"}})", "must match"},
        {R"({"environment":{"":"x"}})", "must match"},
        {R"({"environment":{"LD_PRELOAD":"/tmp/x.so"}})", "dynamic loader"},
        {R"({"environment":{"LD_LIBRARY_PATH":"/opt/v"}})", "dynamic loader"},
        {R"({"environment":{"V":1}})", "must be a string"},
        {R"({"environment":{"V":"a\u0000b"}})", "without NUL"},
    };
    for (const auto& [extra, why] : bad) {
        auto text = nlohmann::json::parse(extra);
        text.update({{"id", "v"}, {"abi", 1}, {"library", "l.so"}});
        try {
            parsePluginDescriptor("/x/v.json", text.dump());
            ADD_FAILURE() << extra << " accepted";
        } catch (const DescriptorError& e) {
            EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << extra << ": " << e.what();
        }
    }
    nlohmann::json many = nlohmann::json::object();
    for (int i = 0; i < 33; ++i) many["V" + std::to_string(i)] = "x";
    EXPECT_THROW(
        parsePluginDescriptor(
            "/x/v.json", nlohmann::json {{"id", "v"}, {"abi", 1}, {"library", "l.so"}, {"environment", many}}.dump()),
        DescriptorError);
}
