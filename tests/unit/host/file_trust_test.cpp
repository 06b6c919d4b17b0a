#include "file_trust.h"
#include <cabridge/test_support/temp_dir.h>

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using cabridge::FileTrust;
using cabridge::test_support::TempDir;

namespace fs = std::filesystem;

// The tests run as root here, so chown to another uid is possible; TempDir lives under /tmp, a
// root-owned sticky directory, which is acceptable above the directory holding a file.
TEST(FileTrust, OwnFileInOwnDirectoryUnderStickyTmpIsTrusted)
{
    TempDir dir;
    const auto file = dir.write("a.json", "{}");
    EXPECT_EQ(FileTrust().check(file), std::nullopt);
}

TEST(FileTrust, GroupOrWorldWritableFileIsNot)
{
    TempDir dir;
    for (const mode_t mode : {0664, 0646, 0666}) {
        const auto file = dir.write("w.json", "{}", mode);
        const auto why = FileTrust().check(file);
        ASSERT_TRUE(why) << std::oct << mode;
        EXPECT_NE(why->find("group- or world-writable"), std::string::npos) << *why;
    }
}

TEST(FileTrust, FileOwnedByAnotherUserIsNot)
{
    TempDir dir;
    const auto file = dir.write("foreign.json", "{}");
    ASSERT_EQ(::chown(file.c_str(), 12345, 12345), 0);
    const auto why = FileTrust().check(file);
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("owned by uid 12345"), std::string::npos) << *why;
}

TEST(FileTrust, DirectoryOthersCanWriteIsNotEvenWithTheStickyBit)
{
    TempDir dir;
    const auto open = dir.path() / "open";
    fs::create_directory(open);
    for (const mode_t mode : {0777, 01777, 0775}) {
        ASSERT_EQ(::chmod(open.c_str(), mode), 0);
        const auto file = open / "a.json";
        std::ofstream(file) << "{}";
        ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
        const auto why = FileTrust().check(file);
        ASSERT_TRUE(why) << std::oct << mode;
        EXPECT_NE(why->find("directory " + open.string() + " is group- or world-writable"), std::string::npos) << *why;
    }
}

TEST(FileTrust, AncestorOthersCanWriteIsNotUnlessStickyAndRoots)
{
    TempDir dir;
    const auto above = dir.path() / "above";
    const auto holder = above / "plugins";
    fs::create_directories(holder);
    ASSERT_EQ(::chmod(holder.c_str(), 0755), 0);
    const auto file = holder / "a.json";
    std::ofstream(file) << "{}";
    ASSERT_EQ(::chmod(file.c_str(), 0644), 0);

    ASSERT_EQ(::chmod(above.c_str(), 0777), 0);
    auto why = FileTrust().check(file);
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("group- or world-writable"), std::string::npos) << *why;

    ASSERT_EQ(::chmod(above.c_str(), 01777), 0);  // like /tmp: root's, sticky
    EXPECT_EQ(FileTrust().check(file), std::nullopt);

    ASSERT_EQ(::chown(above.c_str(), 12345, 12345), 0);  // sticky but another user's
    ASSERT_EQ(::chmod(above.c_str(), 01777), 0);
    why = FileTrust().check(file);
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("owned by uid 12345"), std::string::npos) << *why;
}

TEST(FileTrust, SymlinkIsJudgedByItsTargetAndItsOwnDirectory)
{
    TempDir dir;
    const auto target = dir.write("target.json", "{}", 0666);
    const auto link = dir.path() / "link.json";
    fs::create_symlink(target, link);
    auto why = FileTrust().check(link);
    ASSERT_TRUE(why);
    EXPECT_NE(why->find(target.string()), std::string::npos) << *why;
    ASSERT_EQ(::chmod(target.c_str(), 0644), 0);
    EXPECT_EQ(FileTrust().check(link), std::nullopt);

    // A trusted target reached through a link in a directory anyone may change is not trusted.
    const auto open = dir.path() / "open";
    fs::create_directory(open);
    ASSERT_EQ(::chmod(open.c_str(), 0777), 0);
    fs::create_symlink(target, open / "link.json");
    why = FileTrust().check(open / "link.json");
    ASSERT_TRUE(why);
    EXPECT_NE(why->find(open.string()), std::string::npos) << *why;
}

TEST(FileTrust, MissingFileIsNot)
{
    EXPECT_TRUE(FileTrust().check("/nonexistent/cabridge/a.json"));
}
