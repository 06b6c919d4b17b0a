// change-pin and unblock-pin through the real host on the SKF plugin and the software SKF library
// (tests/softskf): SKF_ChangePIN of the user PIN and SKF_UnblockPIN with the administrator PIN,
// exact tries left from the token for both PINs, and the device's state checked afterwards.
#include "skf_world.h"

#include <gtest/gtest.h>

namespace cabridge::skftest {
namespace {

constexpr const char* kAdminPin = "12345678";  // tools/pki/provision-skf.py's standard layout
constexpr const char* kNewPin = "Nw5Pin2026";

std::string errorCodeOf(const nlohmann::json& reply)
{
    return reply.contains("error") ? reply["error"].value("code", "") : "";
}

nlohmann::json changePin(SkfWorld& world, HostProcess& host, const std::string& id, const std::string& oldPin,
                         const std::string& newPin)
{
    return world.request(host, "change-pin", {{"certificateId", id}, {"oldPin", oldPin}, {"newPin", newPin}});
}

nlohmann::json unblockPin(SkfWorld& world, HostProcess& host, const std::string& id, const std::string& soPin,
                          const std::string& newPin)
{
    return world.request(host, "unblock-pin", {{"certificateId", id}, {"soPin", soPin}, {"newPin", newPin}});
}

TEST(SkfPinChange, ChangesTheUserPinOnTheDevice)
{
    SkfWorld world;
    auto host = world.startHost();
    const auto id = world.certificateId(*host, "sm2-person");  // HEBCA-SKF-2, default PIN
    ASSERT_TRUE(world.device(1)["applications"][0]["user"]["default"].get<bool>());

    const auto reply = changePin(world, *host, id, kUserPin, kNewPin);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    const auto user = world.device(1)["applications"][0]["user"];
    EXPECT_EQ(user["pin"], kNewPin);
    EXPECT_FALSE(user["default"].get<bool>()) << "a changed PIN is no longer the default one";
    EXPECT_EQ(errorCodeOf(world.authenticate(*host, id, randomBytes(32), kUserPin)), "PIN_INCORRECT");
    const auto login = world.authenticate(*host, id, randomBytes(32), kNewPin);
    EXPECT_TRUE(login.contains("result")) << login.dump();
    EXPECT_FALSE(login["result"].contains("pinToBeChanged")) << login.dump();
}

TEST(SkfPinChange, WrongOldPinGivesExactTriesThenLocks)
{
    SkfWorld world;
    auto host = world.startHost();
    const auto id = world.certificateId(*host, "sm2-person");  // 3 tries
    for (int left : {2, 1}) {
        const auto reply = changePin(world, *host, id, "000000", kNewPin);
        ASSERT_EQ(errorCodeOf(reply), "PIN_INCORRECT") << reply.dump();
        EXPECT_EQ(reply["error"]["details"]["retriesLeft"], left) << reply.dump();
        EXPECT_EQ(reply["error"]["details"]["finalTry"], left == 1) << reply.dump();
    }
    const auto reply = changePin(world, *host, id, "000000", kNewPin);
    EXPECT_EQ(errorCodeOf(reply), "PIN_LOCKED") << reply.dump();
    EXPECT_EQ(world.device(1)["applications"][0]["user"]["remaining"], 0);
    EXPECT_EQ(world.device(1)["applications"][0]["user"]["pin"], kUserPin);
}

TEST(SkfPinChange, RulesAreCheckedBeforeTheDevice)
{
    SkfWorld world;
    auto host = world.startHost();
    const auto id = world.certificateId(*host, "sm2-person");
    const auto reply = changePin(world, *host, id, kUserPin, "12345");  // the descriptor's minimum is 6
    EXPECT_EQ(errorCodeOf(reply), "PIN_INVALID") << reply.dump();
    EXPECT_EQ(world.device(1)["applications"][0]["user"]["pin"], kUserPin);
    EXPECT_EQ(world.device(1)["applications"][0]["user"]["remaining"], 3);
}

TEST(SkfPinChange, AdministratorPinUnblocksALockedKey)
{
    SkfWorld world;
    auto device = world.device(1);
    device["applications"][0]["user"]["remaining"] = 0;  // locked earlier
    world.setDevice(1, device);
    auto host = world.startHost();
    const auto id = world.certificateId(*host, "sm2-person");
    ASSERT_EQ(errorCodeOf(world.authenticate(*host, id, randomBytes(32), kUserPin)), "PIN_LOCKED");

    const auto reply = unblockPin(world, *host, id, kAdminPin, kNewPin);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(world.device(1)["applications"][0]["user"]["remaining"], 3);
    const auto login = world.authenticate(*host, id, randomBytes(32), kNewPin);
    EXPECT_TRUE(login.contains("result")) << login.dump();
}

TEST(SkfPinChange, WrongAdministratorPinCountsItsOwnTriesToItsLock)
{
    SkfWorld world;
    auto host = world.startHost();
    const auto id = world.certificateId(*host, "sm2-person");  // administrator PIN: 5 tries
    for (int left : {4, 3, 2, 1}) {
        const auto reply = unblockPin(world, *host, id, "87654321", kNewPin);
        ASSERT_EQ(errorCodeOf(reply), "PIN_INCORRECT") << reply.dump();
        EXPECT_EQ(reply["error"]["details"]["user"], "so") << reply.dump();
        EXPECT_EQ(reply["error"]["details"]["retriesLeft"], left) << reply.dump();
        EXPECT_EQ(world.device(1)["applications"][0]["admin"]["remaining"], left);
    }
    EXPECT_EQ(world.device(1)["applications"][0]["user"]["remaining"], 3) << "the user PIN's tries are its own";
    auto reply = unblockPin(world, *host, id, "87654321", kNewPin);
    ASSERT_EQ(errorCodeOf(reply), "PIN_LOCKED") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["user"], "so");
    EXPECT_NE(reply["error"]["message"].get<std::string>().find("管理员口令"), std::string::npos) << reply.dump();
    // Locked: the right administrator PIN no longer unblocks, and the user PIN is untouched.
    reply = unblockPin(world, *host, id, kAdminPin, kNewPin);
    EXPECT_EQ(errorCodeOf(reply), "PIN_LOCKED") << reply.dump();
    EXPECT_EQ(world.device(1)["applications"][0]["user"]["pin"], kUserPin);
}

}  // namespace
}  // namespace cabridge::skftest
