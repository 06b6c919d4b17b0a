#include "cert_info.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <cabridge/common/encoding.h>
#include <cabridge/test_support/test_certificate.h>

using namespace cabridge;
using cabridge::test_support::CertificateSpec;
using cabridge::test_support::KeyType;
using cabridge::test_support::makeCertificateAndKey;

namespace {
const auto kNow = std::chrono::system_clock::now();
}

TEST(CertInfo, RsaWithChineseSubjectUnescapedUtf8)
{
    CertificateSpec spec;
    spec.subject = {{"C", "CN"},
                    {"ST", "河北省"},
                    {"L", "石家庄市"},
                    {"O", "河北测试科技有限公司"},
                    {"OU", "91130100MA07RK3C2F"},
                    {"CN", "河北测试科技有限公司"}};
    spec.keyUsage = "digitalSignature,nonRepudiation";
    spec.extendedKeyUsage = "clientAuth,1.2.3.4";
    spec.serial = 0x0ABCDEF1;
    const auto der = makeCertificateAndKey(spec).der;
    const auto facts = describeCertificate(der, kNow);
    const auto& info = facts.info;
    EXPECT_EQ(info["subject"]["dn"],
              "CN=河北测试科技有限公司,OU=91130100MA07RK3C2F,O=河北测试科技有限公司,L=石家庄市,ST=河北省,C=CN");
    EXPECT_EQ(info["subject"]["CN"], "河北测试科技有限公司");
    EXPECT_EQ(info["subject"]["ST"], "河北省");
    EXPECT_EQ(info["subject"]["L"], "石家庄市");
    EXPECT_EQ(info["subject"]["C"], "CN");
    EXPECT_EQ(info["issuer"]["dn"], info["subject"]["dn"]);
    EXPECT_EQ(info["serialNumber"], "0ABCDEF1");
    EXPECT_EQ(info["keyType"], "RSA");
    EXPECT_EQ(info["keyBits"], 2048);
    EXPECT_EQ(info["keyUsage"], nlohmann::json({"digitalSignature", "nonRepudiation"}));
    EXPECT_EQ(info["extendedKeyUsage"], nlohmann::json({"clientAuth", "1.2.3.4"}));
    EXPECT_EQ(info["expired"], false);
    EXPECT_EQ(info["daysLeft"], 365);  // made after kNow, valid for 365 days
    EXPECT_EQ(signatureAlgorithmFor(facts), "RS256");
    EXPECT_EQ(info["certificate"], base64Encode(der));
    std::uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256(der.data(), der.size(), digest);
    EXPECT_EQ(info["sha256"], hexEncode(digest));
    EXPECT_TRUE(suitsPurpose(facts, "login"));
    EXPECT_TRUE(suitsPurpose(facts, "sign"));
}

TEST(CertInfo, DatesAreIso8601Utc)
{
    CertificateSpec spec;
    spec.notBefore = 1704067200;  // 2024-01-01T00:00:00Z
    spec.notAfter = 1735689599;   // 2024-12-31T23:59:59Z
    const auto facts = describeCertificate(makeCertificateAndKey(spec).der, kNow);
    EXPECT_EQ(facts.info["notBefore"], "2024-01-01T00:00:00Z");
    EXPECT_EQ(facts.info["notAfter"], "2024-12-31T23:59:59Z");
}

TEST(CertInfo, ExpiredHasNegativeDaysLeft)
{
    CertificateSpec spec;
    const std::time_t now = std::chrono::system_clock::to_time_t(kNow);
    spec.notBefore = now - std::time_t {400} * 86400;
    spec.notAfter = now - std::time_t {10} * 86400 - 3600;  // 10 days and an hour ago -> floor gives -11
    const auto facts = describeCertificate(makeCertificateAndKey(spec).der, kNow);
    EXPECT_TRUE(facts.expired);
    EXPECT_EQ(facts.info["expired"], true);
    EXPECT_EQ(facts.info["daysLeft"], -11);
}

TEST(CertInfo, NotYetValid)
{
    CertificateSpec spec;
    const std::time_t now = std::chrono::system_clock::to_time_t(kNow);
    spec.notBefore = now + std::time_t {30} * 86400;
    spec.notAfter = now + std::time_t {60} * 86400;
    const auto facts = describeCertificate(makeCertificateAndKey(spec).der, kNow);
    EXPECT_TRUE(facts.notYetValid);
    EXPECT_FALSE(facts.expired);
}

