#include "public_suffix.h"
#include <cabridge/test_support/temp_dir.h>

#include <gtest/gtest.h>

using cabridge::isPublicSuffix;
using cabridge::test_support::TempDir;

// Debian's list (the publicsuffix package, a dependency of cabridge).
TEST(PublicSuffix, ChineseGovernmentAndCommercialSuffixesByTheInstalledList)
{
    for (const char* suffix : {"cn", "gov.cn", "com.cn", "he.cn", "com", "github.io"}) {
        EXPECT_EQ(isPublicSuffix(suffix), true) << suffix;
    }
    for (const char* domain : {"hebca.com", "hebei.gov.cn", "si.hebei.gov.cn", "example.com.cn"}) {
        EXPECT_EQ(isPublicSuffix(domain), false) << domain;
    }
}

// The list's wildcard and exception rules and its implicit "*" rule, on a list of our own.
TEST(PublicSuffix, WildcardExceptionAndDefaultRules)
{
    TempDir dir;
    const auto list = dir.write("list.dat",
                                "// comment line\n"
                                "\n"
                                "cn\n"
                                "gov.cn   trailing text is ignored\n"
                                "*.ck\n"
                                "!www.ck\n"
                                "// ===BEGIN PRIVATE DOMAINS===\r\n"
                                "apps.example.org\r\n");
    EXPECT_EQ(isPublicSuffix("cn", list), true);
    EXPECT_EQ(isPublicSuffix("gov.cn", list), true);
    EXPECT_EQ(isPublicSuffix("hebei.gov.cn", list), false);
    EXPECT_EQ(isPublicSuffix("anything.ck", list), true);  // by "*.ck"
    EXPECT_EQ(isPublicSuffix("www.ck", list), false);      // the exception
    EXPECT_EQ(isPublicSuffix("a.www.ck", list), false);
    EXPECT_EQ(isPublicSuffix("ck", list), true);        // implicit "*"
    EXPECT_EQ(isPublicSuffix("unlisted", list), true);  // implicit "*"
    EXPECT_EQ(isPublicSuffix("example.unlisted", list), false);
    EXPECT_EQ(isPublicSuffix("apps.example.org", list), true);  // CRLF line ends
    EXPECT_EQ(isPublicSuffix("example.org", list), false);
}

TEST(PublicSuffix, UnreadableListAnswersNothing)
{
    EXPECT_EQ(isPublicSuffix("cn", "/nonexistent/public_suffix_list.dat"), std::nullopt);
    TempDir dir;
    EXPECT_EQ(isPublicSuffix("cn", dir.write("empty.dat", "")), std::nullopt);
}
