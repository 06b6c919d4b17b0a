#include "host_config.h"
#include <cabridge/test_support/temp_dir.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

using namespace cabridge;

using cabridge::test_support::TempDir;

TEST(HostConfig, DefaultsFollowEnvironment)
{
    ::setenv("CABRIDGE_PLUGIN_PATH", "/p1::/p2", 1);
    ::setenv("CABRIDGE_LOG", "/tmp/x/host.log", 1);
    const auto config = defaultHostConfig("/opt/cabridge/bin");
    ::unsetenv("CABRIDGE_PLUGIN_PATH");
    ::unsetenv("CABRIDGE_LOG");
    ASSERT_EQ(config.pluginDirs.size(), 4u);
    EXPECT_EQ(config.pluginDirs[0], "/p1");
    EXPECT_EQ(config.pluginDirs[1], "/p2");
    EXPECT_EQ(config.pluginDirs[2], "/etc/cabridge/plugins.d");
    EXPECT_EQ(config.pluginDirs[3], std::filesystem::path("/opt/cabridge/bin/../lib/cabridge/plugins"));
    EXPECT_EQ(config.allowedExtensions,
              (std::vector<std::string> {CABRIDGE_DEFAULT_EXTENSION_ID, CABRIDGE_DEFAULT_GECKO_ID}));
    EXPECT_EQ(config.policyFile, "/etc/cabridge/policy.json");
    EXPECT_EQ(config.logFile, "/tmp/x/host.log");
}

TEST(HostConfig, FileOverridesKeys)
{
    const TempDir dir;
    const auto file = dir.write("host.json", R"({"pluginDirs":["/a","/b"],"allowedExtensions":["abc"],
        "policyFile":"/tmp/p.json","logFile":"/tmp/l.log"})");
    const auto config = loadHostConfigFile(file, "/bin");
    EXPECT_FALSE(config.error);
    EXPECT_EQ(config.pluginDirs, (std::vector<std::filesystem::path> {"/a", "/b"}));
    EXPECT_EQ(config.allowedExtensions, std::vector<std::string> {"abc"});
    EXPECT_EQ(config.policyFile, "/tmp/p.json");
    EXPECT_EQ(config.logFile, "/tmp/l.log");
}

TEST(HostConfig, MalformedFileFallsBackToDefaultsWithError)
{
    for (const char* text :
         {"{", "[]", R"({"pluginDir":["/a"]})", R"({"allowedExtensions":"abc"})", R"({"policyFile":""})"}) {
        const TempDir dir;
        const auto file = dir.write("host.json", text);
        const auto config = loadHostConfigFile(file, "/bin");
        EXPECT_TRUE(config.error) << text;
        EXPECT_EQ(config.allowedExtensions,
                  (std::vector<std::string> {CABRIDGE_DEFAULT_EXTENSION_ID, CABRIDGE_DEFAULT_GECKO_ID}))
            << text;
    }
}
