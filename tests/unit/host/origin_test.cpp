#include "extension_origin.h"
#include "origin.h"

#include <gtest/gtest.h>

#include <vector>

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

TEST(GeckoId, EmailLikeOrGuid)
{
    for (const char* good : {"cabridge@cabridge.org", "a@b", "@cabridge.org", "x-y.z_1@m.example-2.cn",
                             "{12345678-abcd-ABCD-0123-456789abcdef}"}) {
        EXPECT_TRUE(isGeckoId(good)) << good;
    }
    for (const char* bad : {"", "cabridge", "cabridge@", "a b@c", "a@b/c", "a@b@c",
                            "{12345678-abcd-abcd-0123-456789abcdeg}", "{12345678-abcd-abcd-0123-456789abcdef",
                            "chrome-extension://nojnbkjmnolldjcnebneodoflnialbln/", "--admin-status"}) {
        EXPECT_FALSE(isGeckoId(bad)) << bad;
    }
    EXPECT_TRUE(isGeckoId(std::string(40, 'a') + "@" + std::string(39, 'b')));   // 80 characters
    EXPECT_FALSE(isGeckoId(std::string(40, 'a') + "@" + std::string(40, 'b')));  // 81
}

TEST(CallerExtension, ChromeOriginOrFirefoxManifestAndId)
{
    using Args = std::vector<const char*>;
    const auto caller = [](const Args& args) { return parseCallerExtension(args); };
    EXPECT_EQ(caller({"chrome-extension://nojnbkjmnolldjcnebneodoflnialbln/"}), "nojnbkjmnolldjcnebneodoflnialbln");
    // Chrome on Windows adds --parent-window; the admin tool adds --admin-status.
    EXPECT_EQ(caller({"chrome-extension://nojnbkjmnolldjcnebneodoflnialbln/", "--admin-status"}),
              "nojnbkjmnolldjcnebneodoflnialbln");
    EXPECT_EQ(caller({"/usr/lib/mozilla/native-messaging-hosts/org.cabridge.host.json", "cabridge@cabridge.org"}),
              "cabridge@cabridge.org");
    EXPECT_EQ(caller({"/home/u/.mozilla/native-messaging-hosts/org.cabridge.host.json",
                      "{12345678-abcd-abcd-0123-456789abcdef}"}),
              "{12345678-abcd-abcd-0123-456789abcdef}");
    for (const Args& bad : std::vector<Args> {
             {},
             {"cabridge@cabridge.org"},                                           // the id alone
             {"/home/u/.mozilla/native-messaging-hosts/org.cabridge.host.json"},  // no id
             {"relative/org.cabridge.host.json", "cabridge@cabridge.org"},        // not absolute
             {"/home/u/org.cabridge.host", "cabridge@cabridge.org"},              // not a .json
             {"/home/u/org.cabridge.host.json", "not-an-id"},
             {"/home/u/org.cabridge.host.json", "--admin-status"},
             {"https://portal.example.cn/", "cabridge@cabridge.org"},
         }) {
        EXPECT_FALSE(caller(bad)) << (bad.empty() ? "(none)" : bad[0]);
    }
}
