// Online unlock through the real host on the SKF plugin and the software SKF library: the
// descriptor names softskf's vendor calls ("onlineUnlock"), `unblock-challenge` gets the key's
// challenge, the demo CA's responder (tools/pki/unlock_responder.py, reading the secrets
// provision-skf.py wrote) answers it, and `unblock-pin` with `response` sets the new user PIN.
#include "skf_world.h"

#include "run_command.h"

#include <gtest/gtest.h>

namespace cabridge::skftest {
namespace {

using logintest::runCommand;

constexpr const char* kNewPin = "Ol7Unlock2026";
constexpr const char* kOtherPin = "Rp3Replay2026";
constexpr const char* kSerial = "SKF2026000002";  // HEBCA-SKF-2: sm2-person, 3 responses
// The CA's site, an enrolment origin of the test vendor: online unlock is served to it only.
constexpr const char* kCaOrigin = "https://ca.hebei.example.cn";

std::string errorCodeOf(const nlohmann::json& reply)
{
    return reply.contains("error") ? reply["error"].value("code", "") : "";
}

// The test vendor's descriptor (tests/softskf/test-vendor-skf.json: the SKF plugin naming
// softskf's online-unlock calls), its config's "onlineUnlock" and "help" over SkfWorld's defaults.
nlohmann::json onlineUnlockConfig(const std::string& challengeCall = {})
{
    const auto descriptor = nlohmann::json::parse(readText(CABRIDGE_SKF_TEST_VENDOR_DESCRIPTOR));
    nlohmann::json config = {{"onlineUnlock", descriptor.at("config").at("onlineUnlock")},
                             {"help", descriptor.at("config").at("help")},
                             {"enrollOrigins", {kCaOrigin}}};
    if (!challengeCall.empty()) config["onlineUnlock"]["challenge"] = challengeCall;
    return config;
}

std::string contactText()
{
    return nlohmann::json::parse(readText(CABRIDGE_SKF_TEST_VENDOR_DESCRIPTOR))["config"]["help"]["contact"]["text"];
}

class SkfOnlineUnlock : public ::testing::Test {
protected:
    explicit SkfOnlineUnlock(const nlohmann::json& config = onlineUnlockConfig()) : world_(config) {}

    void SetUp() override
    {
        host_ = world_.startHost();
        id_ = world_.certificateId(*host_, "sm2-person");
    }

    // One request from the CA's site.
    nlohmann::json caRequest(const std::string& command, const nlohmann::json& arguments)
    {
        return host_->request(
            {{"id", nextId_++}, {"command", command}, {"origin", kCaOrigin}, {"arguments", arguments}});
    }

    nlohmann::json challenge() { return caRequest("unblock-challenge", {{"certificateId", id_}}); }

    // The demo CA's answer to `challenge` for the key `serial`, from the real responder.
    std::string respond(const std::string& serial, const std::string& challenge)
    {
        const auto run = runCommand(
            {CABRIDGE_SKF_UNLOCK_RESPONDER, "--secrets", (world_.stateDir() / "unlock-secrets.json").string(),
             "--serial", serial, "--challenge", challenge},
            world_.dir());
        EXPECT_EQ(run.exitCode, 0) << run.err;
        std::string out = run.out;
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
        return out;
    }

    // unblock-challenge, then the responder's answer.
    std::string freshResponse()
    {
        const auto reply = challenge();
        EXPECT_TRUE(reply.contains("result")) << reply.dump();
        if (!reply.contains("result")) return {};
        EXPECT_EQ(reply["result"]["serial"], kSerial);
        return respond(reply["result"]["serial"], reply["result"]["challenge"]);
    }

    nlohmann::json unblock(const std::string& response, const std::string& newPin)
    {
        return caRequest("unblock-pin", {{"certificateId", id_}, {"response", response}, {"newPin", newPin}});
    }

    nlohmann::json application() { return world_.device(1)["applications"][0]; }

    void lockUserPin()
    {
        auto device = world_.device(1);
        device["applications"][0]["user"]["remaining"] = 0;
        world_.setDevice(1, device);
    }

