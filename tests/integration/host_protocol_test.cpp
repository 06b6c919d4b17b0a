// The wire behaviour of the real host: framing, validation, quit, end of input.
#include <cabridge/test_support/host_process.h>
#include <cabridge/test_support/native_messaging.h>

#include <gtest/gtest.h>

#include <fstream>

using namespace cabridge::test_support;
using namespace std::chrono_literals;

namespace {

class HostProtocol : public ::testing::Test {
protected:
    HostProtocol()
    {
        config_ = dir_.write("host.json", nlohmann::json {{"pluginDirs", {(dir_.path() / "plugins").string()}},
                                                          {"policyFile", (dir_.path() / "policy.json").string()},
                                                          {"logFile", (dir_.path() / "host.log").string()}}
                                              .dump());
    }

    std::string log() const
    {
        std::ifstream in(dir_.path() / "host.log");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    static nlohmann::json status(int id)
    {
        return {{"id", id}, {"command", "status"}, {"origin", "https://a.example.cn"}};
    }

    // The host still answers a well-formed request.
    static void expectAlive(HostProcess& host)
    {
        const auto reply = host.request(status(999));
        EXPECT_EQ(reply["id"], 999);
        EXPECT_EQ(reply["result"]["protocol"], 1);
    }

    TempDir dir_;
    std::filesystem::path config_;
};

}  // namespace

TEST_F(HostProtocol, StatusReportsVersionProtocolAndNoPlugins)
{
    HostProcess host(config_);
    const auto reply = host.request(status(1));
    EXPECT_EQ(reply["id"], 1);
    EXPECT_EQ(reply["result"]["version"], "0.1.0");
    EXPECT_EQ(reply["result"]["protocol"], 1);
    EXPECT_EQ(reply["result"]["originAllowed"], false);
    // Not allowed: nothing about plugins or the policy (HostOriginTrust has the allowed side).
    EXPECT_EQ(reply["result"].size(), 3u) << reply.dump();
}

TEST_F(HostProtocol, MalformedInputTableKeepsHostAlive)
{
    struct Case {
        const char* name;
        std::string body;
        const char* code;
        nlohmann::json id;
    };
    const std::vector<Case> cases = {
        {"invalid utf-8", "{\"id\":1,\"command\":\"status\",\"origin\":\"https://a.cn\",\"a\":\"\xC3\x28\"}",
         "INVALID_MESSAGE", nullptr},
        {"invalid json", "{\"id\":1,", "INVALID_MESSAGE", nullptr},
        {"non-object json", "[1,2,3]", "INVALID_MESSAGE", nullptr},
        {"id wrong type", R"({"id":[1],"command":"status","origin":"https://a.cn"})", "INVALID_MESSAGE", nullptr},
        {"command wrong type", R"({"id":2,"command":1,"origin":"https://a.cn"})", "INVALID_MESSAGE", 2},
        {"unknown command", R"({"id":3,"command":"format-disk","origin":"https://a.cn"})", "UNKNOWN_COMMAND", 3},
        {"unknown argument",
         R"({"id":"4","command":"list-certificates","origin":"https://a.cn","arguments":{"vendr":"x"}})",
         "INVALID_ARGUMENT", "4"},
        {"argument wrong type",
         R"({"id":5,"command":"list-certificates","origin":"https://a.cn","arguments":{"purpose":1}})",
         "INVALID_ARGUMENT", 5},
        {"arguments not object", R"({"id":6,"command":"status","origin":"https://a.cn","arguments":"x"})",
         "INVALID_ARGUMENT", 6},
        {"bad origin path", R"({"id":7,"command":"status","origin":"https://a.cn/login"})", "INVALID_ARGUMENT", 7},
        {"bad origin userinfo", R"({"id":8,"command":"status","origin":"https://u@a.cn"})", "INVALID_ARGUMENT", 8},
        {"bad origin scheme", R"({"id":9,"command":"status","origin":"javascript://a.cn"})", "INVALID_ARGUMENT", 9},
        {"status with argument", R"({"id":10,"command":"status","origin":"https://a.cn","arguments":{"x":1}})",
         "INVALID_ARGUMENT", 10},
    };
    HostProcess host(config_);
    for (const auto& c : cases) {
        host.sendFramed(c.body);
        const auto reply = host.readReply();
        ASSERT_TRUE(reply) << c.name;
        EXPECT_EQ((*reply)["error"]["code"], c.code) << c.name;
        EXPECT_EQ((*reply)["id"], c.id) << c.name;
        EXPECT_FALSE((*reply)["error"]["message"].get<std::string>().empty()) << c.name;
        EXPECT_TRUE((*reply)["error"]["details"].is_object()) << c.name;
    }
    // Length 0 is answered and the host keeps serving.
    host.sendRaw(lengthPrefix(0));
    const auto empty = host.readReply();
    ASSERT_TRUE(empty);
    EXPECT_EQ((*empty)["error"]["code"], "INVALID_MESSAGE");
    expectAlive(host);
    host.closeInput();
    EXPECT_EQ(host.waitForExit(), 0);
}

TEST_F(HostProtocol, OversizedLengthGetsMessageTooLargeThenExit)
{
    for (const std::uint32_t length : {0xFFFFFFFFu, 1024u * 1024u + 1u}) {
        HostProcess host(config_);
        host.sendRaw(lengthPrefix(length));  // no body follows, and the host must not wait for one
        const auto reply = host.readReply(5s);
        ASSERT_TRUE(reply) << length;
        EXPECT_EQ((*reply)["error"]["code"], "MESSAGE_TOO_LARGE");
        EXPECT_EQ((*reply)["id"], nullptr);
        EXPECT_EQ(host.waitForExit(), 0) << length;
    }
}

TEST_F(HostProtocol, TruncatedLengthOrBodyExitsCleanlyWithoutReply)
{
    {
        HostProcess host(config_);
        host.sendRaw(std::string("\x10\x00", 2));
        host.closeInput();
        EXPECT_TRUE(host.outputClosed(5s));
        EXPECT_EQ(host.waitForExit(), 0);
    }
    {
        HostProcess host(config_);
        host.sendRaw(lengthPrefix(100) + "{\"id\":1");
        host.closeInput();
        EXPECT_TRUE(host.outputClosed(5s));
        EXPECT_EQ(host.waitForExit(), 0);
    }
}

TEST_F(HostProtocol, ServesManyRequestsThenExitsZeroOnEof)
{
    HostProcess host(config_);
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(host.request(status(i))["id"], i);
    }
    host.closeInput();
    EXPECT_EQ(host.waitForExit(), 0);
}

TEST_F(HostProtocol, QuitRepliesEmptyObjectThenExits)
{
    HostProcess host(config_);
    const auto reply = host.request({{"id", "q"}, {"command", "quit"}, {"origin", "https://a.cn"}});
    EXPECT_EQ(reply["id"], "q");
    EXPECT_EQ(reply["result"], nlohmann::json::object());
    EXPECT_EQ(host.waitForExit(), 0);
}

TEST_F(HostProtocol, UnknownExtensionGetsExtensionNotAllowedForEveryRequest)
{
    for (const char* caller : {"chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/", "https://evil.example/", ""}) {
        HostProcess host(config_, caller);
        const auto reply = host.request(status(1));
        EXPECT_EQ(reply["error"]["code"], "EXTENSION_NOT_ALLOWED") << caller;
        EXPECT_EQ(reply["id"], 1);
        const auto quit = host.request({{"id", 2}, {"command", "quit"}, {"origin", "https://a.cn"}});
        EXPECT_EQ(quit["error"]["code"], "EXTENSION_NOT_ALLOWED");
        host.sendFramed("not json");
        const auto garbage = host.readReply();
        ASSERT_TRUE(garbage);
        EXPECT_EQ((*garbage)["error"]["code"], "EXTENSION_NOT_ALLOWED");
        host.closeInput();
        EXPECT_EQ(host.waitForExit(), 0);
    }
}

TEST_F(HostProtocol, ConfiguredExtensionIdIsServed)
{
    const auto config = dir_.write("other.json",
                                   nlohmann::json {{"allowedExtensions", {"abcdefghijklmnopabcdefghijklmnop"}},
                                                   {"pluginDirs", nlohmann::json::array()},
                                                   {"logFile", (dir_.path() / "host.log").string()}}
                                       .dump());
    HostProcess allowed(config, "chrome-extension://abcdefghijklmnopabcdefghijklmnop/");
    EXPECT_EQ(allowed.request(status(1))["result"]["protocol"], 1);
    HostProcess defaultId(config);  // the built-in id is no longer listed
    EXPECT_EQ(defaultId.request(status(1))["error"]["code"], "EXTENSION_NOT_ALLOWED");
}

// Firefox starts the host as `host <manifest path> <gecko id>`: the default gecko id is served,
// an unlisted one or a malformed start gets EXTENSION_NOT_ALLOWED, and a configured one is served.
TEST_F(HostProtocol, FirefoxCallerIsServedOnlyForAllowedGeckoIds)
{
    const std::string manifest = (dir_.path() / "org.cabridge.host.json").string();
    HostProcess firefox(config_, manifest, {}, CABRIDGE_HOST_EXE, {CABRIDGE_DEFAULT_GECKO_ID});
    EXPECT_EQ(firefox.request(status(1))["result"]["protocol"], 1);
    const std::vector<std::pair<std::string, std::string>> refused = {
        {manifest, "other@example.org"},
        {manifest, "{12345678-abcd-abcd-0123-456789abcdef}"},
        {"org.cabridge.host.json", CABRIDGE_DEFAULT_GECKO_ID},  // not an absolute manifest path
        {manifest, "cabridge"},                                 // not a gecko id
    };
    for (const auto& [first, second] : refused) {
        HostProcess host(config_, first, {}, CABRIDGE_HOST_EXE, {second});
        EXPECT_EQ(host.request(status(1))["error"]["code"], "EXTENSION_NOT_ALLOWED") << first << " " << second;
    }
    const auto config = dir_.write("gecko.json", nlohmann::json {{"allowedExtensions", {"other@example.org"}},
                                                                 {"pluginDirs", nlohmann::json::array()},
                                                                 {"logFile", (dir_.path() / "host.log").string()}}
                                                     .dump());
    HostProcess other(config, manifest, {}, CABRIDGE_HOST_EXE, {"other@example.org"});
    EXPECT_EQ(other.request(status(1))["result"]["protocol"], 1);
    HostProcess defaultGecko(config, manifest, {}, CABRIDGE_HOST_EXE, {CABRIDGE_DEFAULT_GECKO_ID});
    EXPECT_EQ(defaultGecko.request(status(1))["error"]["code"], "EXTENSION_NOT_ALLOWED");
}

// originTrusted: only for an allowed origin, true only when the policy lists it under trustedOrigins.
TEST_F(HostProtocol, StatusSaysWhetherThePolicyTrustsTheOrigin)
{
    dir_.write("policy.json", R"({"allowOrigins":["http://10.1.2.3:25688","http://10.1.2.4:25688"],
        "trustedOrigins":["http://10.1.2.3:25688","http://10.9.9.9:80"]})");
    HostProcess host(config_);
    auto ask = [&](const char* origin) {
        return host.request({{"id", 1}, {"command", "status"}, {"origin", origin}})["result"];
    };
    EXPECT_EQ(ask("http://10.1.2.3:25688")["originTrusted"], true);
    EXPECT_EQ(ask("http://10.1.2.4:25688")["originTrusted"], false);
    const auto notAllowed = ask("http://10.9.9.9:80");
    EXPECT_EQ(notAllowed["originAllowed"], false);
    EXPECT_FALSE(notAllowed.contains("originTrusted"));
}

TEST_F(HostProtocol, PolicyFileWorldWritableIsRefusedAndShown)
{
    const auto policy = dir_.write("policy.json", R"({"allowOrigins":["https://a.example.cn"]})");
    ::chmod(policy.c_str(), 0666);
    {
        // The policy state is for the administrator: the admin tool's host shows it.
        HostProcess host(config_, kTestExtensionOrigin, {}, CABRIDGE_HOST_EXE, {"--admin-status"});
        const auto reply = host.request(status(1));
        EXPECT_EQ(reply["result"]["policy"]["state"], "error");
        EXPECT_NE(reply["result"]["policy"]["error"].get<std::string>().find("world-writable"), std::string::npos);
        EXPECT_EQ(reply["result"]["originAllowed"], false);
    }
    ::chmod(policy.c_str(), 0644);
    HostProcess host(config_);
    const auto reply = host.request(status(1));
    EXPECT_EQ(reply["result"]["policy"]["state"], "ok");
    EXPECT_EQ(reply["result"]["originAllowed"], true);
}

TEST_F(HostProtocol, LogHasTimestampsAndNoStdoutNoise)
{
    {
        HostProcess host(config_);
        host.request(status(1));
        host.closeInput();
        EXPECT_TRUE(host.outputClosed(5s));  // nothing after the one framed reply
        EXPECT_EQ(host.waitForExit(), 0);
    }
    const auto text = log();
    EXPECT_NE(text.find("started"), std::string::npos);
    EXPECT_NE(text.find("served status"), std::string::npos);
    EXPECT_EQ(text.substr(0, 2), "20");  // ISO timestamp first
}

// The log quotes what a page sent (here an unknown command name); a flood of near-1 MiB
// requests must not grow it by a mebibyte each.
TEST_F(HostProtocol, LogLinesQuotingThePageAreBounded)
{
    const std::string command(std::size_t {900} * 1024, 'x');
    {
        HostProcess host(config_);
        for (int i = 0; i < 5; ++i) {
            const auto reply = host.request({{"id", i}, {"command", command}, {"origin", "https://a.example.cn"}});
            EXPECT_TRUE(reply.contains("error")) << i;
        }
        host.closeInput();
        EXPECT_EQ(host.waitForExit(), 0);
    }
    const auto text = log();
    EXPECT_LT(text.size(), std::size_t {64} * 1024) << "log grew to " << text.size() << " bytes";
    EXPECT_NE(text.find("more bytes)"), std::string::npos);
}
