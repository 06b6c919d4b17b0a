// SM2 keys over PKCS#11, end to end through the real host and the generic PKCS#11 plugin:
// libcabridge-softsm2p11 holds the SM2 test PKI's dual pair (signing and encryption
// certificate) under two vendor numberings, and the plugin's descriptor says how that vendor
// signs (message or caller-computed digest, raw or DER). Every login token is checked with
// cabridge-verify and, independently of cabridge's code, with the openssl command line.
#include "reply_matchers.h"
#include "run_command.h"

#include <cabridge/test_support/host_process.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace cabridge::logintest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::HostProcess;

constexpr const char* kPortalOrigin = "https://gm.hebei.example.gov.cn";
constexpr const char* kPin = "Sm2Pin6543";
constexpr const char* kTokenSerial = "SM2P11-0001";
constexpr const char* kOpenssl = "/usr/bin/openssl";  // runCommand does not search PATH

// One vendor: how its module numbers SM2 (the module's config) and what its descriptor says.
struct Vendor {
    const char* name;
    json module;  // keyType, mechanisms, signature
    json sm2;     // the plugin descriptor's "sm2"
};

// Numberings from vendors' headers (CKK/CKM_VENDOR_DEFINED + 4 / + 0x8100 / + 0x8102 /
// + 0x8200, and IBM's 0x80050002 / 0x8005000C); the module of vendor A has all three styles.
json moduleA()
{
    return {{"keyType", "0x80000004"},
            {"mechanisms", {{"message", "0x80008100"}, {"messageWithId", "0x80008102"}, {"digest", "0x80008200"}}},
            {"signature", "raw"}};
}
json moduleB()
{
    return {{"keyType", "0x80050002"}, {"mechanisms", {{"digest", "0x8005000C"}}}, {"signature", "der"}};
}

const std::vector<Vendor>& vendors()
{
    static const std::vector<Vendor> all = {
        {"MessageRaw",
         moduleA(),
         {{"keyType", "0x80000004"}, {"mechanism", "0x80008100"}, {"style", "message"}, {"signature", "raw"}}},
        {"MessageWithIdRaw",
         moduleA(),
         {{"keyType", "0x80000004"},
          {"mechanism", "0x80008102"},
          {"style", "message"},
          {"signerIdParameter", true},
          {"signature", "raw"}}},
        {"DigestRaw",
         moduleA(),
         {{"keyType", 2147483652UL}, {"mechanism", 2147516928UL}, {"style", "digest"}, {"signature", "raw"}}},
        {"DigestDer",
         moduleB(),
         {{"keyType", "0x80050002"}, {"mechanism", "0x8005000C"}, {"style", "digest"}, {"signature", "der"}}},
    };
    return all;
}

const fs::path& pkiDir()
{
    static const fs::path dir = [] {
        const char* given = std::getenv("CABRIDGE_SM2P11_PKI_DIR");
        if (given == nullptr || !fs::exists(fs::path(given) / "sm2.json"))
            throw std::runtime_error("CABRIDGE_SM2P11_PKI_DIR must name a test PKI with sm2.json");
        return fs::path(given);
    }();
    return dir;
}

const json& sm2Entry(const std::string& name)
{
    static const json pki = json::parse(readFile(pkiDir() / "sm2.json"));
    for (const json& entry : pki.at("certificates"))
        if (entry.at("name") == name) return entry;
    throw std::runtime_error("no " + name + " in sm2.json");
}

std::vector<std::uint8_t> randomBytes(std::size_t n)
{
    std::vector<std::uint8_t> out(n);
    if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes");
    return out;
}

std::string base64(const std::vector<std::uint8_t>& data)
{
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                                  static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::vector<std::uint8_t> unbase64(const std::string& text)
{
    std::vector<std::uint8_t> out(text.size());
    const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    if (n < 0) throw std::runtime_error("bad base64");
    std::size_t length = static_cast<std::size_t>(n);
    for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) --length;  // DecodeBlock keeps padding zeros
    out.resize(length);
    return out;
}

std::vector<std::uint8_t> sm3(const std::vector<std::uint8_t>& data)
{
    std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_sm3(), nullptr) != 1) throw std::runtime_error("SM3");
    out.resize(n);
    return out;
}

