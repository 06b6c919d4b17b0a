// discoverPluginDescriptors and resolvePluginLibrary against real directories: what counts
// as a descriptor, and when a library lies inside a plugin directory (by identity, so
// symlinked paths to the same directory agree and symlinks out of it do not).
#include "plugin_discovery.h"
#include <cabridge/test_support/temp_dir.h>

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>

using namespace cabridge;
namespace fs = std::filesystem;

namespace {

class PluginDirs : public ::testing::Test {
protected:
    void SetUp() override
    {
        fs::create_directories(plugins_);
        fs::create_directories(outside_);
    }

    static std::string descriptor(const std::string& id, const std::string& library)
    {
        return R"({"id":")" + id + R"(","abi":1,"library":")" + library + R"("})";
    }

    cabridge::test_support::TempDir dir_;
    const fs::path root_ = dir_.path();
    const fs::path plugins_ = root_ / "plugins";
    const fs::path outside_ = root_ / "outside";
};

}  // namespace

TEST_F(PluginDirs, TakesJsonFilesAndSymlinksToThemInNameOrder)
{
    dir_.write("plugins/libb.so", "x");
    dir_.write("plugins/b.json", descriptor("b", "libb.so"));
    dir_.write("outside/a-real.json", descriptor("a", "libb.so"));
    fs::create_symlink(outside_ / "a-real.json", plugins_ / "a.json");  // a symlinked descriptor counts
    fs::create_directories(plugins_ / "dir.json");                      // a directory does not
    ASSERT_EQ(::mkfifo((plugins_ / "fifo.json").c_str(), 0644), 0);     // nor a FIFO (never opened)
    dir_.write("plugins/.json", descriptor("x", "libb.so"));            // nor a bare suffix
    dir_.write("plugins/c.json.bak", descriptor("c", "libb.so"));

    const auto found = discoverPluginDescriptors({plugins_});
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].fileId, "a");
    EXPECT_EQ(found[1].fileId, "b");
    ASSERT_TRUE(found[1].usable) << found[1].error;
    EXPECT_EQ(found[1].usable->library, plugins_ / "libb.so");
    // "a" names libb.so beside the symlink, not beside its target.
    ASSERT_TRUE(found[0].usable) << found[0].error;
    EXPECT_EQ(found[0].usable->library, plugins_ / "libb.so");
}

TEST_F(PluginDirs, FirstDirectoryWinsAndALibraryMayLieInAnotherPluginDirectory)
{
    const auto second = root_ / "second";
    fs::create_directories(second);
    dir_.write("second/libv.so", "x");
    dir_.write("plugins/v.json", descriptor("v", (second / "libv.so").string()));
    dir_.write("second/v.json", descriptor("v", "libv.so"));

    const auto found = discoverPluginDescriptors({root_ / "missing", plugins_, second});
    ASSERT_EQ(found.size(), 1u);
    ASSERT_TRUE(found[0].usable) << found[0].error;
    EXPECT_EQ(found[0].usable->file, plugins_ / "v.json");
    EXPECT_EQ(found[0].usable->library, second / "libv.so");
}

TEST_F(PluginDirs, ADirectoryReachedThroughASymlinkIsTheSameDirectory)
{
    dir_.write("plugins/libgood.so", "x");
    fs::create_directory_symlink(plugins_, root_ / "via-link");
    const auto descriptorFile = plugins_ / "g.json";
    // Configured by one path, named by the other: the same directory.
    EXPECT_EQ(resolvePluginLibrary(descriptorFile, (root_ / "via-link" / "libgood.so").string(),
                                   std::vector<fs::path> {plugins_}),
              root_ / "via-link" / "libgood.so");
    EXPECT_EQ(resolvePluginLibrary(descriptorFile, "libgood.so", std::vector<fs::path> {root_ / "via-link"}),
              plugins_ / "libgood.so");
}

TEST_F(PluginDirs, ASymlinkedSubdirectoryPointingOutsideIsOutside)
{
    dir_.write("outside/libevil.so", "x");
    fs::create_directory_symlink(outside_, plugins_ / "sub");
    EXPECT_THROW(resolvePluginLibrary(plugins_ / "e.json", "sub/libevil.so", std::vector<fs::path> {plugins_}),
                 DescriptorError);
    // ".." through the symlink is resolved where it points: root_, not plugins_.
    dir_.write("libroot.so", "x");
    EXPECT_THROW(resolvePluginLibrary(plugins_ / "e.json", "sub/../libroot.so", std::vector<fs::path> {plugins_}),
                 DescriptorError);
    // A plugin directory above the library's real place does contain it.
    EXPECT_EQ(resolvePluginLibrary(plugins_ / "e.json", "sub/libevil.so", std::vector<fs::path> {root_}),
              plugins_ / "sub/libevil.so");
}

TEST_F(PluginDirs, ALibraryThatIsNotARegularFileIsNotFound)
{
    fs::create_directories(plugins_ / "libdir.so");
    ASSERT_EQ(::mkfifo((plugins_ / "libfifo.so").c_str(), 0644), 0);
    for (const char* library : {"libdir.so", "libfifo.so", "libmissing.so"}) {
        try {
            resolvePluginLibrary(plugins_ / "x.json", library, std::vector<fs::path> {plugins_});
            ADD_FAILURE() << library << " was accepted";
        } catch (const DescriptorError& e) {
            EXPECT_NE(std::string(e.what()).find("not found"), std::string::npos) << e.what();
        }
    }
}
