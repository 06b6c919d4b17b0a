// libcabridge-pkcs11.so, configured by the shipped hebca.json with SoftHSM as its module, through
// its C ABI against real SoftHSM tokens: two
// tokens (one with an RSA-2048 and a P-256 certificate, one empty), login,
// signatures verified with OpenSSL against the certificates, error codes.
#include "hebca_descriptor.h"
#include "plugin_under_test.h"
#include "softhsm_tokens.h"
#include <cabridge/test_support/der_values.h>
#include <cabridge/test_support/test_certificate.h>

#include <cabridge/common/encoding.h>

#include <nlohmann/json.hpp>

#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <map>
#include <memory>

using namespace cabridge;
using namespace cabridge::test;
using namespace cabridge::test_support;
using nlohmann::json;

namespace {

constexpr const char *kPin = "123456";

bool verifies(const std::vector<std::uint8_t> &certDer, const EVP_MD *md, const std::vector<std::uint8_t> &data,
              const std::string &signature) {
    const X509Ptr cert = parseCertificate(certDer);
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!cert || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, X509_get0_pubkey(cert.get())) != 1)
        return false;
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char *>(signature.data()), signature.size(),
                            data.data(), data.size()) == 1;
}

// Makes a certificate for `key` with the subject `spec` names, imports both onto the token
// `tokenLabel` under CKA_ID `idHex` and `label`, and returns the certificate's DER.
std::vector<std::uint8_t> importNewCertificate(SoftHsmTokens &tokens, const std::string &tokenLabel,
                                               const std::string &idHex, const std::string &label, EVP_PKEY *key,
                                               const CertificateSpec &spec) {
    auto der = makeCertificateDer(spec, key);
    tokens.importCertificateAndKey(tokenLabel, kPin, idHex, label, der, pkcs8Der(key));
    return der;
}

class Pkcs11OnSoftHsm : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        tokens_ = std::make_unique<SoftHsmTokens>();
        serial_ = tokens_->initToken("cabridge-a", kPin);
        emptySerial_ = tokens_->initToken("cabridge-empty", kPin);

        CertificateSpec rsaSpec;
        rsaSpec.subject = {{"CN", "河北测试RSA"}, {"OU", "91110000600037341L"}};
        rsaCert_ = importNewCertificate(*tokens_, "cabridge-a", "01", "rsa", generateRsaKey(2048).get(), rsaSpec);
        CertificateSpec ecSpec;
        ecSpec.subject = {{"CN", "河北测试EC"}};
        ecCert_ = importNewCertificate(*tokens_, "cabridge-a", "02", "ec", generateKey(KeyType::P256).get(), ecSpec);

        plugin_ = std::make_unique<PluginUnderTest>(
            CABRIDGE_PKCS11_PLUGIN_PATH,
            shippedHebcaConfigWith({{"modules", {"/nonexistent/hebca.so", kSoftHsmModule}}}).dump());
    }
    static void TearDownTestSuite() {
        plugin_.reset();
        tokens_.reset();
    }
    void TearDown() override { plugin_->logout(serial_); }

    static inline std::unique_ptr<SoftHsmTokens> tokens_;
    static inline std::unique_ptr<PluginUnderTest> plugin_;
    static inline std::string serial_, emptySerial_;
    static inline std::vector<std::uint8_t> rsaCert_, ecCert_;
    const std::vector<std::uint8_t> data_{'o', 'r', 'i', 'g', 'i', 'n', 0, 1, 2, 3};
};

} // namespace

