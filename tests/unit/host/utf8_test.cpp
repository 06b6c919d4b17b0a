#include "utf8.h"

#include <gtest/gtest.h>

using cabridge::isValidUtf8;

TEST(Utf8, AcceptsValidText)
{
    EXPECT_TRUE(isValidUtf8(""));
    EXPECT_TRUE(isValidUtf8("plain ascii"));
    EXPECT_TRUE(isValidUtf8("河北省石家庄市"));
    EXPECT_TRUE(isValidUtf8("\xF0\x9F\x98\x80"));  // U+1F600
}

TEST(Utf8, RefusesMalformedSequences)
{
    for (const char* bad : {"\xFF", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE6\xB2",
                            "abc\x80", "\xF8\x88\x80\x80\x80"}) {
        EXPECT_FALSE(isValidUtf8(bad)) << bad;
    }
}