    SkfWorld world_;
    std::unique_ptr<HostProcess> host_;
    std::string id_;
    int nextId_ = 1000;
};

TEST_F(SkfOnlineUnlock, TheCasResponseUnlocksTheKeyWithANewPin)
{
    const auto listed = world_.certificates(*host_);
    ASSERT_FALSE(listed.empty());
    EXPECT_EQ(listed[0]["pinRules"]["canUnblockOnline"], true) << listed[0].dump();
    lockUserPin();
    ASSERT_EQ(errorCodeOf(world_.authenticate(*host_, id_, randomBytes(32), kUserPin)), "PIN_LOCKED");

    const auto reply = challenge();
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(reply["result"]["serial"], kSerial);
    const auto challengeBytes = unbase64(reply["result"]["challenge"]);
    EXPECT_EQ(challengeBytes.size(), 16U);
    const std::string response = respond(kSerial, reply["result"]["challenge"]);
    ASSERT_EQ(unbase64(response).size(), 32U) << "HMAC-SM3";

    const auto unblocked = unblock(response, kNewPin);
    ASSERT_TRUE(unblocked.contains("result")) << unblocked.dump();
    EXPECT_EQ(unblocked["result"], nlohmann::json::object());
    EXPECT_EQ(application()["user"]["remaining"], 3);
    EXPECT_EQ(world_.device(1)["unlock"]["remaining"], 3);
    const auto login = world_.authenticate(*host_, id_, randomBytes(32), kNewPin);
    EXPECT_TRUE(login.contains("result")) << login.dump();
    EXPECT_EQ(errorCodeOf(world_.authenticate(*host_, id_, randomBytes(32), kUserPin)), "PIN_INCORRECT");

    // The same response again: its challenge is spent, so it is refused and counted.
    const auto replayed = unblock(response, kOtherPin);
    ASSERT_EQ(errorCodeOf(replayed), "PIN_INCORRECT") << replayed.dump();
    EXPECT_EQ(replayed["error"]["details"]["user"], "response");
    EXPECT_EQ(replayed["error"]["details"]["retriesLeft"], 2);
    EXPECT_NE(replayed["error"]["message"].get<std::string>().find("解锁应答"), std::string::npos);
    EXPECT_TRUE(world_.authenticate(*host_, id_, randomBytes(32), kNewPin).contains("result"))
        << "the replay changed nothing";

    host_->closeInput();
    EXPECT_EQ(host_->waitForExit(std::chrono::seconds(10)), 0);
    const std::string log = world_.hostLog();
    ASSERT_NE(log.find("unblocked the user PIN of token " + std::string(kSerial) + " online"), std::string::npos)
        << log;
    ASSERT_NE(log.find("issued an online-unlock challenge"), std::string::npos) << log;
    for (const std::string& secret : {std::string(kNewPin), std::string(kOtherPin), response}) {
        EXPECT_EQ(log.find(secret), std::string::npos) << secret << " is in the host log";
    }
}

TEST_F(SkfOnlineUnlock, WrongResponsesCountDownThenTheKeyLocks)
{
    lockUserPin();
    for (int left : {2, 1}) {
        auto wrong = unbase64(freshResponse());
        ASSERT_EQ(wrong.size(), 32U);
        wrong[5] ^= 0x20;
        const auto reply = unblock(base64(wrong), kNewPin);
        ASSERT_EQ(errorCodeOf(reply), "PIN_INCORRECT") << reply.dump();
        EXPECT_EQ(reply["error"]["details"]["user"], "response");
        EXPECT_EQ(reply["error"]["details"]["retriesLeft"], left);
        EXPECT_EQ(reply["error"]["details"]["finalTry"], left == 1);
        EXPECT_EQ(world_.device(1)["unlock"]["remaining"], left);
    }
    // A response to another key's challenge is wrong here too: the last try.
    const auto reply = challenge();
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    const auto locked = unblock(respond("SKF2026000001", reply["result"]["challenge"]), kNewPin);
    ASSERT_EQ(errorCodeOf(locked), "PIN_LOCKED") << locked.dump();
    EXPECT_EQ(locked["error"]["details"]["user"], "response");
    EXPECT_EQ(locked["error"]["details"]["help"]["text"], contactText()) << "only the CA can help now";
    EXPECT_NE(locked["error"]["message"].get<std::string>().find("在线解锁"), std::string::npos) << locked.dump();
    // Locked: no more challenges, the user PIN untouched, the administrator PIN not involved.
    const auto refused = challenge();
    ASSERT_EQ(errorCodeOf(refused), "PIN_LOCKED") << refused.dump();
    EXPECT_EQ(refused["error"]["details"]["user"], "response");
    EXPECT_EQ(application()["user"]["pin"], kUserPin);
    EXPECT_EQ(application()["user"]["remaining"], 0);
    EXPECT_EQ(application()["admin"]["remaining"], 5);
}

TEST_F(SkfOnlineUnlock, ExactlyOneOfSoPinAndResponseAndMalformedOnesTouchNothing)
{
    const std::string response = freshResponse();
    auto reply = caRequest(
        "unblock-pin", {{"certificateId", id_}, {"soPin", "12345678"}, {"response", response}, {"newPin", kNewPin}});
    ASSERT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["exactlyOneOf"], nlohmann::json({"soPin", "response"}));
    reply = caRequest("unblock-pin", {{"certificateId", id_}, {"newPin", kNewPin}});
    ASSERT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["exactlyOneOf"], nlohmann::json({"soPin", "response"}));
    for (const nlohmann::json& bad : {nlohmann::json("not base64!"), nlohmann::json(""), nlohmann::json(42),
                                      nlohmann::json(base64(std::vector<std::uint8_t>(1025, 7)))}) {
        reply = caRequest("unblock-pin", {{"certificateId", id_}, {"response", bad}, {"newPin", kNewPin}});
        ASSERT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
        EXPECT_EQ(reply["error"]["details"]["key"], "response") << reply.dump();
    }
    reply = unblock(response, "12345");  // under the descriptor's minimum of 6
    ASSERT_EQ(errorCodeOf(reply), "PIN_INVALID") << reply.dump();
    reply = caRequest("unblock-challenge", {{"certificateId", id_}, {"extra", 1}});
    ASSERT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
    reply = caRequest("unblock-challenge", nlohmann::json::object());
    ASSERT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
    reply = caRequest("unblock-challenge", {{"certificateId", "no-such-certificate"}});
    ASSERT_EQ(errorCodeOf(reply), "CERTIFICATE_NOT_FOUND") << reply.dump();
    // Nothing was counted, and the outstanding challenge still unlocks.
    EXPECT_EQ(world_.device(1)["unlock"]["remaining"], 3);
    EXPECT_EQ(application()["admin"]["remaining"], 5);
    reply = unblock(response, kNewPin);
    EXPECT_TRUE(reply.contains("result")) << reply.dump();
}