TEST_F(Pkcs11OnSoftHsm, ListsBothTokensAndTheirCertificates) {
    const auto r = plugin_->listTokens();
    ASSERT_EQ(r.status, CABRIDGE_OK) << r.error.message;
    const json list = json::parse(r.output);
    ASSERT_EQ(list.size(), 2u) << list.dump(); // SoftHSM's uninitialised spare slot is left out
    const json *a = nullptr;
    const json *empty = nullptr;
    for (const json &t : list) {
        if (t["label"] == "cabridge-a")
            a = &t;
        if (t["label"] == "cabridge-empty")
            empty = &t;
    }
    ASSERT_TRUE(a && empty) << list.dump();
    EXPECT_EQ((*a)["ref"], serial_);
    EXPECT_EQ((*a)["serial"], serial_);
    EXPECT_EQ((*a)["manufacturer"], "SoftHSM project");
    EXPECT_EQ((*a)["pinFlags"], (json{{"countLow", false}, {"finalTry", false}, {"locked", false}}));
    EXPECT_TRUE((*a)["retriesLeft"].is_null());
    ASSERT_EQ((*a)["certificates"].size(), 2u);
    // SoftHSM returns objects in no fixed order: match them by reference.
    std::map<std::string, json> byRef;
    for (const json &c : (*a)["certificates"])
        byRef[c["ref"]] = c;
    ASSERT_EQ(byRef.count("01"), 1u);
    ASSERT_EQ(byRef.count("02"), 1u);
    EXPECT_EQ(byRef["01"]["label"], "rsa");
    EXPECT_EQ(base64Decode(byRef["01"]["der"].get<std::string>()), rsaCert_);
    EXPECT_EQ(byRef["02"]["label"], "ec");
    EXPECT_EQ(base64Decode(byRef["02"]["der"].get<std::string>()), ecCert_);
    EXPECT_EQ((*empty)["ref"], emptySerial_);
    EXPECT_EQ((*empty)["certificates"], json::array());
}

TEST_F(Pkcs11OnSoftHsm, ListTokenReadsOneTokenLikeListTokens) {
    const auto all = plugin_->listTokens();
    ASSERT_EQ(all.status, CABRIDGE_OK) << all.error.message;
    for (const json &token : json::parse(all.output)) {
        const auto one = plugin_->listToken(token["ref"]);
        ASSERT_EQ(one.status, CABRIDGE_OK) << one.error.message;
        const json list = json::parse(one.output);
        ASSERT_EQ(list.size(), 1u) << list.dump();
        EXPECT_EQ(list[0]["ref"], token["ref"]);
        EXPECT_EQ(list[0]["serial"], token["serial"]);
        // Same certificates (SoftHSM finds objects in no fixed order).
        std::map<std::string, json> expected, got;
        for (const json &c : token["certificates"])
            expected[c["ref"]] = c;
        for (const json &c : list[0]["certificates"])
            got[c["ref"]] = c;
        EXPECT_EQ(got, expected);
    }
    const auto none = plugin_->listToken("no-such-serial");
    ASSERT_EQ(none.status, CABRIDGE_OK);
    EXPECT_EQ(json::parse(none.output), json::array());
}

TEST_F(Pkcs11OnSoftHsm, ListTokenWhileLoggedInEndsTheLoginFirst) {
    ASSERT_EQ(plugin_->login(serial_, kPin).status, CABRIDGE_OK);
    ASSERT_EQ(plugin_->listToken(serial_).status, CABRIDGE_OK);
    EXPECT_EQ(plugin_->sign(serial_, "02", "ES256", data_).status, CABRIDGE_ERR_NOT_LOGGED_IN);
}

TEST_F(Pkcs11OnSoftHsm, WrongPinIsPinIncorrectThenRightPinWorks) {
    const auto wrong = plugin_->login(serial_, "999999");
    EXPECT_EQ(wrong.status, CABRIDGE_ERR_PIN_INCORRECT);
    EXPECT_EQ(wrong.error.ckr, 0xA0u); // CKR_PIN_INCORRECT
    EXPECT_EQ(wrong.error.final_try, 0);
    EXPECT_EQ(wrong.error.retries_left, -1); // SoftHSM does not say
    EXPECT_EQ(std::string(wrong.error.message).find("999999"), std::string::npos);
    EXPECT_EQ(plugin_->sign(serial_, "01", "RS256", data_).status, CABRIDGE_ERR_NOT_LOGGED_IN);

    const auto right = plugin_->login(serial_, kPin);
    EXPECT_EQ(right.status, CABRIDGE_OK) << right.error.message;
}

TEST_F(Pkcs11OnSoftHsm, SignsRs256VerifiableWithTheCertificate) {
    ASSERT_EQ(plugin_->login(serial_, kPin).status, CABRIDGE_OK);
    const auto r = plugin_->sign(serial_, "01", "RS256", data_);
    ASSERT_EQ(r.status, CABRIDGE_OK) << r.error.message;
    EXPECT_EQ(r.output.size(), 256u);
    EXPECT_TRUE(verifies(rsaCert_, EVP_sha256(), data_, r.output));
    // PKCS#1 v1.5 is deterministic: a second signature is identical.
    EXPECT_EQ(plugin_->sign(serial_, "01", "RS256", data_).output, r.output);
}

