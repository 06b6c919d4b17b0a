// The SKF plugin behind the real cabridge-host, over the software SKF library (tests/softskf):
// listing, SM2 and RSA logins checked by cabridge-verify and by the openssl command line, exact
// PIN retries to the lock, removal, SAR_FAIL and a hanging call.
#include "run_command.h"
#include "skf_world.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

namespace cabridge::skftest {
namespace {

using logintest::runCommand;
using std::chrono::milliseconds;

std::string errorCodeOf(const nlohmann::json& reply)
{
    return reply.contains("error") ? reply["error"].value("code", "") : "";
}

void writeBytes(const std::filesystem::path& file, const std::vector<std::uint8_t>& bytes)
{
    writeText(file, std::string(bytes.begin(), bytes.end()));
}

// `openssl dgst` over the exact cabridge-auth:2 message, with the token's certificate's key:
// nothing of cabridge's code is involved. `distid` empty: no -sigopt (RSA).
bool opensslCliVerifies(const SkfWorld& world, const nlohmann::json& token, const std::string& digest,
                        const std::string& distid, const std::vector<std::uint8_t>& challenge)
{
    const auto& dir = world.dir();
    writeBytes(dir / "cert.der", unbase64(token.at("certificate")));
    writeBytes(dir / "sig.bin", unbase64(token.at("signature")));
    writeBytes(dir / "msg.bin",
               signedMessage(digest == "sm3" ? "SM3" : "SHA256", token.at("origin").get<std::string>(), challenge));
    const auto pub = runCommand({"/usr/bin/openssl", "x509", "-inform", "DER", "-in", (dir / "cert.der").string(),
                                 "-pubkey", "-noout", "-out", (dir / "pub.pem").string()},
                                dir);
    EXPECT_EQ(pub.exitCode, 0) << pub.err;
    std::vector<std::string> argv = {
        "/usr/bin/openssl",        "dgst", "-" + digest, "-verify", (dir / "pub.pem").string(), "-signature",
        (dir / "sig.bin").string()};
    if (!distid.empty()) {
        argv.emplace_back("-sigopt");
        argv.push_back("distid:" + distid);
    }
    argv.push_back((dir / "msg.bin").string());
    const auto run = runCommand(argv, dir);
    return run.exitCode == 0 && run.out.find("Verified OK") != std::string::npos;
}

nlohmann::json runVerifier(const SkfWorld& world, const nlohmann::json& token,
                           const std::vector<std::uint8_t>& challenge, const std::string& root,
                           const std::string& intermediate, int& exitCode)
{
    writeText(world.dir() / "token.json", token.dump());
    const auto run = runCommand(
        {kVerifyExe, "--token", (world.dir() / "token.json").string(), "--origin", kPortalOrigin, "--challenge",
         base64(challenge), "--ca", (pkiDir() / root).string(), "--intermediate", (pkiDir() / intermediate).string()},
        world.dir(), {}, std::chrono::seconds(60));
    exitCode = run.exitCode;
    return nlohmann::json::parse(run.out, nullptr, false);
}

TEST(SkfHost, ListsSigningCertificatesOnlyWithSkfTokenFacts)
{
    SkfWorld world;
    auto host = world.startHost();
    const auto certificates = world.certificates(*host);
    std::set<std::string> listed;
    for (const auto& cert : certificates) listed.insert(cert.value("sha256", ""));
    EXPECT_TRUE(listed.contains(pkiEntry("sm2-sign")["sha256"])) << certificates.dump();
    EXPECT_TRUE(listed.contains(pkiEntry("skf-rsa")["sha256"])) << certificates.dump();
    EXPECT_TRUE(listed.contains(pkiEntry("sm2-person")["sha256"])) << certificates.dump();
    // The dual pair's encryption certificate is in the same container, never offered.
    EXPECT_FALSE(listed.contains(pkiEntry("sm2-enc")["sha256"])) << certificates.dump();
    for (const auto& cert : certificates) {
        if (cert["sha256"] == pkiEntry("sm2-sign")["sha256"]) {
            EXPECT_EQ(cert["keyType"], "SM2") << cert.dump();
            EXPECT_EQ(cert["token"]["retriesLeft"], 6) << cert.dump();
            EXPECT_EQ(cert["token"]["serial"], "SKF2026000001") << cert.dump();
        }
        if (cert["sha256"] == pkiEntry("sm2-person")["sha256"]) {
            EXPECT_EQ(cert["token"]["retriesLeft"], 3) << cert.dump();
        }
    }
    // The same references on a second listing while inserted.
    EXPECT_EQ(world.certificateId(*host, "sm2-sign"), world.certificateId(*host, "sm2-sign"));
}

TEST(SkfHost, Sm2LoginVerifiesWithCabridgeVerifyAndOpensslCli)
{
    SkfWorld world;
    auto host = world.startHost();
    const auto id = world.certificateId(*host, "sm2-sign");
    const auto challenge = randomBytes(32);
    const auto reply = world.authenticate(*host, id, challenge, kUserPin);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    const auto& token = reply["result"]["token"];
    EXPECT_EQ(token["format"], "cabridge-auth:2");
    EXPECT_EQ(token["algorithm"], "SM2-SM3");
    EXPECT_EQ(unbase64(token["certificate"]), pkiDer("sm2-sign"));

    EXPECT_TRUE(opensslCliVerifies(world, token, "sm3", "1234567812345678", challenge));
    // The same check fails with another signer ID or another challenge: it can fail.
    EXPECT_FALSE(opensslCliVerifies(world, token, "sm3", "1234567812345679", challenge));
    EXPECT_FALSE(opensslCliVerifies(world, token, "sm3", "1234567812345678", randomBytes(32)));

    int exitCode = -1;
    const auto verdict = runVerifier(world, token, challenge, "sm2-root.pem", "sm2-intermediate.pem", exitCode);
    EXPECT_EQ(exitCode, 0) << verdict.dump();
    EXPECT_EQ(verdict["valid"], true) << verdict.dump();
    EXPECT_EQ(verdict["algorithm"], "SM2-SM3") << verdict.dump();
    EXPECT_EQ(verdict["sha256"], pkiEntry("sm2-sign")["sha256"]) << verdict.dump();
    runVerifier(world, token, randomBytes(32), "sm2-root.pem", "sm2-intermediate.pem", exitCode);
    EXPECT_NE(exitCode, 0);
}

TEST(SkfHost, RsaContainerLoginIsRs256)
{
    SkfWorld world;
    auto host = world.startHost();
    const auto id = world.certificateId(*host, "skf-rsa");
    const auto challenge = randomBytes(48);
    const auto reply = world.authenticate(*host, id, challenge, kUserPin);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    const auto& token = reply["result"]["token"];
    EXPECT_EQ(token["algorithm"], "RS256");
    EXPECT_TRUE(opensslCliVerifies(world, token, "sha256", "", challenge));
    EXPECT_FALSE(opensslCliVerifies(world, token, "sha256", "", randomBytes(48)));
    int exitCode = -1;
    const auto verdict = runVerifier(world, token, challenge, "root.pem", "intermediate.pem", exitCode);
    EXPECT_EQ(exitCode, 0) << verdict.dump();
    EXPECT_EQ(verdict["algorithm"], "RS256") << verdict.dump();
}

TEST(SkfHost, WrongPinCountsDownExactlyToTheLock)
{
    SkfWorld world;
    auto host = world.startHost();
    const auto id = world.certificateId(*host, "sm2-person");  // HEBCA-SKF-2: 3 tries
    for (int left : {2, 1}) {
        const auto reply = world.authenticate(*host, id, randomBytes(32), "000000");
        ASSERT_EQ(errorCodeOf(reply), "PIN_INCORRECT") << reply.dump();
        EXPECT_EQ(reply["error"]["details"]["retriesLeft"], left) << reply.dump();
        EXPECT_EQ(world.device(1)["applications"][0]["user"]["remaining"], left);
    }
    auto reply = world.authenticate(*host, id, randomBytes(32), "000000");
    EXPECT_EQ(errorCodeOf(reply), "PIN_LOCKED") << reply.dump();
    EXPECT_EQ(world.device(1)["applications"][0]["user"]["remaining"], 0);
    // Locked: the right PIN no longer opens it.
    reply = world.authenticate(*host, id, randomBytes(32), kUserPin);
    EXPECT_EQ(errorCodeOf(reply), "PIN_LOCKED") << reply.dump();
    // A right PIN before the lock resets the count (device 1 still has all its tries).
    const auto other = world.certificateId(*host, "sm2-sign");
    reply = world.authenticate(*host, other, randomBytes(32), "000000");
    EXPECT_EQ(reply["error"]["details"]["retriesLeft"], 5) << reply.dump();
    reply = world.authenticate(*host, other, randomBytes(32), kUserPin);
    EXPECT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(world.device(0)["applications"][0]["user"]["remaining"], 6);
}

TEST(SkfHost, RemovedDuringLoginIsTokenRemoved)
{
    for (const char* call : {"SKF_VerifyPIN", "SKF_ECCSignData"}) {
        SkfWorld world;
        auto host = world.startHost();
        const auto id = world.certificateId(*host, "sm2-sign");
        world.setFaults({{"removeAt", call}, {"device", "HEBCA-SKF-1"}});
        const auto reply = world.authenticate(*host, id, randomBytes(32), kUserPin);
        EXPECT_EQ(errorCodeOf(reply), "TOKEN_REMOVED") << call << ": " << reply.dump();
    }
}

// A login finds its device by the name the token was last seen under and opens the application
// and container by name, so it needs neither SKF_EnumDev, SKF_EnumApplication nor
// SKF_EnumContainer (each a size query and a read; on a real key, USB round trips). The name is
// only a hint: when another key answers to it, the login finds its own key by enumeration.
TEST(SkfHost, LoginFindsItsDeviceWithoutEnumeratingAndSurvivesARenamedDevice)
{
    SkfWorld world;
    auto host = world.startHost();
    const auto id = world.certificateId(*host, "sm2-sign");  // lists: the device names are seen
    world.setFaults({{"failAt", nlohmann::json::array({"SKF_EnumDev", "SKF_EnumApplication", "SKF_EnumContainer"})}});
    auto reply = world.authenticate(*host, id, randomBytes(32), kUserPin);
    EXPECT_TRUE(reply.contains("result")) << reply.dump();
    world.setFaults(nlohmann::json::object());

    // The two keys swap names: the hint now names the other key, whose serial differs.
    auto first = world.device(0);
    auto second = world.device(1);
    std::swap(first["name"], second["name"]);
    world.setDevice(0, first);
    world.setDevice(1, second);
    reply = world.authenticate(*host, id, randomBytes(32), kUserPin);
    EXPECT_TRUE(reply.contains("result")) << reply.dump();
    // Found again under its new name: enumeration is not needed any more.
    world.setFaults({{"failAt", "SKF_EnumDev"}});
    reply = world.authenticate(*host, id, randomBytes(32), kUserPin);
    EXPECT_TRUE(reply.contains("result")) << reply.dump();
    world.setFaults(nlohmann::json::object());
    // A container that is gone is still CERTIFICATE_NOT_FOUND, not a device error (the failed
    // SKF_OpenContainer is told apart by the container list).
    auto emptied = world.device(0);
    emptied["applications"][0]["containers"].erase(0);
    world.setDevice(0, emptied);
    reply = world.authenticate(*host, id, randomBytes(32), kUserPin);
    EXPECT_EQ(errorCodeOf(reply), "CERTIFICATE_NOT_FOUND") << reply.dump();
}

TEST(SkfHost, SarCodesMapToWireErrors)
{
    struct Case {
        const char* call;
        std::uint32_t sar;
        const char* code;
    };
    for (const Case& c : {Case {"SKF_ECCSignData", 0x0A000001u, "DEVICE_ERROR"},     // SAR_FAIL
                          Case {"SKF_VerifyPIN", 0x0A00000Fu, "DEVICE_ERROR"},       // SAR_TIMEOUTERR
                          Case {"SKF_ECCSignData", 0x0A000005u, "PLUGIN_ERROR"}}) {  // SAR_INVALIDHANDLEERR
        SkfWorld world;
        auto host = world.startHost();
        const auto id = world.certificateId(*host, "sm2-sign");
        world.setFaults({{"failAt", c.call}, {"failCode", c.sar}});
        const auto reply = world.authenticate(*host, id, randomBytes(32), kUserPin);
        EXPECT_EQ(errorCodeOf(reply), c.code) << c.call << ": " << reply.dump();
    }
}

TEST(SkfHost, HangingCallIsTokenNotResponding)
{
    SkfWorld world(nlohmann::json::object(), {{"loginMs", 1500}, {"signMs", 1500}});
    auto host = world.startHost();
    const auto id = world.certificateId(*host, "sm2-sign");
    world.setFaults({{"hangAt", "SKF_VerifyPIN"}, {"hangMaxMs", 60000}});
    const auto reply = world.authenticate(*host, id, randomBytes(32), kUserPin, milliseconds(30000));
    EXPECT_EQ(errorCodeOf(reply), "TOKEN_NOT_RESPONDING") << reply.dump();
    // The stuck call cannot be joined: the host leaves instead of serving on.
    EXPECT_TRUE(host->waitForExit(milliseconds(10000)).has_value());
    world.setFaults(nlohmann::json::object());
}

}  // namespace
}  // namespace cabridge::skftest