TEST(CertInfo, EcP256AndP384)
{
    CertificateSpec spec;
    spec.keyUsage = "nonRepudiation";
    auto facts = describeCertificate(makeCertificateAndKey(spec, KeyType::P256).der, kNow);
    EXPECT_EQ(facts.info["keyType"], "EC");
    EXPECT_EQ(facts.info["keyBits"], 256);
    EXPECT_EQ(signatureAlgorithmFor(facts), "ES256");
    EXPECT_FALSE(suitsPurpose(facts, "login"));
    EXPECT_TRUE(suitsPurpose(facts, "sign"));
    EXPECT_TRUE(suitsPurpose(facts, "any"));

    spec.keyUsage = "";
    facts = describeCertificate(makeCertificateAndKey(spec, KeyType::P384).der, kNow);
    EXPECT_EQ(facts.info["keyBits"], 384);
    EXPECT_EQ(signatureAlgorithmFor(facts), "ES384");
    EXPECT_TRUE(facts.info["keyUsage"].empty());
    EXPECT_TRUE(suitsPurpose(facts, "login"));  // no keyUsage extension: any use
    EXPECT_FALSE(suitsPurpose(facts, "sign"));
}

TEST(CertInfo, Sm2CurveIsReportedAsSm2)
{
    CertificateSpec spec;
    const auto facts = describeCertificate(makeCertificateAndKey(spec, KeyType::Sm2).der, kNow);
    EXPECT_EQ(facts.info["keyType"], "SM2");
    EXPECT_EQ(signatureAlgorithmFor(facts), "SM2-SM3");
}

TEST(CertInfo, GarbageAndTrailingBytesAreRefused)
{
    const std::vector<std::uint8_t> garbage = {0x30, 0x82, 0x01, 0x00, 0x01};
    EXPECT_THROW(describeCertificate(garbage, kNow), CertificateParseError);
    EXPECT_THROW(describeCertificate(std::vector<std::uint8_t> {}, kNow), CertificateParseError);
    auto der = makeCertificateAndKey({}).der;
    der.push_back(0);
    EXPECT_THROW(describeCertificate(der, kNow), CertificateParseError);
    der.pop_back();
    der.resize(der.size() / 2);
    EXPECT_THROW(describeCertificate(der, kNow), CertificateParseError);
}

TEST(CertInfo, CertificateIdIsFirst32HexOfSha256OverVendorSerialFingerprint)
{
    const std::string input = std::string("hebca") + '\0' + "SN1" + '\0' + "abcd";
    std::uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
    EXPECT_EQ(certificateId("hebca", "SN1", "abcd"), hexEncode(digest).substr(0, 32));
    EXPECT_NE(certificateId("hebca", "SN2", "abcd"), certificateId("hebca", "SN1", "abcd"));
}

// CertInfo.identity has one shape: all four keys, null when absent, as cabridge-verify's result.
TEST(CertInfo, IdentityAlwaysHasAllFourKeys)
{
    const nlohmann::json empty = certInfoIdentity(nlohmann::json::object());
    EXPECT_EQ(empty, (nlohmann::json {{"unifiedSocialCreditCode", nullptr},
                                      {"uscValid", nullptr},
                                      {"idNumber", nullptr},
                                      {"vendorUniqueId", nullptr}}));
    EXPECT_EQ(certInfoIdentity(nlohmann::json::array()), empty);

    const nlohmann::json withCode = certInfoIdentity(
        {{"unifiedSocialCreditCode", "91130100MA07RK3C2F"}, {"uscValid", true}});
    EXPECT_EQ(withCode, (nlohmann::json {{"unifiedSocialCreditCode", "91130100MA07RK3C2F"},
                                         {"uscValid", true},
                                         {"idNumber", nullptr},
                                         {"vendorUniqueId", nullptr}}));
    // A credit code without a (boolean) verdict is not taken as valid.
    EXPECT_EQ(certInfoIdentity({{"unifiedSocialCreditCode", "X"}, {"uscValid", "yes"}})["uscValid"], false);
    // A verdict without a code means nothing.
    EXPECT_TRUE(certInfoIdentity({{"uscValid", true}})["uscValid"].is_null());
    // Wrong types and extra keys from a plugin are dropped.
    const nlohmann::json odd = certInfoIdentity({{"idNumber", 130102}, {"vendorUniqueId", "v1"}, {"extra", "x"}});
    EXPECT_TRUE(odd["idNumber"].is_null());
    EXPECT_EQ(odd["vendorUniqueId"], "v1");
    EXPECT_EQ(odd.size(), 4U);
    EXPECT_FALSE(odd.contains("extra"));
}
