#include "origin_policy.h"
#include "temp_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>

using namespace cabridge;
using Verdict = OriginPolicy::Verdict;

using cabridge::test::TempDir;

TEST(OriginPolicy, PluginOriginsPlusAllowMinusDeny)
{
    AdminPolicy admin;
    admin.allowOrigins = {"https://extra.gov.cn", "http://10.0.0.5:8080"};
    admin.denyOrigins = {"https://bad.gov.cn"};
    const OriginPolicy policy({"http://222.222.31.183:25688", "https://bad.gov.cn", "https://si.gov.cn"}, {}, admin);
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
    const OriginPolicy policy({"http://localhost:8080", "https://*.localhost"}, {}, {});
    EXPECT_EQ(policy.check("http://localhost:8080"), Verdict::Allowed);
    EXPECT_EQ(policy.check("http://localhost:9090"), Verdict::NotAllowed);
    EXPECT_EQ(policy.check("http://127.0.0.1:8080"), Verdict::NotAllowed);
}

TEST(OriginPolicy, WildcardCoversSubdomainsOfHttpsOnly)
{
    AdminPolicy admin;
    admin.allowOrigins = {"https://*.example.gov.cn", "http://*.plain.cn"};
    admin.denyOrigins = {"https://evil.example.gov.cn"};
    const OriginPolicy policy({}, {}, admin);
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

TEST(OriginPolicy, LegacyNeedsBothListingAndAllowance)
{
    AdminPolicy admin;
    admin.legacyOrigins = {"https://old.gov.cn", "https://denied.gov.cn"};
    admin.denyOrigins = {"https://denied.gov.cn"};
    const OriginPolicy policy({"http://222.222.31.183:25688", "https://old.gov.cn", "https://new.gov.cn"},
                              {"http://222.222.31.183:25688"}, admin);
    EXPECT_TRUE(policy.legacyAllowed("http://222.222.31.183:25688"));
    EXPECT_TRUE(policy.legacyAllowed("https://old.gov.cn"));
    EXPECT_FALSE(policy.legacyAllowed("https://new.gov.cn"));
    EXPECT_FALSE(policy.legacyAllowed("https://denied.gov.cn"));
}

TEST(AdminPolicyFile, MissingFileIsAnEmptyPolicy)
{
    const auto load = loadAdminPolicy("/nonexistent/cabridge/policy.json");
    EXPECT_FALSE(load.error);
    EXPECT_TRUE(load.policy.allowOrigins.empty());
}

TEST(AdminPolicyFile, ReadsAllThreeLists)
{
    TempDir dir;
    const auto file = dir.write("policy.json", R"({"allowOrigins":["https://a.cn"],"denyOrigins":["https://b.cn"],
        "legacyOrigins":["https://*.c.cn"]})");
    const auto load = loadAdminPolicy(file);
    ASSERT_FALSE(load.error) << *load.error;
    EXPECT_EQ(load.policy.allowOrigins, std::vector<std::string> {"https://a.cn"});
    EXPECT_EQ(load.policy.denyOrigins, std::vector<std::string> {"https://b.cn"});
    EXPECT_EQ(load.policy.legacyOrigins, std::vector<std::string> {"https://*.c.cn"});
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
