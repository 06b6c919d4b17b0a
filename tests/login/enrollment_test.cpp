// CA enrolment ("老用户延期", #18) through the real host on SoftHSM with HeBCA's shipped
// descriptor: generate-key makes a key on the token and returns a PKCS#10 request that
// `openssl req -verify` accepts, the test PKI's HeBCA-like intermediate issues a certificate
// for it, install-certificate stores it (keeping or replacing the old one), and the new
// certificate logs in (checked by cabridge-verify). Half-way failures leave an orphan key that
// list-keys reports and remove-key removes; a certificate for another key or from a CA the
// vendor does not trust is refused; origins other than the CA's enrolment sites are refused
// before any token is touched; the PIN never reaches the log.
#include "login_paths.h"
#include "login_scenario.h"
#include "reply_matchers.h"
#include "run_command.h"
#include "token_check.h"

#include <cabridge/test_support/test_certificate.h>

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>

namespace cabridge::logintest {
namespace {

// HeBCA's renewal site in these tests (the plugin's enrollOrigins).
constexpr const char* kEnrollOrigin = "https://enroll.hebca.example.com";
constexpr const char* kSubject = "CN=张三 (续期),OU=信息中心,O=河北测试单位,L=石家庄,ST=河北省,C=CN";

using ReqPtr = std::unique_ptr<X509_REQ, OpenSslDeleter<&X509_REQ_free>>;

ScenarioOptions enrollmentOptions()
{
    auto options = ScenarioOptions::token({"org-rsa"});
    // The HeBCA-like issuing CA of the test PKI: an intermediate, trusted as an anchor.
    options.withEnrollment({kEnrollOrigin}, {(sharedPkiDir() / "intermediate.pem").string()});
    return options;
}

ReqPtr parseRequest(const std::vector<std::uint8_t>& der)
{
    const unsigned char* p = der.data();
    return ReqPtr(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
}

std::string rfc2253(const X509_NAME* name)
{
    std::unique_ptr<BIO, OpenSslDeleter<&BIO_free>> bio(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return {data, static_cast<std::size_t>(length)};
}

// X509_free for the PEM reader's result.
X509Ptr readPemCertificate(const std::filesystem::path& file)
{
    std::unique_ptr<BIO, OpenSslDeleter<&BIO_free>> bio(BIO_new_file(file.c_str(), "r"));
    return X509Ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

EvpPkeyPtr readPemKey(const std::filesystem::path& file)
{
    std::unique_ptr<BIO, OpenSslDeleter<&BIO_free>> bio(BIO_new_file(file.c_str(), "r"));
    return EvpPkeyPtr(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

// A certificate for `publicKey` from the test PKI's intermediate (what the CA's site would get
// back from its CA after sending the request).
std::vector<std::uint8_t> issueFromTestCa(EVP_PKEY* publicKey, long serial)
{
    const auto ca = readPemCertificate(sharedPkiDir() / "intermediate.pem");
    const auto caKey = readPemKey(sharedPkiDir() / "ca" / "intermediate.key.pem");
    if (!ca || !caKey) throw std::runtime_error("cannot read the test PKI's intermediate");
    test_support::CertificateSpec spec;
    spec.subject = {{"C", "CN"}, {"O", "河北测试单位"}, {"CN", "张三 (续期)"}};
    spec.serial = serial;
    spec.keyUsage = "digitalSignature,nonRepudiation";
    spec.extendedKeyUsage = "clientAuth";
    return test_support::derOf(test_support::makeCertificate(spec, publicKey, ca.get(), caKey.get()).get());
}

class Enrollment : public ::testing::Test {
protected:
    explicit Enrollment(ScenarioOptions options = enrollmentOptions()) : scenario_(std::move(options))
    {
        host_ = scenario_.startHost();
        oldId_ = scenario_.certificateId(*host_, "org-rsa");
    }

    nlohmann::json request(const std::string& command, const nlohmann::json& arguments,
                           const std::string& origin = kEnrollOrigin)
    {
        return scenario_.request(*host_, command, origin, arguments);
    }

    nlohmann::json generate(const std::string& keyType, const std::string& pin = kTokenPin,
                            const std::string& origin = kEnrollOrigin)
    {
        return request("generate-key",
                       {{"certificateId", oldId_}, {"keyType", keyType}, {"subject", kSubject}, {"pin", pin}}, origin);
    }

    nlohmann::json install(const std::string& keyId, const std::vector<std::uint8_t>& der, bool replace = false,
                           bool nameCertificate = true, const std::string& origin = kEnrollOrigin)
    {
        nlohmann::json arguments = {{"keyId", keyId}, {"certificate", base64Encode(der)}, {"pin", kTokenPin}};
        if (nameCertificate) arguments["certificateId"] = oldId_;
        if (replace) arguments["replace"] = true;
        return request("install-certificate", arguments, origin);
    }

    nlohmann::json keys()
    {
        const auto reply = request("list-keys", {{"certificateId", oldId_}});
        EXPECT_TRUE(reply.contains("result")) << reply.dump();
        return reply.contains("result") ? reply["result"]["keys"] : nlohmann::json::array();
    }

    std::optional<nlohmann::json> keyEntry(const std::string& keyId)
    {
        for (const auto& key : keys()) {
            if (key["keyId"] == keyId) return key;
        }
        return std::nullopt;
    }

    // The certificates list-certificates shows the portal, by sha256.
    std::vector<std::string> listedSha256()
    {
        const auto reply = scenario_.request(*host_, "list-certificates", kPortalOrigin, {{"purpose", "any"}});
        std::vector<std::string> out;
        for (const auto& cert : reply["result"]["certificates"]) out.push_back(cert["sha256"]);
        return out;
    }

    // generate-key, checked: the request verifies (openssl req -verify) and names the subject.
    struct Generated {
        std::string keyId;
        EvpPkeyPtr publicKey;
    };
    Generated generateChecked(const std::string& keyType)
    {
        const auto reply = generate(keyType);
        EXPECT_TRUE(reply.contains("result")) << reply.dump();
        if (!reply.contains("result")) return {};
        const auto csr = base64Decode(reply["result"]["csr"]);
        const auto file = scenario_.dir() / ("request-" + keyType + ".der");
        writeFile(file, std::string(csr.begin(), csr.end()));
        const auto verified = runCommand(
            {"/usr/bin/openssl", "req", "-inform", "DER", "-in", file.string(), "-verify", "-noout"}, scenario_.dir());
        EXPECT_EQ(verified.exitCode, 0) << verified.err;
        EXPECT_NE((verified.out + verified.err).find("verify OK"), std::string::npos) << verified.err;
        const auto parsed = parseRequest(csr);
        EXPECT_TRUE(parsed);
        if (!parsed) return {};
        EXPECT_EQ(rfc2253(X509_REQ_get_subject_name(parsed.get())), kSubject);
        EvpPkeyPtr key(X509_REQ_get_pubkey(parsed.get()));
        EXPECT_EQ(EVP_PKEY_is_a(key.get(), "RSA"), keyType == "RSA-2048");
        return {reply["result"]["keyId"], std::move(key)};
    }

    LoginScenario scenario_;
    std::unique_ptr<HostProcess> host_;
    std::string oldId_;
};

class EnrollmentWithFaults : public Enrollment {
protected:
    EnrollmentWithFaults() : Enrollment(enrollmentOptions().withFaultModule(3)) {}
};

TEST_F(Enrollment, RenewsWithEachKeyTypeKeepingTheOldCertificate)
{
    long serial = 0x5e01;
    for (const std::string keyType : {"RSA-2048", "P-256"}) {
        SCOPED_TRACE(keyType);
        auto generated = generateChecked(keyType);
        ASSERT_FALSE(generated.keyId.empty());
        const auto key = keyEntry(generated.keyId);
        ASSERT_TRUE(key) << "list-keys shows the new key";
        EXPECT_EQ((*key)["keyType"], keyType);
        EXPECT_EQ((*key)["hasCertificate"], false);

        const auto der = issueFromTestCa(generated.publicKey.get(), serial++);
        const auto reply = install(generated.keyId, der);
        ASSERT_TRUE(reply.contains("result")) << reply.dump();
        const std::string newId = reply["result"]["certificateId"];

        const auto listed = listedSha256();
        EXPECT_EQ(std::count(listed.begin(), listed.end(), pkiEntry("org-rsa")["sha256"]), 1) << "the old one stays";
        const auto all = scenario_.request(*host_, "list-certificates", kPortalOrigin, {{"purpose", "any"}});
        bool found = false;
        for (const auto& cert : all["result"]["certificates"]) found = found || cert["id"] == newId;
        EXPECT_TRUE(found) << "list-certificates shows the installed certificate under its id: " << all.dump();
        EXPECT_EQ((*keyEntry(generated.keyId))["hasCertificate"], true);

        // The renewed certificate logs in, and the portal's verifier accepts the token.
        const auto challenge = randomBytes(32);
        const auto login = scenario_.authenticate(*host_, newId, challenge, kTokenPin);
        ASSERT_TRUE(login.contains("result")) << login.dump();
        EXPECT_TRUE(opensslVerifies(login["result"]["token"], kPortalOrigin, challenge));
        const auto verdict = runVerifier(login["result"]["token"], kPortalOrigin, challenge, sharedPkiDir(),
                                         scenario_.dir());
        EXPECT_EQ(verdict.exitCode, 0) << verdict.result.dump();
    }
    const std::string log = scenario_.hostLog();
    EXPECT_EQ(log.find(kTokenPin), std::string::npos) << "the PIN is in the host log";
    EXPECT_NE(log.find("enrolment: generate-key for " + std::string(kEnrollOrigin) + " vendor=hebca"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("enrolment: install-certificate"), std::string::npos) << log;
}

TEST_F(Enrollment, ReplaceRemovesTheOldCertificate)
{
    auto generated = generateChecked("P-256");
    ASSERT_FALSE(generated.keyId.empty());
    const auto der = issueFromTestCa(generated.publicKey.get(), 0x5e10);
    const auto reply = install(generated.keyId, der, true);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    const auto listed = listedSha256();
    EXPECT_EQ(std::count(listed.begin(), listed.end(), pkiEntry("org-rsa")["sha256"]), 0) << "replaced";
    EXPECT_EQ(listed.size(), 1u);
    const auto login = scenario_.authenticate(*host_, reply["result"]["certificateId"], randomBytes(32), kTokenPin);
    EXPECT_TRUE(login.contains("result")) << login.dump();
}

TEST_F(Enrollment, InstallWithoutCertificateIdFindsTheOnlyTokenWithTheKey)
{
    auto generated = generateChecked("P-256");
    ASSERT_FALSE(generated.keyId.empty());
    const auto reply = install(generated.keyId, issueFromTestCa(generated.publicKey.get(), 0x5e11), false, false);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(listedSha256().size(), 2u);
    // replace needs the certificate to replace.
    EXPECT_EQ(errorCodeOf(install(generated.keyId, issueFromTestCa(generated.publicKey.get(), 0x5e12), true, false)),
              "INVALID_ARGUMENT");
}

TEST_F(Enrollment, OrphanKeyIsReportedAndRemovable)
{
    // Half-way: a key made, its certificate never installed.
    const auto generated = generate("P-256");
    ASSERT_TRUE(generated.contains("result")) << generated.dump();
    const std::string orphan = generated["result"]["keyId"];
    const auto entry = keyEntry(orphan);
    ASSERT_TRUE(entry);
    EXPECT_EQ((*entry)["hasCertificate"], false);

    // A key with a certificate is not removed.
    auto withCert = generateChecked("P-256");
    ASSERT_TRUE(install(withCert.keyId, issueFromTestCa(withCert.publicKey.get(), 0x5e20)).contains("result"));
    auto refused = request("remove-key", {{"certificateId", oldId_}, {"keyId", withCert.keyId}, {"pin", kTokenPin}});
    ASSERT_EQ(errorCodeOf(refused), "INVALID_ARGUMENT") << refused.dump();
    EXPECT_EQ(refused["error"]["details"]["reason"], "hasCertificate");
    EXPECT_TRUE(keyEntry(withCert.keyId));

    const auto removed = request("remove-key", {{"certificateId", oldId_}, {"keyId", orphan}, {"pin", kTokenPin}});
    ASSERT_TRUE(removed.contains("result")) << removed.dump();
    EXPECT_FALSE(keyEntry(orphan)) << "the orphan is gone";
    EXPECT_EQ(errorCodeOf(request("remove-key", {{"certificateId", oldId_}, {"keyId", orphan}, {"pin", kTokenPin}})),
              "CERTIFICATE_NOT_FOUND");
    EXPECT_EQ(scenario_.hostLog().find(kTokenPin), std::string::npos);
}

TEST_F(Enrollment, RefusesACertificateForAnotherKeyOrFromAnUntrustedCa)
{
    auto generated = generateChecked("RSA-2048");
    ASSERT_FALSE(generated.keyId.empty());
    const auto before = listedSha256();

    const auto otherKey = test_support::generateKey(test_support::KeyType::Rsa2048);
    auto reply = install(generated.keyId, issueFromTestCa(otherKey.get(), 0x5e30));
    ASSERT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["check"], "publicKey");

    // Right key, wrong CA: a CA of its own, which HeBCA's descriptor does not list.
    test_support::CertificateSpec caSpec;
    caSpec.subject = {{"CN", "Some Other CA"}};
    caSpec.isCa = true;
    caSpec.keyUsage = "keyCertSign,cRLSign";
    const auto otherCaKey = test_support::generateKey(test_support::KeyType::P256);
    const auto otherCa = test_support::makeCertificate(caSpec, otherCaKey.get());
    test_support::CertificateSpec leaf;
    leaf.keyUsage = "digitalSignature";
    const auto untrusted = test_support::derOf(
        test_support::makeCertificate(leaf, generated.publicKey.get(), otherCa.get(), otherCaKey.get()).get());
    reply = install(generated.keyId, untrusted);
    ASSERT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["check"], "chain");

    reply = install(generated.keyId, {0x30, 0x03, 0x02, 0x01, 0x01});
    ASSERT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["check"], "parse");

    EXPECT_EQ(listedSha256(), before) << "nothing was stored";
    EXPECT_EQ((*keyEntry(generated.keyId))["hasCertificate"], false);
}

TEST_F(Enrollment, OtherOriginsAreRefusedForEveryCommandAndNothingChanges)
{
    auto generated = generateChecked("P-256");
    ASSERT_FALSE(generated.keyId.empty());
    const auto der = issueFromTestCa(generated.publicKey.get(), 0x5e40);
    const auto keysBefore = keys();
    const auto listedBefore = listedSha256();
    // The portal itself (allowed to log in, not to enrol), another site, and a look-alike.
    for (const std::string& origin : {std::string(kPortalOrigin), std::string("https://evil.example.com"),
                                      std::string("https://enroll.hebca.example.com.evil.example")}) {
        SCOPED_TRACE(origin);
        EXPECT_EQ(errorCodeOf(generate("P-256", kTokenPin, origin)), "ORIGIN_NOT_ALLOWED");
        EXPECT_EQ(errorCodeOf(install(generated.keyId, der, true, true, origin)), "ORIGIN_NOT_ALLOWED");
        EXPECT_EQ(errorCodeOf(request("list-keys", {{"certificateId", oldId_}}, origin)), "ORIGIN_NOT_ALLOWED");
        EXPECT_EQ(
            errorCodeOf(request("remove-key",
                                {{"certificateId", oldId_}, {"keyId", generated.keyId}, {"pin", kTokenPin}}, origin)),
            "ORIGIN_NOT_ALLOWED");
    }
    EXPECT_EQ(keys(), keysBefore);
    EXPECT_EQ(listedSha256(), listedBefore);
    // status tells the CA's site that it may enrol, and a portal nothing of the kind.
    const auto status = request("status", nlohmann::json::object());
    ASSERT_TRUE(status.contains("result")) << status.dump();
    EXPECT_EQ(status["result"]["enrollAllowed"], true) << status.dump();
    EXPECT_EQ(status["result"]["originAllowed"], false) << status.dump();
    EXPECT_FALSE(status["result"].contains("plugins")) << status.dump();
    const auto portalStatus = request("status", nlohmann::json::object(), kPortalOrigin);
    EXPECT_FALSE(portalStatus["result"].contains("enrollAllowed")) << portalStatus.dump();
    EXPECT_FALSE(
        request("status", nlohmann::json::object(), "https://evil.example.com")["result"].contains("enrollAllowed"));
    // The enrolment site may list HeBCA's certificates (to pick the key), not log in with them.
    const auto listed = request("list-certificates", {{"vendor", "hebca"}});
    ASSERT_TRUE(listed.contains("result")) << listed.dump();
    EXPECT_EQ(listed["result"]["certificates"].size(), 1u);
    EXPECT_EQ(errorCodeOf(scenario_.authenticate(*host_, oldId_, randomBytes(32), kTokenPin, kEnrollOrigin)),
              "ORIGIN_NOT_ALLOWED");
}

TEST_F(Enrollment, RefusesBadArgumentsBeforeTheToken)
{
    auto reply = request(
        "generate-key",
        {{"certificateId", oldId_}, {"keyType", "P-256"}, {"subject", "CN=张三,,O=x"}, {"pin", kTokenPin}});
    ASSERT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["key"], "subject");
    reply = request("generate-key",
                    {{"certificateId", oldId_}, {"keyType", "RSA-1024"}, {"subject", kSubject}, {"pin", kTokenPin}});
    EXPECT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
    reply = request(
        "generate-key",
        {{"certificateId", oldId_}, {"keyType", "P-256"}, {"subject", kSubject}, {"pin", kTokenPin}, {"extra", 1}});
    EXPECT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
    reply = request("generate-key",
                    {{"certificateId", oldId_}, {"keyType", "P-256"}, {"subject", kSubject}, {"pin", "x"}});
    EXPECT_EQ(errorCodeOf(reply), "PIN_INVALID") << reply.dump();
    // SoftHSM (like every PKCS#11 module without a vendor mechanism) cannot make SM2 keys.
    reply = generate("SM2");
    ASSERT_EQ(errorCodeOf(reply), "INVALID_ARGUMENT") << reply.dump();
    EXPECT_TRUE(keys().empty()) << "no key was made";
}

TEST_F(EnrollmentWithFaults, WrongPinCountsDownAndChangesNothing)
{
    auto reply = generate("P-256", "Wr0ngPin01");
    ASSERT_EQ(errorCodeOf(reply), "PIN_INCORRECT") << reply.dump();
    EXPECT_EQ(reply["error"]["details"]["retriesLeft"], 2);
    EXPECT_TRUE(keys().empty());
    reply = generate("P-256");
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    const std::string keyId = reply["result"]["keyId"];
    reply = request("remove-key", {{"certificateId", oldId_}, {"keyId", keyId}, {"pin", "Wr0ngPin02"}});
    ASSERT_EQ(errorCodeOf(reply), "PIN_INCORRECT") << reply.dump();
    EXPECT_TRUE(keyEntry(keyId)) << "the key stays";
    EXPECT_EQ(scenario_.hostLog().find("Wr0ngPin0"), std::string::npos);
    EXPECT_EQ(scenario_.hostLog().find(kTokenPin), std::string::npos);
}

class EnrollmentByPolicy : public Enrollment {
protected:
    EnrollmentByPolicy()
        : Enrollment(enrollmentOptions().withPolicyEnrollment({"http://127.0.0.1:8443"}, {kEnrollOrigin}))
    {
    }
};

TEST_F(EnrollmentByPolicy, PolicyAddsAndRemovesEnrolmentOrigins)
{
    EXPECT_EQ(errorCodeOf(generate("P-256")), "ORIGIN_NOT_ALLOWED") << "denyEnrollOrigins removes the plugin's";
    const auto reply = generate("P-256", kTokenPin, "http://127.0.0.1:8443");
    EXPECT_TRUE(reply.contains("result")) << reply.dump();
}

}  // namespace
}  // namespace cabridge::logintest