TEST_F(Pkcs11OnSoftHsm, SignsEs256AsDerVerifiableWithTheCertificate) {
    ASSERT_EQ(plugin_->login(serial_, kPin).status, CABRIDGE_OK);
    const auto r = plugin_->sign(serial_, "02", "ES256", data_);
    ASSERT_EQ(r.status, CABRIDGE_OK) << r.error.message;
    ASSERT_GE(r.output.size(), 8u);
    EXPECT_EQ(static_cast<unsigned char>(r.output[0]), 0x30); // DER SEQUENCE, not raw r||s
    EXPECT_TRUE(verifies(ecCert_, EVP_sha256(), data_, r.output));
    std::vector<std::uint8_t> other = data_;
    other.back() ^= 1;
    EXPECT_FALSE(verifies(ecCert_, EVP_sha256(), other, r.output));
}

TEST_F(Pkcs11OnSoftHsm, AlgorithmThatDoesNotFitTheKeyIsUnsupported) {
    ASSERT_EQ(plugin_->login(serial_, kPin).status, CABRIDGE_OK);
    EXPECT_EQ(plugin_->sign(serial_, "01", "ES256", data_).status, CABRIDGE_ERR_UNSUPPORTED);
    EXPECT_EQ(plugin_->sign(serial_, "02", "RS256", data_).status, CABRIDGE_ERR_UNSUPPORTED);
    EXPECT_EQ(plugin_->sign(serial_, "02", "ES384", data_).status, CABRIDGE_ERR_UNSUPPORTED);
    EXPECT_EQ(plugin_->sign(serial_, "02", "SM2-SM3", data_).status, CABRIDGE_ERR_UNSUPPORTED);
    EXPECT_EQ(plugin_->sign(serial_, "02", "none", data_).status, CABRIDGE_ERR_UNSUPPORTED);
    // The session survives a refused request.
    EXPECT_EQ(plugin_->sign(serial_, "02", "ES256", data_).status, CABRIDGE_OK);
}

TEST_F(Pkcs11OnSoftHsm, UnknownTokenAndCertificateAreReported) {
    EXPECT_EQ(plugin_->login("no-such-serial", kPin).status, CABRIDGE_ERR_NO_TOKEN);
    ASSERT_EQ(plugin_->login(serial_, kPin).status, CABRIDGE_OK);
    EXPECT_EQ(plugin_->sign(serial_, "ff", "ES256", data_).status, CABRIDGE_ERR_CERTIFICATE_NOT_FOUND);
    // A certificate without CKA_ID is listed as "label:..." and has no key to sign with.
    EXPECT_EQ(plugin_->sign(serial_, "label:rsa", "RS256", data_).status, CABRIDGE_ERR_CERTIFICATE_NOT_FOUND);
    EXPECT_EQ(plugin_->sign(serial_, "", "RS256", data_).status, CABRIDGE_ERR_CERTIFICATE_NOT_FOUND);
    EXPECT_EQ(plugin_->sign(emptySerial_, "02", "ES256", data_).status, CABRIDGE_ERR_NOT_LOGGED_IN);
}

TEST_F(Pkcs11OnSoftHsm, LogoutEndsTheSessionAndIsSafeTwice) {
    ASSERT_EQ(plugin_->login(serial_, kPin).status, CABRIDGE_OK);
    EXPECT_EQ(plugin_->logout(serial_).status, CABRIDGE_OK);
    EXPECT_EQ(plugin_->sign(serial_, "02", "ES256", data_).status, CABRIDGE_ERR_NOT_LOGGED_IN);
    EXPECT_EQ(plugin_->logout(serial_).status, CABRIDGE_OK);
}

TEST_F(Pkcs11OnSoftHsm, PinWithNulCharacterIsInvalid) {
    EXPECT_EQ(plugin_
                  ->login(serial_, std::string("12\0"
                                               "3456",
                                               7))
                  .status,
              CABRIDGE_ERR_PIN_INVALID);
}

namespace {

// A P-384 key and an RSA-3072 key on a token of their own: the sizes the signing
// path must tell apart from the P-256 and RSA-2048 keys above.
class Pkcs11KeySizesOnSoftHsm : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        tokens_ = std::make_unique<SoftHsmTokens>();
        serial_ = tokens_->initToken("cabridge-sizes", kPin);

