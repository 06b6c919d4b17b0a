#include "request.h"

#include <gtest/gtest.h>

using namespace cabridge;

namespace {

struct Case {
    const char* name;
    std::string raw;
    ErrorCode code;
    nlohmann::json id;
};

}  // namespace

TEST(Request, ValidationTable)
{
    const std::vector<Case> cases = {
        {"invalid utf8", "{\"id\":1,\"command\":\"status\",\"origin\":\"https://a.cn\",\"x\":\"\xFF\"}",
         ErrorCode::InvalidMessage, nullptr},
        {"not json", "{id:1}", ErrorCode::InvalidMessage, nullptr},
        {"array", "[1,2]", ErrorCode::InvalidMessage, nullptr},
        {"string", "\"status\"", ErrorCode::InvalidMessage, nullptr},
        {"no id", R"({"command":"status","origin":"https://a.cn"})", ErrorCode::InvalidMessage, nullptr},
        {"id object", R"({"id":{},"command":"status","origin":"https://a.cn"})", ErrorCode::InvalidMessage, nullptr},
        {"id bool", R"({"id":true,"command":"status","origin":"https://a.cn"})", ErrorCode::InvalidMessage, nullptr},
        {"command number", R"({"id":"a","command":5,"origin":"https://a.cn"})", ErrorCode::InvalidMessage, "a"},
        {"no origin", R"({"id":7,"command":"status"})", ErrorCode::InvalidArgument, 7},
        {"origin path", R"({"id":7,"command":"status","origin":"https://a.cn/"})", ErrorCode::InvalidArgument, 7},
        {"origin number", R"({"id":7,"command":"status","origin":1})", ErrorCode::InvalidArgument, 7},
        {"arguments array", R"({"id":7,"command":"status","origin":"https://a.cn","arguments":[]})",
         ErrorCode::InvalidArgument, 7},
    };
    for (const auto& c : cases) {
        nlohmann::json id = "unset";
        try {
            parseRequest(c.raw, id);
            ADD_FAILURE() << c.name << ": accepted";
        } catch (const HostError& e) {
            EXPECT_EQ(errorCodeName(e.code()), errorCodeName(c.code)) << c.name;
            EXPECT_EQ(id, c.id) << c.name;
        }
    }
}

TEST(Request, AcceptsWellFormedRequest)
{
    nlohmann::json id;
    const auto request = parseRequest(
        R"({"id":"r1","command":"list-certificates","origin":"http://222.222.31.183:25688","arguments":{"purpose":"login"}})",
        id);
    EXPECT_EQ(request.id, "r1");
    EXPECT_EQ(request.command, "list-certificates");
    EXPECT_EQ(request.origin, "http://222.222.31.183:25688");
    EXPECT_EQ(request.arguments["purpose"], "login");
    const auto noArgs = parseRequest(R"({"id":3.5,"command":"status","origin":"https://a.cn"})", id);
    EXPECT_TRUE(noArgs.arguments.is_object());
    EXPECT_TRUE(noArgs.arguments.empty());
}

TEST(Request, ArgumentHelpersNameTheKey)
{
    const auto args = nlohmann::json::parse(R"({"vendor":"hebca","purpos":"login","n":1})");
    try {
        requireOnlyKeys(args, {"vendor", "purpose", "n"});
        ADD_FAILURE() << "unknown key accepted";
    } catch (const HostError& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
        EXPECT_EQ(e.details()["key"], "purpos");
    }
    EXPECT_EQ(optionalStringArgument(args, "vendor"), "hebca");
    EXPECT_FALSE(optionalStringArgument(args, "absent"));
    EXPECT_THROW(optionalStringArgument(args, "n"), HostError);
    EXPECT_THROW(requiredStringArgument(args, "absent"), HostError);
}

TEST(ErrorReply, HasCodeChineseMessageAndDetails)
{
    const auto reply = makeErrorReply(5, ErrorCode::PinLocked, {{"help", {{"text", "解锁"}}}});
    EXPECT_EQ(reply["id"], 5);
    EXPECT_EQ(reply["error"]["code"], "PIN_LOCKED");
    EXPECT_NE(reply["error"]["message"].get<std::string>().find("锁定"), std::string::npos);
    EXPECT_EQ(reply["error"]["details"]["help"]["text"], "解锁");
}