TEST_F(SkfOnlineUnlock, OtherOriginsAreRefused)
{
    const std::string response = freshResponse();
    for (const auto& [command, arguments] :
         {std::pair {"unblock-challenge", nlohmann::json {{"certificateId", id_}}},
          std::pair {"unblock-pin",
                     nlohmann::json {{"certificateId", id_}, {"response", response}, {"newPin", kNewPin}}}}) {
        // Another site, and the portal that may log people in with the key: neither is the CA's.
        for (const char* origin : {"https://evil.example.com", kPortalOrigin}) {
            const auto reply = host_->request(
                {{"id", command}, {"command", command}, {"origin", origin}, {"arguments", arguments}});
            EXPECT_EQ(errorCodeOf(reply), "ORIGIN_NOT_ALLOWED") << origin << ": " << reply.dump();
        }
    }
    EXPECT_EQ(application()["user"]["pin"], kUserPin);
    EXPECT_TRUE(unblock(response, kNewPin).contains("result")) << "the refused requests did not spend the challenge";
}

class SkfWithoutOnlineUnlock : public SkfOnlineUnlock {
protected:
    // The CA's site may enrol, but the descriptor names no online-unlock calls.
    SkfWithoutOnlineUnlock() : SkfOnlineUnlock({{"enrollOrigins", {kCaOrigin}}}) {}
};

TEST_F(SkfWithoutOnlineUnlock, AVendorWithoutTheCallsSaysItCannot)
{
    EXPECT_EQ(world_.certificates(*host_)[0]["pinRules"]["canUnblockOnline"], false);
    auto reply = challenge();
    ASSERT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["unsupported"], "unblock-challenge");
    EXPECT_EQ(reply["error"]["details"]["help"]["text"], "请办理“重置证书密码”。");
    reply = unblock(base64(std::vector<std::uint8_t>(32, 1)), kNewPin);
    ASSERT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["unsupported"], "unblock-pin-response");
    EXPECT_EQ(world_.device(1)["unlock"]["remaining"], 3) << "the key was not asked";
    EXPECT_FALSE(application().contains("unlockChallenge"));
}

class SkfOnlineUnlockMissingCall : public SkfOnlineUnlock {
protected:
    SkfOnlineUnlockMissingCall() : SkfOnlineUnlock(onlineUnlockConfig("SKFX_NoSuchCall")) {}
};

TEST_F(SkfOnlineUnlockMissingCall, ALibraryWithoutTheNamedCallAnswersUnsupported)
{
    auto reply = challenge();
    ASSERT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
    reply = unblock(base64(std::vector<std::uint8_t>(32, 1)), kNewPin);
    ASSERT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
    EXPECT_EQ(world_.device(1)["unlock"]["remaining"], 3);
    // The host goes on serving.
    EXPECT_TRUE(world_.authenticate(*host_, id_, randomBytes(32), kUserPin).contains("result"));
}

}  // namespace
}  // namespace cabridge::skftest