        CertificateSpec p384Spec;
        p384Spec.subject = {{"CN", "河北测试P384"}};
        p384Cert_ = importNewCertificate(*tokens_, "cabridge-sizes", "03", "p384", generateKey(KeyType::P384).get(),
                                         p384Spec);
        CertificateSpec rsaSpec;
        rsaSpec.subject = {{"CN", "河北测试RSA3072"}};
        rsaCert_ = importNewCertificate(*tokens_, "cabridge-sizes", "04", "rsa3072", generateRsaKey(3072).get(),
                                        rsaSpec);

        plugin_ = std::make_unique<PluginUnderTest>(CABRIDGE_PKCS11_PLUGIN_PATH,
                                                    shippedHebcaConfigWith({{"modules", {kSoftHsmModule}}}).dump());
    }
    static void TearDownTestSuite() {
        plugin_.reset();
        tokens_.reset();
    }
    void TearDown() override { plugin_->logout(serial_); }

    static inline std::unique_ptr<SoftHsmTokens> tokens_;
    static inline std::unique_ptr<PluginUnderTest> plugin_;
    static inline std::string serial_;
    static inline std::vector<std::uint8_t> p384Cert_, rsaCert_;
    const std::vector<std::uint8_t> data_{'o', 'r', 'i', 'g', 'i', 'n', 9, 8, 7};
};

} // namespace

TEST_F(Pkcs11KeySizesOnSoftHsm, SignsEs384AsDerVerifiableWithTheCertificate) {
    ASSERT_EQ(plugin_->login(serial_, kPin).status, CABRIDGE_OK);
    const auto r = plugin_->sign(serial_, "03", "ES384", data_);
    ASSERT_EQ(r.status, CABRIDGE_OK) << r.error.message;
    ASSERT_GE(r.output.size(), 8u);
    EXPECT_EQ(static_cast<unsigned char>(r.output[0]), 0x30);
    EXPECT_TRUE(verifies(p384Cert_, EVP_sha384(), data_, r.output));
    EXPECT_FALSE(verifies(p384Cert_, EVP_sha256(), data_, r.output));
}

TEST_F(Pkcs11KeySizesOnSoftHsm, Es256OnAP384KeyIsUnsupportedAndTheSessionGoesOn) {
    ASSERT_EQ(plugin_->login(serial_, kPin).status, CABRIDGE_OK);
    const auto refused = plugin_->sign(serial_, "03", "ES256", data_);
    EXPECT_EQ(refused.status, CABRIDGE_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(refused.error.message).find("prime256v1"), std::string::npos) << refused.error.message;
    EXPECT_EQ(plugin_->sign(serial_, "04", "ES384", data_).status, CABRIDGE_ERR_UNSUPPORTED);
    EXPECT_EQ(plugin_->sign(serial_, "03", "ES384", data_).status, CABRIDGE_OK);
}

TEST_F(Pkcs11KeySizesOnSoftHsm, SignsRs256WithA3072BitKey) {
    ASSERT_EQ(plugin_->login(serial_, kPin).status, CABRIDGE_OK);
    const auto r = plugin_->sign(serial_, "04", "RS256", data_);
    ASSERT_EQ(r.status, CABRIDGE_OK) << r.error.message;
    EXPECT_EQ(r.output.size(), 384u);
    EXPECT_TRUE(verifies(rsaCert_, EVP_sha256(), data_, r.output));
}

// Logging in, signing and logging out leave no session behind: the login goes when
// its session closes, so a second login is a fresh C_Login, not "already logged in".
TEST_F(Pkcs11KeySizesOnSoftHsm, LoginSignLogoutRepeatsCleanly) {
    for (int i = 0; i < 3; ++i) {
        const auto login = plugin_->login(serial_, kPin);
        ASSERT_EQ(login.status, CABRIDGE_OK) << "round " << i << ": " << login.error.message;
        ASSERT_EQ(plugin_->sign(serial_, "04", "RS256", data_).status, CABRIDGE_OK) << "round " << i;
        ASSERT_EQ(plugin_->logout(serial_).status, CABRIDGE_OK) << "round " << i;
        EXPECT_EQ(plugin_->sign(serial_, "04", "RS256", data_).status, CABRIDGE_ERR_NOT_LOGGED_IN);
    }
    // Logging in twice without a logout ends the first login first.
    ASSERT_EQ(plugin_->login(serial_, kPin).status, CABRIDGE_OK);
    ASSERT_EQ(plugin_->login(serial_, kPin).status, CABRIDGE_OK);
    EXPECT_EQ(plugin_->sign(serial_, "03", "ES384", data_).status, CABRIDGE_OK);
}
