#include "origin_policy.h"
#include <cabridge/test_support/temp_dir.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace cabridge;
using Verdict = OriginPolicy::Verdict;

using cabridge::test_support::TempDir;

TEST(OriginPolicy, PluginOriginsPlusAllowMinusDeny)
{
    AdminPolicy admin;
    admin.allowOrigins = {"https://extra.gov.cn", "http://10.0.0.5:8080"};
    admin.denyOrigins = {"https://bad.gov.cn"};
    const OriginPolicy policy({{"hebca", {"http://222.222.31.183:25688", "https://bad.gov.cn", "https://si.gov.cn"}}},
                              admin);
    EXPECT_EQ(policy.check("http://222.222.31.183:25688"), Verdict::Allowed);
    EXPECT_EQ(policy.check("https://si.gov.cn"), Verdict::Allowed);
    EXPECT_EQ(policy.check("https://extra.gov.cn"), Verdict::Allowed);
    EXPECT_EQ(policy.check("http://10.0.0.5:8080"), Verdict::Allowed);
    EXPECT_EQ(policy.check("https://bad.gov.cn"), Verdict::NotAllowed);
    EXPECT_EQ(policy.check("https://other.gov.cn"), Verdict::NotAllowed);
    EXPECT_EQ(policy.check("https://si.gov.cn:8443"), Verdict::NotAllowed);  // port is part of the origin
    EXPECT_EQ(policy.check("http://222.222.31.183:25689"), Verdict::Insecure);
    EXPECT_EQ(policy.check("http://si.gov.cn"), Verdict::Insecure);
    EXPECT_EQ(policy.check("not an origin"), Verdict::NotAllowed);
}

TEST(OriginPolicy, LoopbackHttpFollowsTheListLikeHttps)
{
    const OriginPolicy policy({{"hebca", {"http://localhost:8080", "https://*.localhost"}}}, {});
    EXPECT_EQ(policy.check("http://localhost:8080"), Verdict::Allowed);
    EXPECT_EQ(policy.check("http://localhost:9090"), Verdict::NotAllowed);
    EXPECT_EQ(policy.check("http://127.0.0.1:8080"), Verdict::NotAllowed);
}

TEST(OriginPolicy, WildcardCoversSubdomainsOfHttpsOnly)
{
    AdminPolicy admin;
    admin.allowOrigins = {"https://*.example.gov.cn", "http://*.plain.cn"};
    admin.denyOrigins = {"https://evil.example.gov.cn"};
    const OriginPolicy policy({}, admin);
    EXPECT_EQ(policy.check("https://a.example.gov.cn"), Verdict::Allowed);
    EXPECT_EQ(policy.check("https://a.b.example.gov.cn"), Verdict::Allowed);
    EXPECT_EQ(policy.check("https://example.gov.cn"), Verdict::NotAllowed);
    EXPECT_EQ(policy.check("https://aexample.gov.cn"), Verdict::NotAllowed);
    EXPECT_EQ(policy.check("https://a.example.gov.cn:8443"), Verdict::NotAllowed);
    EXPECT_EQ(policy.check("https://evil.example.gov.cn"), Verdict::NotAllowed);
    EXPECT_EQ(policy.check("http://a.plain.cn"), Verdict::Insecure);
    EXPECT_FALSE(isValidOriginPattern("https://*.a.cn/"));
    EXPECT_FALSE(isValidOriginPattern("https://a.*.cn"));
    EXPECT_TRUE(isValidOriginPattern("https://*.a.cn:8443"));
}

TEST(OriginPolicy, LegacyNeedsThePolicyListAndAllowanceForTheVendor)
{
    AdminPolicy admin;
    admin.legacyOrigins = {"https://old.gov.cn", "https://denied.gov.cn", "http://222.222.31.183:25688"};
    admin.denyOrigins = {"https://denied.gov.cn"};
    const OriginPolicy policy(
        {{"hebca",
          {"http://222.222.31.183:25688", "https://old.gov.cn", "https://new.gov.cn", "https://denied.gov.cn"}},
         {"other", {"https://other.gov.cn"}}},
        admin);
    EXPECT_TRUE(policy.legacyAllowed("hebca", "http://222.222.31.183:25688"));
    EXPECT_TRUE(policy.legacyAllowed("hebca", "https://old.gov.cn"));
    EXPECT_FALSE(policy.legacyAllowed("hebca", "https://new.gov.cn"));     // not in the policy's list
    EXPECT_FALSE(policy.legacyAllowed("hebca", "https://denied.gov.cn"));  // listed, but denied
    // Listed as legacy, but only hebca declares the origin: another vendor's keys stay out.
    EXPECT_FALSE(policy.legacyAllowed("other", "https://old.gov.cn"));
}

