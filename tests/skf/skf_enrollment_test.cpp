// CA enrolment ("老用户延期", #18) through the real host on the SKF plugin and the software SKF
// library (tests/softskf): generate-key makes a container with a new SM2 or RSA-2048 key
// (SKF_CreateContainer, SKF_GenECCKeyPair / SKF_GenRSAKeyPair) and returns a PKCS#10 request
// signed by it (SM2 with SM3 and signer ID 1234567812345678), the test PKI's CAs issue the
// certificate, install-certificate stores it (SKF_ImportCertificate), and it logs in (checked by
// cabridge-verify). An orphan container is reported and removed (SKF_DeleteContainer); replacing
// deletes the old container; origins other than the CA's enrolment site are refused.
#include "run_command.h"
#include "skf_world.h"

#include <cabridge/common/openssl_ptr.h>
#include <cabridge/test_support/test_certificate.h>

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace cabridge::skftest {
namespace {

using logintest::runCommand;

constexpr const char* kEnrollOrigin = "https://enroll.hebca.example.com";
constexpr const char* kSubject = "CN=李四,O=河北测试单位 (SKF),C=CN";

using ReqPtr = std::unique_ptr<X509_REQ, OpenSslDeleter<&X509_REQ_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<&BIO_free>>;
using OctetPtr = std::unique_ptr<ASN1_OCTET_STRING, OpenSslDeleter<&ASN1_OCTET_STRING_free>>;

std::string errorCodeOf(const nlohmann::json& reply)
{
    return reply.contains("error") ? reply["error"].value("code", "") : "(no error: " + reply.dump() + ")";
}

X509Ptr readCertificate(const std::filesystem::path& file)
{
    BioPtr bio(BIO_new_file(file.c_str(), "r"));
    return X509Ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

EvpPkeyPtr readKey(const std::filesystem::path& file)
{
    BioPtr bio(BIO_new_file(file.c_str(), "r"));
    return EvpPkeyPtr(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

// The request verifies with its own key: SM2 with the signer ID Chinese CAs use.
bool requestVerifies(X509_REQ* req)
{
    EVP_PKEY* key = X509_REQ_get0_pubkey(req);
    if (X509_REQ_get_signature_nid(req) == NID_SM2_with_SM3) {
        OctetPtr id(ASN1_OCTET_STRING_new());
        ASN1_OCTET_STRING_set(id.get(), reinterpret_cast<const unsigned char*>("1234567812345678"), 16);
        X509_REQ_set0_distinguishing_id(req, id.release());
    }
    const bool ok = key != nullptr && X509_REQ_verify(req, key) == 1;
    ERR_clear_error();
    return ok;
}

class SkfEnrollment : public ::testing::Test {
protected:
    SkfEnrollment()
        : world_(nlohmann::json {
              {"enrollOrigins", {kEnrollOrigin}},
              {"enrollCAs", {(pkiDir() / "sm2-intermediate.pem").string(), (pkiDir() / "intermediate.pem").string()}}})
    {
        host_ = world_.startHost();
    }

    nlohmann::json request(const std::string& command, const nlohmann::json& arguments,
                           const std::string& origin = kEnrollOrigin)
    {
        return host_->request({{"id", nextId_++}, {"command", command}, {"origin", origin}, {"arguments", arguments}},
                              std::chrono::seconds(60));
    }

    nlohmann::json generate(const std::string& certificateId, const std::string& keyType,
                            const std::string& origin = kEnrollOrigin)
    {
        return request(
            "generate-key",
            {{"certificateId", certificateId}, {"keyType", keyType}, {"subject", kSubject}, {"pin", kUserPin}}, origin);
    }

    nlohmann::json keys(const std::string& certificateId)
    {
        const auto reply = request("list-keys", {{"certificateId", certificateId}});
        EXPECT_TRUE(reply.contains("result")) << reply.dump();
        return reply.contains("result") ? reply["result"]["keys"] : nlohmann::json::array();
    }

    // The container names of device `index`'s application.
    std::vector<std::string> containers(int index)
    {
        const nlohmann::json device = world_.device(index);  // kept: the loop reads into it
        std::vector<std::string> names;
        for (const auto& con : device["applications"][0]["containers"]) names.push_back(con["name"]);
        return names;
    }

    struct Generated {
        std::string keyId;
        EvpPkeyPtr publicKey;
    };
    // generate-key, its request checked: it verifies and names the subject.
    Generated generateChecked(const std::string& certificateId, const std::string& keyType)
    {
        const auto reply = generate(certificateId, keyType);
        EXPECT_TRUE(reply.contains("result")) << reply.dump();
        if (!reply.contains("result")) return {};
        const auto der = unbase64(reply["result"]["csr"]);
        const unsigned char* p = der.data();
        ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
        EXPECT_TRUE(req);
        if (!req) return {};
        EXPECT_TRUE(requestVerifies(req.get()));
        EXPECT_EQ(X509_REQ_get_signature_nid(req.get()),
                  keyType == "SM2" ? NID_SM2_with_SM3 : NID_sha256WithRSAEncryption);
        BioPtr bio(BIO_new(BIO_s_mem()));
        X509_NAME_print_ex(bio.get(), X509_REQ_get_subject_name(req.get()), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
        char* text = nullptr;
        const long length = BIO_get_mem_data(bio.get(), &text);
        EXPECT_EQ(std::string(text, static_cast<std::size_t>(length)), kSubject);
        return {reply["result"]["keyId"], EvpPkeyPtr(X509_REQ_get_pubkey(req.get()))};
    }

    // A certificate for `key` from the SM2 test CA (SM2 keys) or the ECDSA one (RSA keys).
    std::vector<std::uint8_t> issue(EVP_PKEY* key, bool sm2, long serial)
    {
        const auto ca = readCertificate(pkiDir() / (sm2 ? "sm2-intermediate.pem" : "intermediate.pem"));
        const auto caKey = readKey(pkiDir() / "ca" / (sm2 ? "sm2-intermediate.key.pem" : "intermediate.key.pem"));
        if (!ca || !caKey) throw std::runtime_error("cannot read the test CA");
        test_support::CertificateSpec spec;
        spec.subject = {{"C", "CN"}, {"O", "河北测试单位 (SKF)"}, {"CN", "李四"}};
        spec.serial = serial;
        spec.keyUsage = "digitalSignature,nonRepudiation";
        return test_support::derOf(test_support::makeCertificate(spec, key, ca.get(), caKey.get()).get());
    }

    bool verifierAccepts(const nlohmann::json& token, const std::vector<std::uint8_t>& challenge, bool sm2)
    {
        writeText(world_.dir() / "token.json", token.dump());
        const auto run = runCommand(
            {kVerifyExe, "--token", (world_.dir() / "token.json").string(), "--origin", kPortalOrigin, "--challenge",
             base64(challenge), "--ca", (pkiDir() / (sm2 ? "sm2-root.pem" : "root.pem")).string(), "--intermediate",
             (pkiDir() / (sm2 ? "sm2-intermediate.pem" : "intermediate.pem")).string()},
            world_.dir(), {}, std::chrono::seconds(60));
        EXPECT_EQ(run.exitCode, 0) << run.out << run.err;
        return run.exitCode == 0;
    }

    SkfWorld world_;
    std::unique_ptr<HostProcess> host_;
    int nextId_ = 1000;
};

TEST_F(SkfEnrollment, RenewsWithSm2AndRsaKeys)
{
    struct Case {
        const char* pkiName;
        int device;
        const char* keyType;
    };
    long serial = 0x5f01;
    for (const Case c : {Case {"sm2-person", 1, "SM2"}, Case {"skf-rsa", 0, "RSA-2048"}}) {
        SCOPED_TRACE(c.keyType);
        const bool sm2 = std::string(c.keyType) == "SM2";
        const auto oldId = world_.certificateId(*host_, c.pkiName);
        auto generated = generateChecked(oldId, c.keyType);
        ASSERT_FALSE(generated.keyId.empty());
        const auto names = containers(c.device);
        EXPECT_NE(std::find(names.begin(), names.end(), generated.keyId), names.end()) << "a container of its own";
        bool listedAsOrphan = false;
        for (const auto& key : keys(oldId)) {
            listedAsOrphan = listedAsOrphan || (key["keyId"] == generated.keyId && key["keyType"] == c.keyType &&
                                                key["hasCertificate"] == false);
        }
        EXPECT_TRUE(listedAsOrphan);

        const auto der = issue(generated.publicKey.get(), sm2, serial++);
        const auto installed = request(
            "install-certificate",
            {{"keyId", generated.keyId}, {"certificate", base64(der)}, {"certificateId", oldId}, {"pin", kUserPin}});
        ASSERT_TRUE(installed.contains("result")) << installed.dump();
        const std::string newId = installed["result"]["certificateId"];
        bool listed = false;
        bool oldStays = false;
        for (const auto& cert : world_.certificates(*host_)) {
            listed = listed || cert["id"] == newId;
            oldStays = oldStays || cert["id"] == oldId;
        }
        EXPECT_TRUE(listed);
        EXPECT_TRUE(oldStays) << "replace=false keeps the old certificate";

        const auto challenge = randomBytes(32);
        const auto login = world_.authenticate(*host_, newId, challenge, kUserPin);
        ASSERT_TRUE(login.contains("result")) << login.dump();
        EXPECT_EQ(login["result"]["token"]["algorithm"], sm2 ? "SM2-SM3" : "RS256");
        EXPECT_TRUE(verifierAccepts(login["result"]["token"], challenge, sm2));
    }
    EXPECT_EQ(world_.hostLog().find(std::string("\"") + kUserPin + "\""), std::string::npos);
}

TEST_F(SkfEnrollment, ReplaceDeletesTheOldContainer)
{
    const auto oldId = world_.certificateId(*host_, "sm2-person");
    auto generated = generateChecked(oldId, "SM2");
    ASSERT_FALSE(generated.keyId.empty());
    const auto installed = request("install-certificate",
                                   {{"keyId", generated.keyId},
                                    {"certificate", base64(issue(generated.publicKey.get(), true, 0x5f10))},
                                    {"certificateId", oldId},
                                    {"replace", true},
                                    {"pin", kUserPin}});
    ASSERT_TRUE(installed.contains("result")) << installed.dump();
    EXPECT_EQ(containers(1), std::vector<std::string> {generated.keyId}) << "sm2-person's container is gone";
    for (const auto& cert : world_.certificates(*host_)) EXPECT_NE(cert["id"], oldId);
}

TEST_F(SkfEnrollment, OrphanIsRemovedAndOtherOriginsAreRefused)
{
    const auto oldId = world_.certificateId(*host_, "sm2-person");
    const auto before = containers(1);
    ASSERT_EQ(before, std::vector<std::string> {"sm2-person"});
    for (const std::string& origin : {std::string(kPortalOrigin), std::string("https://evil.example.com")}) {
        EXPECT_EQ(errorCodeOf(generate(oldId, "SM2", origin)), "ORIGIN_NOT_ALLOWED");
        EXPECT_EQ(errorCodeOf(request("list-keys", {{"certificateId", oldId}}, origin)), "ORIGIN_NOT_ALLOWED");
        EXPECT_EQ(errorCodeOf(request("remove-key",
                                      {{"certificateId", oldId}, {"keyId", "sm2-person"}, {"pin", kUserPin}}, origin)),
                  "ORIGIN_NOT_ALLOWED");
        EXPECT_EQ(
            errorCodeOf(request(
                "install-certificate",
                {{"keyId", "sm2-person"}, {"certificate", base64(pkiDer("sm2-person"))}, {"pin", kUserPin}}, origin)),
            "ORIGIN_NOT_ALLOWED");
    }
    EXPECT_EQ(containers(1), before);
    // SKF ECC keys are SM2.
    EXPECT_EQ(errorCodeOf(generate(oldId, "P-256")), "INVALID_ARGUMENT");
    EXPECT_EQ(containers(1), before);

    const auto made = generate(oldId, "SM2");
    ASSERT_TRUE(made.contains("result")) << made.dump();
    const std::string orphan = made["result"]["keyId"];
    auto refused = request("remove-key", {{"certificateId", oldId}, {"keyId", "sm2-person"}, {"pin", kUserPin}});
    EXPECT_EQ(errorCodeOf(refused), "INVALID_ARGUMENT") << "a key with a certificate stays";
    const auto removed = request("remove-key", {{"certificateId", oldId}, {"keyId", orphan}, {"pin", kUserPin}});
    ASSERT_TRUE(removed.contains("result")) << removed.dump();
    EXPECT_EQ(containers(1), before);
    EXPECT_EQ(keys(oldId).size(), 1u);
}

}  // namespace
}  // namespace cabridge::skftest
