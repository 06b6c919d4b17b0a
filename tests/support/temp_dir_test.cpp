// Tests of cabridge/test_support/temp_dir.h: a fresh private directory that removes itself.
#include <cabridge/test_support/temp_dir.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <utility>

namespace fs = std::filesystem;
using cabridge::test_support::readFile;
using cabridge::test_support::TempDir;

TEST(TempDir, IsAFreshPrivateDirectoryRemovedWithAllInItAtTheEnd)
{
    fs::path where;
    {
        const TempDir dir("cabridge-temp-dir-test-");
        where = dir.path();
        ASSERT_TRUE(fs::is_directory(where));
        EXPECT_EQ(where.filename().string().rfind("cabridge-temp-dir-test-", 0), 0u) << where;
        EXPECT_EQ(fs::status(where).permissions() & fs::perms::all, fs::perms::owner_all);
        EXPECT_TRUE(fs::is_empty(where));
        dir.write("a/b/c.txt", "deep");
        dir.write("unreadable", "x", 0);
        EXPECT_NE(TempDir().path(), where);
    }
    EXPECT_FALSE(fs::exists(where));
}

TEST(TempDir, WriteMakesParentsSetsTheModeAndReplaces)
{
    const TempDir dir;
    const fs::path file = dir.write("sub/x.json", "first, longer text");
    EXPECT_EQ(file, dir.path() / "sub/x.json");
    EXPECT_EQ(fs::status(file).permissions() & fs::perms::all, fs::perms(0644));
    dir.write("sub/x.json", "second", 0600);
    EXPECT_EQ(readFile(file), "second");
    EXPECT_EQ(fs::status(file).permissions() & fs::perms::all, fs::perms(0600));
    const std::string binary("a\0b", 3);
    EXPECT_EQ(readFile(dir.write("bin", binary)), binary);
    EXPECT_EQ(readFile(dir.path() / "missing"), "");
}

TEST(TempDir, MovingHandsOverTheDirectory)
{
    TempDir first;
    const fs::path where = first.path();
    {
        TempDir second(std::move(first));
        EXPECT_EQ(second.path(), where);
        // What a move leaves behind is the point here.
        EXPECT_TRUE(first.path().empty());  // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
    }
    EXPECT_FALSE(fs::exists(where));
}

TEST(TempDir, KeptDirectoryStays)
{
    fs::path where;
    {
        TempDir dir;
        where = dir.path();
        dir.keep();
    }
    EXPECT_TRUE(fs::is_directory(where));
    fs::remove_all(where);
}