TEST(OriginPolicy, AVendorsOriginsUnlockOnlyThatVendor)
{
    AdminPolicy admin;
    admin.allowOrigins = {"https://shared.gov.cn"};
    admin.denyOrigins = {"https://a-denied.gov.cn"};
    const OriginPolicy policy({{"vendor-a", {"https://a.gov.cn", "http://10.0.0.1:8080", "https://a-denied.gov.cn"}},
                               {"vendor-b", {"https://b.gov.cn"}}},
                              admin);
    EXPECT_EQ(policy.check("https://a.gov.cn"), Verdict::Allowed);
    EXPECT_EQ(policy.check("https://b.gov.cn"), Verdict::Allowed);
    EXPECT_EQ(policy.checkFor("vendor-a", "https://a.gov.cn"), Verdict::Allowed);
    EXPECT_EQ(policy.checkFor("vendor-b", "https://a.gov.cn"), Verdict::NotAllowed);
    EXPECT_EQ(policy.checkFor("vendor-a", "https://b.gov.cn"), Verdict::NotAllowed);
    EXPECT_EQ(policy.checkFor("vendor-a", "http://10.0.0.1:8080"), Verdict::Allowed);
    EXPECT_EQ(policy.checkFor("vendor-b", "http://10.0.0.1:8080"), Verdict::Insecure);
    // The administrator's list serves every vendor, a vendor without declarations included.
    EXPECT_EQ(policy.checkFor("vendor-a", "https://shared.gov.cn"), Verdict::Allowed);
    EXPECT_EQ(policy.checkFor("vendor-b", "https://shared.gov.cn"), Verdict::Allowed);
    EXPECT_EQ(policy.checkFor("unknown", "https://shared.gov.cn"), Verdict::Allowed);
    EXPECT_EQ(policy.checkFor("unknown", "https://a.gov.cn"), Verdict::NotAllowed);
    EXPECT_EQ(policy.check("https://a-denied.gov.cn"), Verdict::NotAllowed);
}

TEST(OriginPolicy, AdminVerdictDecidesWithoutPluginsOnlyWhenItCan)
{
    AdminPolicy admin;
    admin.allowOrigins = {"https://shared.gov.cn"};
    admin.denyOrigins = {"https://*.bad.gov.cn"};
    const OriginPolicy policy({}, admin);
    EXPECT_EQ(policy.adminVerdict("https://shared.gov.cn"), Verdict::Allowed);
    EXPECT_EQ(policy.adminVerdict("https://x.bad.gov.cn"), Verdict::NotAllowed);
    EXPECT_EQ(policy.adminVerdict("not an origin"), Verdict::NotAllowed);
    EXPECT_EQ(policy.adminVerdict("https://a.gov.cn"), std::nullopt);  // a plugin may declare it
    EXPECT_EQ(policy.adminVerdict("http://10.0.0.1:8080"), std::nullopt);
}

