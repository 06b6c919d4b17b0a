#include "extension_origin.h"
#include "origin.h"

#include <gtest/gtest.h>

using namespace cabridge;

TEST(OriginSyntax, AcceptsBrowserSerializedOrigins)
{
    for (const char* good : {"https://si.hebei.gov.cn", "http://222.222.31.183:25688", "http://localhost:8080",
                             "http://127.0.0.1", "https://[::1]:8443", "https://a-b.example.gov.cn:443"}) {
        EXPECT_TRUE(parseOrigin(good)) << good;
    }
    const auto o = parseOrigin("http://222.222.31.183:25688");
    ASSERT_TRUE(o);
    EXPECT_EQ(o->scheme, "http");
    EXPECT_EQ(o->host, "222.222.31.183");
    EXPECT_EQ(o->port, "25688");
    EXPECT_EQ(o->toString(), "http://222.222.31.183:25688");
}

TEST(OriginSyntax, RefusesEverythingElse)
{
    for (const char* bad : {"",
                            "https://",
                            "https://a.cn/",
                            "https://a.cn/path",
                            "https://a.cn?q=1",
                            "https://a.cn#f",
                            "https://user@a.cn",
                            "HTTPS://a.cn",
                            "https://A.cn",
                            "ftp://a.cn",
                            "chrome-extension://abc",
                            "https://a.cn:",
                            "https://a.cn:0",
                            "https://a.cn:65536",
                            "https://a.cn:08",
                            "https://a..cn",
                            "https://a cn",
                            "https://.a.cn",
                            "https//a.cn",
                            "null",
                            "https://[zz]",
                            "file:///etc/passwd"}) {
        EXPECT_FALSE(parseOrigin(bad)) << bad;
    }
    EXPECT_FALSE(parseOrigin("https://" + std::string(248, 'a')));  // 256 characters
    EXPECT_TRUE(parseOrigin("https://" + std::string(247, 'a')));   // 255 characters
}

TEST(ExtensionOrigin, OnlyChromeExtensionWithTrailingSlash)
{
    EXPECT_EQ(parseExtensionOrigin("chrome-extension://nojnbkjmnolldjcnebneodoflnialbln/"),
              "nojnbkjmnolldjcnebneodoflnialbln");
    for (const char* bad :
         {"chrome-extension://nojnbkjmnolldjcnebneodoflnialbln", "chrome-extension://nojnbkjmnolldjcnebneodoflnialblq/",
          "chrome-extension://abc/", "https://nojnbkjmnolldjcnebneodoflnialbln/", ""}) {
        EXPECT_FALSE(parseExtensionOrigin(bad)) << bad;
    }
}