// The cabridge-auth:2 message, from docs/protocol.md, written out here (not cabridge's code).
std::vector<std::uint8_t> loginMessage(const std::string& origin, const std::vector<std::uint8_t>& challenge)
{
    const std::string prefix = "cabridge-auth:2";
    std::vector<std::uint8_t> message(prefix.begin(), prefix.end());
    message.push_back(0);
    const auto first = sm3(std::vector<std::uint8_t>(origin.begin(), origin.end()));
    const auto second = sm3(challenge);
    message.insert(message.end(), first.begin(), first.end());
    message.insert(message.end(), second.begin(), second.end());
    return message;
}

class Sm2Pkcs11World {
public:
    Sm2Pkcs11World(const json& module, const json& sm2, bool faultModule)
        : dir_(fs::temp_directory_path() /
               ("cabridge-sm2p11-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))),
          faultModule_(faultModule)
    {
        fs::remove_all(dir_);
        fs::create_directories(dir_ / "plugins");
        json objects = json::array();
        for (const auto& [id, name] : {std::pair {"01", "sm2-sign"}, std::pair {"02", "sm2-enc"}})
            objects.push_back({{"id", id},
                               {"label", name},
                               {"certificate", (pkiDir() / (std::string(name) + ".der")).string()},
                               {"key", (pkiDir() / (std::string(name) + ".key.pem")).string()}});
        json moduleConfig = module;
        moduleConfig["manufacturer"] = "SM2 Vendor";
        moduleConfig["tokens"] = {{{"label", "GM-KEY"}, {"serial", kTokenSerial}, {"pin", kPin}, {"objects", objects}}};
        writeFile(dir_ / "module.json", moduleConfig.dump());

        json config = {{"id", "gmvendor"},
                       {"name", "国密测试 CA"},
                       {"modules", {faultModule ? CABRIDGE_SM2P11_FAULT_MODULE : CABRIDGE_SM2P11_MODULE}},
                       {"origins", {kPortalOrigin}},
                       {"pin", {{"minLength", 4}, {"maxLength", 16}, {"charset", "alnum"}}}};
        if (!sm2.is_null()) config["sm2"] = sm2;
        if (faultModule) {
            config["retryCounter"] = {{"symbol", "cabridge_fault_get_pin_retries"}};
            writeFile(dir_ / "fault-control", "pin_max_retries=3\n");
        }
        writeFile(dir_ / "plugins" / "gmvendor.json", json {{"id", "gmvendor"},
                                                            {"name", "国密测试 CA"},
                                                            {"abi", 1},
                                                            {"library", CABRIDGE_SM2P11_GENERIC_PLUGIN},
                                                            {"config", config}}
                                                          .dump());
        writeFile(dir_ / "policy.json",
                  json {{"allowOrigins", json::array()}, {"legacyOrigins", json::array()}}.dump());
        fs::permissions(dir_ / "policy.json", fs::perms(0644));
        writeFile(
            dir_ / "host.json",
            json {{"pluginDirs",
                   // the generic plugin's own folder: a descriptor's library must lie in one
                   {(dir_ / "plugins").string(), fs::path(CABRIDGE_SM2P11_GENERIC_PLUGIN).parent_path().string()}},
                  {"policyFile", (dir_ / "policy.json").string()},
                  {"logFile", (dir_ / "host.log").string()}}
                .dump());
    }
    ~Sm2Pkcs11World()
    {
        std::error_code ec;
        if (std::getenv("CABRIDGE_SM2P11_KEEP") == nullptr) fs::remove_all(dir_, ec);
    }
    Sm2Pkcs11World(const Sm2Pkcs11World&) = delete;
    Sm2Pkcs11World& operator=(const Sm2Pkcs11World&) = delete;

    const fs::path& dir() const { return dir_; }

    std::unique_ptr<HostProcess> startHost()
    {
        std::map<std::string, std::string> env = {{"CABRIDGE_CONFIG", (dir_ / "host.json").string()},
                                                  {"CABRIDGE_LOG", (dir_ / "host.log").string()},
                                                  {"CABRIDGE_SOFTSM2P11_CONFIG", (dir_ / "module.json").string()}};
        if (faultModule_) {
            env["CABRIDGE_FAULT_TARGET"] = CABRIDGE_SM2P11_MODULE;
            env["CABRIDGE_FAULT_CONTROL"] = (dir_ / "fault-control").string();
            env["CABRIDGE_FAULT_STATE"] = (dir_ / "fault-state").string();
        }
        return std::make_unique<HostProcess>(
            test_support::HostLaunch {CABRIDGE_SM2P11_HOST_EXE,
                                      test_support::kTestExtensionOrigin,
                                      {},
                                      {env.begin(), env.end()},
                                      dir_ / ("host-" + std::to_string(hosts_++) + ".stderr")});
    }

    json request(HostProcess& host, const std::string& command, const json& arguments)
    {
        return host.request(
            {{"id", nextId_++}, {"command", command}, {"origin", kPortalOrigin}, {"arguments", arguments}},
            std::chrono::seconds(60));
    }

    // CertInfo of the SM2 PKI certificate `name` among those listed for `purpose`, or null.
    json listed(HostProcess& host, const std::string& name, const std::string& purpose)
    {
        const json reply = request(host, "list-certificates", {{"purpose", purpose}});
        if (!reply.contains("result")) throw std::runtime_error("list-certificates failed: " + reply.dump());
        for (const json& cert : reply["result"]["certificates"])
            if (cert.value("sha256", "") == sm2Entry(name).at("sha256")) return cert;
        return nullptr;
    }

    json authenticate(HostProcess& host, const std::string& certificateId, const std::vector<std::uint8_t>& challenge,
                      const std::string& pin)
    {
        return request(host, "authenticate",
                       {{"certificateId", certificateId}, {"challenge", base64(challenge)}, {"pin", pin}});
    }

    // cabridge-verify against the SM2 root and intermediate; its exit code.
    int cabridgeVerify(const json& token, const std::vector<std::uint8_t>& challenge)
    {
        const fs::path file = dir_ / ("token-" + std::to_string(files_++) + ".json");
        writeFile(file, token.dump());
        const auto run = runCommand({CABRIDGE_SM2P11_VERIFY_EXE, "--token", file.string(), "--origin", kPortalOrigin,
                                     "--challenge", base64(challenge), "--ca", (pkiDir() / "sm2-root.pem").string(),
                                     "--intermediate", (pkiDir() / "sm2-intermediate.pem").string()},
                                    dir_);
        return run.exitCode;
    }

    // The openssl command line alone: the certificate chain (signer ID on each SM2 link) and
    // the signature over the message written out from docs/protocol.md.
    bool opensslVerifies(const json& token, const std::vector<std::uint8_t>& challenge)
    {
        const std::string n = std::to_string(files_++);
        const fs::path der = dir_ / ("cert-" + n + ".der"), pem = dir_ / ("cert-" + n + ".pem"),
                       pub = dir_ / ("pub-" + n + ".pem"), msg = dir_ / ("msg-" + n + ".bin"),
                       sig = dir_ / ("sig-" + n + ".bin");
        const auto certificate = unbase64(token.at("certificate").get<std::string>());
        const auto signature = unbase64(token.at("signature").get<std::string>());
        const auto message = loginMessage(kPortalOrigin, challenge);
        writeFile(der, std::string(certificate.begin(), certificate.end()));
        writeFile(sig, std::string(signature.begin(), signature.end()));
        writeFile(msg, std::string(message.begin(), message.end()));
        const std::string distid = "distid:1234567812345678";
        const auto ok = [&](const std::vector<std::string>& argv) { return runCommand(argv, dir_).exitCode == 0; };
        return ok({kOpenssl, "x509", "-inform", "DER", "-in", der.string(), "-out", pem.string()}) &&
               ok({kOpenssl, "x509", "-in", pem.string(), "-pubkey", "-noout", "-out", pub.string()}) &&
               ok({kOpenssl, "verify", "-vfyopt", distid, "-CAfile", (pkiDir() / "sm2-root.pem").string(),
                   (pkiDir() / "sm2-intermediate.pem").string()}) &&
               ok({kOpenssl, "verify", "-vfyopt", distid, "-partial_chain", "-CAfile",
                   (pkiDir() / "sm2-intermediate.pem").string(), pem.string()}) &&
               ok({kOpenssl, "pkeyutl", "-verify", "-pubin", "-inkey", pub.string(), "-rawin", "-digest", "sm3",
                   "-pkeyopt", distid, "-in", msg.string(), "-sigfile", sig.string()});
    }

    void setFaults(const std::string& lines) { writeFile(dir_ / "fault-control", "pin_max_retries=3\n" + lines); }

private:
    static inline int counter_ = 0;
    fs::path dir_;
    bool faultModule_;
    int hosts_ = 0;
    int nextId_ = 1;
    int files_ = 0;
};

class Sm2OverPkcs11 : public ::testing::TestWithParam<Vendor> {};

TEST_P(Sm2OverPkcs11, ListsTheSigningCertificateForLoginAndLogsInWithAVerifiableToken)
{
    Sm2Pkcs11World world(GetParam().module, GetParam().sm2, false);
    auto host = world.startHost();

    // The dual pair: only the signing certificate is fit for login; both are listed for "any".
    const json sign = world.listed(*host, "sm2-sign", "login");
    ASSERT_FALSE(sign.is_null()) << "sm2-sign not offered for login";
    EXPECT_TRUE(world.listed(*host, "sm2-enc", "login").is_null()) << "the encryption certificate offered for login";
    const json enc = world.listed(*host, "sm2-enc", "any");
    ASSERT_FALSE(enc.is_null());
    for (const json& cert : {sign, enc}) {
        EXPECT_EQ(cert["keyType"], "SM2") << cert.dump();
        EXPECT_EQ(cert["keyBits"], 256) << cert.dump();
        EXPECT_EQ(cert["identity"]["unifiedSocialCreditCode"], sm2Entry("sm2-sign").at("uscc")) << cert.dump();
    }
    EXPECT_EQ(enc["keyUsage"], json({"keyEncipherment", "dataEncipherment", "keyAgreement"})) << enc.dump();
    // Named directly, the encryption certificate does not log in either (its key could sign).
    const json encLogin = world.authenticate(*host, enc["id"], randomBytes(32), kPin);
    EXPECT_EQ(errorCodeOf(encLogin), "INVALID_ARGUMENT") << encLogin.dump();
    EXPECT_EQ(encLogin["error"]["details"]["purpose"], "login") << encLogin.dump();

    const auto challenge = randomBytes(32);
    const json reply = world.authenticate(*host, sign["id"], challenge, kPin);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    const json& token = reply["result"]["token"];
    EXPECT_EQ(token["algorithm"], "SM2-SM3");
    EXPECT_EQ(token["format"], "cabridge-auth:2");
    EXPECT_EQ(world.cabridgeVerify(token, challenge), 0) << token.dump();
    EXPECT_TRUE(world.opensslVerifies(token, challenge)) << token.dump();
    // A token for another challenge is not this one: the check above can fail.
    EXPECT_NE(world.cabridgeVerify(token, randomBytes(32)), 0);
    EXPECT_FALSE(world.opensslVerifies(token, randomBytes(32)));
}

TEST_P(Sm2OverPkcs11, WrongPinIsPinIncorrectAndTheRightOneStillWorks)
{
    Sm2Pkcs11World world(GetParam().module, GetParam().sm2, false);
    auto host = world.startHost();
    const json sign = world.listed(*host, "sm2-sign", "login");
    ASSERT_FALSE(sign.is_null());
    const json wrong = world.authenticate(*host, sign["id"], randomBytes(32), "Wrong12345");
    EXPECT_EQ(errorCodeOf(wrong), "PIN_INCORRECT") << wrong.dump();
    const auto challenge = randomBytes(32);
    const json right = world.authenticate(*host, sign["id"], challenge, kPin);
    ASSERT_TRUE(right.contains("result")) << right.dump();
    EXPECT_TRUE(world.opensslVerifies(right["result"]["token"], challenge));
}

INSTANTIATE_TEST_SUITE_P(Vendors, Sm2OverPkcs11, ::testing::ValuesIn(vendors()),
                         [](const auto& info) { return std::string(info.param.name); });

// The fault module in front of the SM2 module: exact retries, then the lock.
TEST(Sm2OverPkcs11Faults, WrongPinsCountDownToTheLockWithExactRetries)
{
    const Vendor& vendor = vendors().front();
    Sm2Pkcs11World world(vendor.module, vendor.sm2, true);
    auto host = world.startHost();
    const json sign = world.listed(*host, "sm2-sign", "login");
    ASSERT_FALSE(sign.is_null());
    for (const int left : {2, 1}) {
        const json reply = world.authenticate(*host, sign["id"], randomBytes(32), "Wrong12345");
        ASSERT_EQ(errorCodeOf(reply), "PIN_INCORRECT") << reply.dump();
        EXPECT_EQ(reply["error"]["details"]["retriesLeft"], left) << reply.dump();
    }
    const json locked = world.authenticate(*host, sign["id"], randomBytes(32), "Wrong12345");
    EXPECT_EQ(errorCodeOf(locked), "PIN_LOCKED") << locked.dump();
    const json stillLocked = world.authenticate(*host, sign["id"], randomBytes(32), kPin);
    EXPECT_EQ(errorCodeOf(stillLocked), "PIN_LOCKED") << stillLocked.dump();
}

TEST(Sm2OverPkcs11Faults, KeyPulledBeforeSigningIsReportedAndNothingIsSigned)
{
    const Vendor& vendor = vendors().back();
    Sm2Pkcs11World world(vendor.module, vendor.sm2, true);
    auto host = world.startHost();
    const json sign = world.listed(*host, "sm2-sign", "login");
    ASSERT_FALSE(sign.is_null());
    world.setFaults("remove_before=C_SignInit\n");
    const json reply = world.authenticate(*host, sign["id"], randomBytes(32), kPin);
    const std::string code = errorCodeOf(reply);
    EXPECT_TRUE(code == "TOKEN_REMOVED" || code == "NO_TOKEN") << reply.dump();
}

// A descriptor that names no SM2 mechanism: the certificate is listed (CertInfo needs no
// mechanism) but the host cannot log in with it, and says so with a specific code.
TEST(Sm2OverPkcs11Config, WithoutAnSm2MechanismTheKeyIsRefusedNotSignedWithECDSA)
{
    Sm2Pkcs11World world(moduleA(), nullptr, false);
    auto host = world.startHost();
    const json sign = world.listed(*host, "sm2-sign", "login");
    ASSERT_FALSE(sign.is_null());
    const json reply = world.authenticate(*host, sign["id"], randomBytes(32), kPin);
    EXPECT_FALSE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
}

// The descriptor's key type is not the token's: the token is not asked to sign.
TEST(Sm2OverPkcs11Config, AKeyTypeOtherThanTheDescriptorsIsRefused)
{
    const json sm2 = {
        {"keyType", "0x80000001"}, {"mechanism", "0x80008100"}, {"style", "message"}, {"signature", "raw"}};
    Sm2Pkcs11World world(moduleA(), sm2, false);
    auto host = world.startHost();
    const json sign = world.listed(*host, "sm2-sign", "login");
    ASSERT_FALSE(sign.is_null());
    const json reply = world.authenticate(*host, sign["id"], randomBytes(32), kPin);
    EXPECT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
}

// The descriptor says DER but the module returns raw r || s (or the reverse): a malformed
// signature is a plugin error, never a token that cannot verify.
TEST(Sm2OverPkcs11Config, ASignatureEncodingOtherThanTheDescriptorsIsAPluginError)
{
    const json sm2 = {
        {"keyType", "0x80000004"}, {"mechanism", "0x80008200"}, {"style", "digest"}, {"signature", "der"}};
    Sm2Pkcs11World world(moduleA(), sm2, false);
    auto host = world.startHost();
    const json sign = world.listed(*host, "sm2-sign", "login");
    ASSERT_FALSE(sign.is_null());
    const json reply = world.authenticate(*host, sign["id"], randomBytes(32), kPin);
    EXPECT_EQ(errorCodeOf(reply), "PLUGIN_ERROR") << reply.dump();
}

}  // namespace
}  // namespace cabridge::logintest