TEST(OriginPolicy, TrustedNeedsTheListAndAllowance)
{
    AdminPolicy admin;
    admin.allowOrigins = {"http://10.0.0.1:8080"};
    admin.trustedOrigins = {"http://10.0.0.1:8080", "http://10.0.0.2:8080", "http://10.0.0.3:8080",
                            "https://*.trusted.gov.cn"};
    admin.denyOrigins = {"http://10.0.0.3:8080"};
    const OriginPolicy policy(
        {{"hebca",
          {"http://10.0.0.2:8080", "http://10.0.0.3:8080", "https://a.trusted.gov.cn", "http://10.0.0.4:8080"}}},
        admin);
    EXPECT_TRUE(policy.trusted("http://10.0.0.1:8080"));
    EXPECT_TRUE(policy.trusted("http://10.0.0.2:8080"));   // allowed by the plugin, trusted by the policy
    EXPECT_FALSE(policy.trusted("http://10.0.0.3:8080"));  // denied
    EXPECT_FALSE(policy.trusted("http://10.0.0.4:8080"));  // allowed, but not listed as trusted
    EXPECT_FALSE(policy.trusted("http://10.0.0.5:8080"));  // neither
    EXPECT_TRUE(policy.trusted("https://a.trusted.gov.cn"));
    EXPECT_FALSE(policy.trusted("https://b.trusted.gov.cn"));  // trusted by pattern, not allowed
}

TEST(OriginPolicy, NoWildcardOverAPublicSuffix)
{
    for (const char* entry : {"https://*.cn", "https://*.gov.cn", "https://*.com.cn", "https://*.com",
                              "https://*.github.io", "https://*.gov.cn:8443"}) {
        EXPECT_FALSE(isValidOriginPattern(entry)) << entry;
        const auto why = originPatternError(entry);
        ASSERT_TRUE(why) << entry;
        EXPECT_NE(why->find("public suffix"), std::string::npos) << *why;
    }
    for (const char* entry : {"https://*.hebca.com", "https://*.hebei.gov.cn", "https://*.si.hebei.gov.cn:8443"}) {
        EXPECT_TRUE(isValidOriginPattern(entry)) << entry << ": " << originPatternError(entry).value_or("");
    }
    // A plugin's wildcard over a public suffix is ignored (the plugin's entries are checked when
    // they would match); its well-formed sibling still works.
    const OriginPolicy policy({{"hebca", {"https://*.gov.cn", "https://*.hebca.com"}}}, {});
    EXPECT_EQ(policy.check("https://rhs.gov.cn"), Verdict::NotAllowed);
    EXPECT_EQ(policy.check("https://www.hebca.com"), Verdict::Allowed);
}

TEST(AdminPolicyFile, MissingFileIsAnEmptyPolicy)
{
    const auto load = loadAdminPolicy("/nonexistent/cabridge/policy.json");
    EXPECT_FALSE(load.error);
    EXPECT_TRUE(load.policy.allowOrigins.empty());
}

TEST(AdminPolicyFile, ReadsAllFourLists)
{
    TempDir dir;
    const auto file = dir.write("policy.json", R"({"allowOrigins":["https://a.cn"],"denyOrigins":["https://b.cn"],
        "legacyOrigins":["https://*.c.cn"],"trustedOrigins":["http://10.0.0.1:8080"]})");
    const auto load = loadAdminPolicy(file);
    ASSERT_FALSE(load.error) << *load.error;
    EXPECT_EQ(load.policy.allowOrigins, std::vector<std::string> {"https://a.cn"});
    EXPECT_EQ(load.policy.denyOrigins, std::vector<std::string> {"https://b.cn"});
    EXPECT_EQ(load.policy.legacyOrigins, std::vector<std::string> {"https://*.c.cn"});
    EXPECT_EQ(load.policy.trustedOrigins, std::vector<std::string> {"http://10.0.0.1:8080"});
}

TEST(AdminPolicyFile, RefusesAWildcardOverAPublicSuffix)
{
    TempDir dir;
    for (const char* key : {"allowOrigins", "trustedOrigins", "legacyOrigins"}) {
        const auto load = loadAdminPolicy(
            dir.write(std::string(key) + ".json", std::string(R"({")") + key + R"(":["https://*.com.cn"]})"));
        ASSERT_TRUE(load.error) << key;
        EXPECT_NE(load.error->find("public suffix com.cn"), std::string::npos) << *load.error;
    }
}

// The policy file is trusted like the host's own files (file_trust.h).
TEST(AdminPolicyFile, RefusesAFileOrDirectoryOthersCanChange)
{
    TempDir dir;
    const std::string text = R"({"allowOrigins":["https://a.cn"]})";
    const auto groupWritable = dir.write("gw.json", text, 0664);
    auto load = loadAdminPolicy(groupWritable);
    ASSERT_TRUE(load.error);
    EXPECT_NE(load.error->find("group- or world-writable"), std::string::npos) << *load.error;

    const auto foreign = dir.write("foreign.json", text);
    ASSERT_EQ(::chown(foreign.c_str(), 12345, 12345), 0);
    load = loadAdminPolicy(foreign);
    ASSERT_TRUE(load.error);
    EXPECT_NE(load.error->find("owned by uid 12345"), std::string::npos) << *load.error;

    std::filesystem::create_directory(dir.path() / "open");
    ASSERT_EQ(::chmod((dir.path() / "open").c_str(), 0777), 0);
    const auto inOpenDir = dir.path() / "open" / "policy.json";
    std::ofstream(inOpenDir) << text;
    ASSERT_EQ(::chmod(inOpenDir.c_str(), 0644), 0);
    load = loadAdminPolicy(inOpenDir);
    ASSERT_TRUE(load.error);
    EXPECT_NE(load.error->find("directory " + (dir.path() / "open").string()), std::string::npos) << *load.error;

    const auto good = dir.write("good.json", text);
    load = loadAdminPolicy(good);
    EXPECT_FALSE(load.error) << *load.error;
}

TEST(AdminPolicyFile, TrustedOriginsAreExactOriginsOnly)
{
    TempDir dir;
    const auto load = loadAdminPolicy(dir.write("policy.json", R"({"allowOrigins":["http://10.1.2.3:25688"],
        "trustedOrigins":["http://10.1.2.3:25688"]})"));
    ASSERT_FALSE(load.error) << *load.error;
    EXPECT_EQ(load.policy.trustedOrigins, std::vector<std::string> {"http://10.1.2.3:25688"});
    const auto wildcard = loadAdminPolicy(dir.write("wildcard.json", R"({"trustedOrigins":["https://*.c.cn"]})"));
    ASSERT_TRUE(wildcard.error);
    EXPECT_NE(wildcard.error->find("trustedOrigins"), std::string::npos);
}

TEST(AdminPolicyFile, RefusesMalformedOrWorldWritableFiles)
{
    TempDir dir;
    const std::pair<const char*, const char*> bad[] = {
        {"notjson", "{"},
        {"array", "[]"},
        {"unknownkey", R"({"allowOrigin":["https://a.cn"]})"},
        {"notarray", R"({"allowOrigins":"https://a.cn"})"},
        {"badorigin", R"({"allowOrigins":["https://a.cn/path"]})"},
        {"notstring", R"({"denyOrigins":[1]})"},
    };
    for (const auto& [name, text] : bad) {
        const auto load = loadAdminPolicy(dir.write(std::string(name) + ".json", text));
        EXPECT_TRUE(load.error) << name;
        EXPECT_TRUE(load.policy.allowOrigins.empty()) << name;
    }
    const auto writable = dir.write("ww.json", R"({"allowOrigins":["https://a.cn"]})", 0666);
    const auto load = loadAdminPolicy(writable);
    ASSERT_TRUE(load.error);
    EXPECT_NE(load.error->find("world-writable"), std::string::npos);
    EXPECT_TRUE(load.policy.allowOrigins.empty());
}

// Every bad entry is listed with the rule it breaks, so `cabridge doctor` can name them all.
TEST(AdminPolicyFile, ListsEveryInvalidEntryWithItsRule)
{
    TempDir dir;
    const auto load = loadAdminPolicy(
        dir.write("p.json", R"({"allowOrigins":["http://localhost","http://127.0.0.1:8080/",
        "http://127.0.0.1:*"],"denyOrigins":[7]})"));
    ASSERT_TRUE(load.error);
    EXPECT_NE(load.error->find("http://127.0.0.1:8080/"), std::string::npos) << *load.error;
    ASSERT_EQ(load.entryProblems.size(), 3U);
    EXPECT_EQ(load.entryProblems[0].key, "allowOrigins");
    EXPECT_EQ(load.entryProblems[0].entry, "http://127.0.0.1:8080/");
    EXPECT_EQ(load.entryProblems[0].rule, originPatternProblem("http://127.0.0.1:8080/"));
    EXPECT_EQ(load.entryProblems[1].entry, "http://127.0.0.1:*");
    EXPECT_EQ(load.entryProblems[2].key, "denyOrigins");
    EXPECT_EQ(load.entryProblems[2].entry, "7");
    EXPECT_EQ(load.entryProblems[2].rule, "an entry is a JSON string");
    EXPECT_TRUE(load.policy.allowOrigins.empty());
}

TEST(AdminPolicyFile, NamesTheRuleAnEntryBreaks)
{
    const std::pair<const char*, const char*> cases[] = {
        {"http://127.0.0.1:8080/", "no path"},
        {"https://a.cn/x?y", "no path"},
        {"ftp://a.cn", "starts with http:// or https://"},
        {"http://127.0.0.1:*", "wildcard"},
        {"https://a.*.cn", "wildcard"},
        {"http://*.a.cn", "wildcard"},
        {"https://user@a.cn", "user name"},
        {"https://A.cn", "lowercase"},
        {"https://a.cn:0", "port"},
        {"https://a.cn:08080", "port"},
        {"https://a..cn", "host"},
    };
    for (const auto& [entry, words] : cases) {
        EXPECT_NE(originPatternProblem(entry).find(words), std::string::npos)
            << entry << ": " << originPatternProblem(entry);
    }
    EXPECT_EQ(originPatternProblem("https://*.a.gov.cn:8443"), "");
    EXPECT_EQ(originPatternProblem("http://10.0.0.5:8080"), "");
}

// A FIFO where the policy belongs is refused at once: reading it would wait for a writer.
TEST(AdminPolicyFile, FifoIsRefusedWithoutWaiting)
{
    TempDir dir;
    const auto fifo = dir.path() / "fifo.json";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
    const auto load = loadAdminPolicy(fifo);
    ASSERT_TRUE(load.error);
    EXPECT_NE(load.error->find("not a regular file"), std::string::npos) << *load.error;
}

TEST(AdminPolicyFile, ReadsTheLegacyBridgeSettings)
{
    TempDir dir;
    const auto defaults = loadAdminPolicy(dir.write("empty.json", "{}"));
    ASSERT_FALSE(defaults.error);
    EXPECT_EQ(defaults.policy.legacy.hash, "sha1");  // HeBCA's algorithm 1 unless the file says otherwise
    EXPECT_EQ(defaults.policy.legacy.sm2Signature, "der");
    EXPECT_TRUE(defaults.policy.legacy.loginOrigins.empty());  // page-supplied PINs: off by default

    const auto load = loadAdminPolicy(dir.write("policy.json", R"({"legacyOrigins":["https://si.example.gov.cn"],
        "legacyLoginOrigins":["https://si.example.gov.cn"], "legacyHash":"sha256", "legacySm2Signature":"raw",
        "legacyHelperVersion":394500})"));
    ASSERT_FALSE(load.error) << *load.error;
    EXPECT_EQ(load.policy.legacy.hash, "sha256");
    EXPECT_EQ(load.policy.legacy.sm2Signature, "raw");
    EXPECT_EQ(load.policy.legacy.helperVersion, 394500);
    EXPECT_EQ(load.policy.legacy.loginOrigins, std::vector<std::string> {"https://si.example.gov.cn"});

    for (const char* bad : {R"({"legacyHash":"md5"})", R"({"legacyHash":1})", R"({"legacySm2Signature":"asn1"})",
                            R"({"legacyHelperVersion":-1})", R"({"legacyHelperVersion":"6.3.5"})",
                            R"({"legacyHelperVersion":4294967296})", R"({"legacyLoginOrigins":["ftp://x"]})"}) {
        const auto refused = loadAdminPolicy(dir.write("bad.json", bad));
        EXPECT_TRUE(refused.error) << bad;
    }
}

TEST(OriginPolicy, LegacyListedNeedsLegacyOriginsAndForAPinAlsoLegacyLoginOrigins)
{
    AdminPolicy admin;
    admin.legacyOrigins = {"https://*.hebei.gov.cn", "http://121.28.48.13:8080"};
    admin.legacy.loginOrigins = {"http://121.28.48.13:8080", "https://other.example.cn"};
    const OriginPolicy policy({}, admin);
    EXPECT_TRUE(policy.legacyListed("https://si.hebei.gov.cn", false));
    EXPECT_FALSE(policy.legacyListed("https://si.hebei.gov.cn", true));
    EXPECT_FALSE(policy.legacyListed("https://hebei.gov.cn", false));  // a wildcard never covers the bare name
    EXPECT_TRUE(policy.legacyListed("http://121.28.48.13:8080", true));
    EXPECT_FALSE(policy.legacyListed("https://other.example.cn", true));  // a PIN origin must be legacy too
    EXPECT_FALSE(policy.legacyListed("not an origin", false));
}

// CA enrolment sites (#18): a vendor's own for its tokens only, the policy's for all, minus
// denyEnrollOrigins and denyOrigins; independent of the portal lists.
TEST(OriginPolicy, EnrolmentSitesAreTheirOwnList)
{
    AdminPolicy admin;
    admin.allowOrigins = {"https://portal.gov.cn"};
    admin.enrollOrigins = {"http://127.0.0.1:8443", "http://10.1.1.1:80"};
    admin.denyEnrollOrigins = {"https://old.hebca.com"};
    admin.denyOrigins = {"https://bad.hebca.com"};
    const OriginPolicy policy(
        {{"hebca", {"https://si.gov.cn"}, {"https://www.hebca.com", "https://old.hebca.com", "https://bad.hebca.com"}},
         {"other", {"https://other.gov.cn"}, {"https://*.otherca.cn"}}},
        admin);
    EXPECT_TRUE(policy.enrollAllowedFor("hebca", "https://www.hebca.com"));
    EXPECT_FALSE(policy.enrollAllowedFor("other", "https://www.hebca.com")) << "for its own vendor only";
    EXPECT_TRUE(policy.enrollAllowedFor("other", "https://ra.otherca.cn"));
    EXPECT_FALSE(policy.enrollAllowedFor("hebca", "https://old.hebca.com")) << "denyEnrollOrigins";
    EXPECT_FALSE(policy.enrollAllowedFor("hebca", "https://bad.hebca.com")) << "denyOrigins";
    EXPECT_TRUE(policy.enrollAllowedFor("hebca", "http://127.0.0.1:8443")) << "the policy's, for every vendor";
    EXPECT_TRUE(policy.enrollAllowedFor("other", "http://10.1.1.1:80"));
    EXPECT_FALSE(policy.enrollAllowedFor("hebca", "https://si.gov.cn")) << "a portal is no enrolment site";
    EXPECT_FALSE(policy.enrollAllowedFor("hebca", "https://portal.gov.cn"));
    EXPECT_FALSE(policy.enrollAllowedFor("hebca", "http://www.hebca.com")) << "the scheme is part of the origin";
    EXPECT_FALSE(policy.enrollAllowedFor("hebca", "not an origin"));
    EXPECT_TRUE(policy.enrollAllowedForAny("https://ra.otherca.cn"));
    EXPECT_TRUE(policy.enrollAllowedForAny("http://10.1.1.1:80"));
    EXPECT_FALSE(policy.enrollAllowedForAny("https://si.gov.cn"));
    // An enrolment site is not a portal: it may not log in.
    EXPECT_EQ(policy.checkFor("hebca", "https://www.hebca.com"), Verdict::NotAllowed);
}

TEST(AdminPolicyFile, ReadsTheEnrolmentLists)
{
    TempDir dir;
    const auto load = loadAdminPolicy(dir.write(
        "policy.json", R"({"enrollOrigins":["https://ra.example.cn"],"denyEnrollOrigins":["https://*.hebca.com"]})"));
    ASSERT_FALSE(load.error) << *load.error;
    EXPECT_EQ(load.policy.enrollOrigins, std::vector<std::string> {"https://ra.example.cn"});
    EXPECT_EQ(load.policy.denyEnrollOrigins, std::vector<std::string> {"https://*.hebca.com"});
    const auto bad = loadAdminPolicy(dir.write("bad.json", R"({"enrollOrigins":["https://*.com.cn"]})"));
    EXPECT_TRUE(bad.error);
}
