#include <cabridge/test_support/der_values.h>
#include <cabridge/test_support/test_certificate.h>

#include <cabridge/common/identity.h>

#include <gtest/gtest.h>

using namespace cabridge;
using namespace cabridge::test_support;

namespace {

class IdentityTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { key_ = generateKey(KeyType::P256).release(); }
    static void TearDownTestSuite() { EVP_PKEY_free(key_); }

    static CertificateIdentity identityOf(const CertificateSpec &spec) {
        return extractIdentity(makeCertificateDer(spec, key_), kHebcaUniqueIdOid);
    }
    static EVP_PKEY *key_; // shared by the suite: key generation dominates run time
};
EVP_PKEY *IdentityTest::key_ = nullptr;

} // namespace

TEST_F(IdentityTest, CreditCodeFromNewProfileExtension) {
    CertificateSpec spec;
    spec.extensions = {{"1.2.156.10260.4.4", derUtf8String("91110000600037341L")}};
    const auto id = identityOf(spec);
    ASSERT_TRUE(id.unifiedSocialCreditCode);
    EXPECT_EQ(*id.unifiedSocialCreditCode, "91110000600037341L");
    EXPECT_TRUE(id.uscValid);
}

TEST_F(IdentityTest, CreditCodeFromOrganisationExtensionAsRawOrWrappedString) {
    for (const auto &value : {rawBytes("91350100M000100Y43"), derPrintableString("91350100M000100Y43"),
                              derOctetString("91350100M000100Y43")}) {
        CertificateSpec spec;
        spec.extensions = {{"1.2.156.10260.4.1.4", value}};
        const auto id = identityOf(spec);
        ASSERT_TRUE(id.unifiedSocialCreditCode);
        EXPECT_EQ(*id.unifiedSocialCreditCode, "91350100M000100Y43");
        EXPECT_TRUE(id.uscValid);
    }
}

TEST_F(IdentityTest, NewProfileExtensionWinsOverOlderPlaces) {
    CertificateSpec spec;
    spec.subject = {{"CN", "测试"}, {"OU", "91350100M000100Y43"}};
    spec.extensions = {{"1.2.86.11.7.3", derUtf8String("91350100M000100Y43")},
                       {"1.2.156.10260.4.4", derUtf8String("91110000600037341L")}};
    EXPECT_EQ(identityOf(spec).unifiedSocialCreditCode.value_or(""), "91110000600037341L");
}

TEST_F(IdentityTest, CreditCodeFromOlderRsaProfileExtension) {
    CertificateSpec spec;
    spec.extensions = {{"1.2.86.11.7.9", derUtf8String("91110000600037341L")}};
    EXPECT_EQ(identityOf(spec).unifiedSocialCreditCode.value_or(""), "91110000600037341L");
}

TEST_F(IdentityTest, CreditCodeFromSubjectOuOnly) {
    CertificateSpec spec;
    spec.subject = {{"C", "CN"}, {"O", "某某有限公司"}, {"OU", "91110000600037341L"}, {"CN", "某某有限公司"}};
    const auto id = identityOf(spec);
    EXPECT_EQ(id.unifiedSocialCreditCode.value_or(""), "91110000600037341L");
    EXPECT_TRUE(id.uscValid);
}

TEST_F(IdentityTest, CreditCodeFromSubjectSerialNumber) {
    CertificateSpec spec;
    spec.subject = {{"CN", "某某有限公司"}, {"serialNumber", "91350100M000100Y43"}};
    EXPECT_EQ(identityOf(spec).unifiedSocialCreditCode.value_or(""), "91350100M000100Y43");
}

TEST_F(IdentityTest, InvalidCheckCharacterIsReportedNotHidden) {
    CertificateSpec spec;
    spec.subject = {{"CN", "x"}, {"OU", "91110000600037341M"}};
    const auto id = identityOf(spec);
    ASSERT_TRUE(id.unifiedSocialCreditCode);
    EXPECT_EQ(*id.unifiedSocialCreditCode, "91110000600037341M");
    EXPECT_FALSE(id.uscValid);
    EXPECT_EQ(identityToJson(id)["uscValid"], false);
}

TEST_F(IdentityTest, AnywhereElseOnlyAValidCodeCounts) {
    CertificateSpec valid;
    valid.subject = {{"CN", "公司 91110000600037341L"}};
    EXPECT_EQ(identityOf(valid).unifiedSocialCreditCode.value_or(""), "91110000600037341L");

    CertificateSpec invalid;
    invalid.subject = {{"CN", "公司 91110000600037341M"}};
    EXPECT_FALSE(identityOf(invalid).unifiedSocialCreditCode);
}

TEST_F(IdentityTest, IdNumberIsValidatedAndNotMistakenForCreditCode) {
    CertificateSpec spec;
    spec.subject = {{"CN", "张三"}};
    spec.extensions = {{"1.2.156.10260.4.1.1", derPrintableString("11010519491231002X")}};
    const auto id = identityOf(spec);
    EXPECT_EQ(id.idNumber.value_or(""), "11010519491231002X");
    EXPECT_FALSE(id.unifiedSocialCreditCode);

    CertificateSpec bad;
    bad.extensions = {{"1.2.156.10260.4.1.1", derPrintableString("110105194912310021")}};
    EXPECT_FALSE(identityOf(bad).idNumber);
}

TEST_F(IdentityTest, IdNumberInSubjectSerialNumberIsNotMistakenForCreditCode) {
    // Some CAs put a person's ID number in serialNumber; 18 digits fit the
    // credit code alphabet, so without the GB 11643 test it would be
    // reported as a credit code with a failing check.
    CertificateSpec spec;
    spec.subject = {{"CN", "张三"}, {"serialNumber", "440524188001010014"}};
    const auto id = identityOf(spec);
    EXPECT_FALSE(id.unifiedSocialCreditCode);
    EXPECT_EQ(id.idNumber.value_or(""), "440524188001010014");

    // The extension's number wins over serialNumber's; a credit code in OU still counts.
    CertificateSpec both;
    both.subject = {{"CN", "张三"}, {"OU", "91110000600037341L"}, {"serialNumber", "440524188001010014"}};
    both.extensions = {{"1.2.156.10260.4.1.1", derUtf8String("11010519491231002X")}};
    const auto id2 = identityOf(both);
    EXPECT_EQ(id2.unifiedSocialCreditCode.value_or(""), "91110000600037341L");
    EXPECT_EQ(id2.idNumber.value_or(""), "11010519491231002X");

    // A serialNumber that is not a valid ID number is still read as a credit code.
    CertificateSpec notId;
    notId.subject = {{"CN", "某公司"}, {"serialNumber", "91110000600037341M"}};
    const auto id3 = identityOf(notId);
    EXPECT_EQ(id3.unifiedSocialCreditCode.value_or(""), "91110000600037341M");
    EXPECT_FALSE(id3.uscValid);
    EXPECT_FALSE(id3.idNumber);
}

TEST_F(IdentityTest, OrganisationCodeInOlderExtensionFallsThroughToLabelledOu) {
    CertificateSpec spec;
    spec.subject = {{"CN", "某公司"}, {"OU", "统一社会信用代码:91110000600037341L"}};
    spec.extensions = {{"1.2.156.10260.4.1.4", derUtf8String("60003734-1")}};
    const auto id = identityOf(spec);
    EXPECT_EQ(id.unifiedSocialCreditCode.value_or(""), "91110000600037341L");
    EXPECT_TRUE(id.uscValid);
}

TEST_F(IdentityTest, ParsedCertificateGivesTheSameIdentityAsDer) {
    CertificateSpec spec;
    spec.subject = {{"CN", "张三"}, {"OU", "91350100M000100Y43"}};
    spec.extensions = {{"1.2.156.10260.4.1.1", derUtf8String("11010519491231002X")},
                       {kHebcaUniqueIdOid, derUtf8String("2@6021SF091110000600037341L")}};
    const auto der = makeCertificateDer(spec, key_);
    const auto cert = parseCertificate(der);
    ASSERT_TRUE(cert);
    const auto fromCert = identityToJson(extractIdentity(*cert, kHebcaUniqueIdOid));
    EXPECT_EQ(fromCert, identityToJson(extractIdentity(der, kHebcaUniqueIdOid)));
    EXPECT_EQ(fromCert.size(), 4u) << fromCert.dump();
}

TEST_F(IdentityTest, HebcaUniqueId) {
    CertificateSpec spec;
    spec.extensions = {{kHebcaUniqueIdOid, derUtf8String("2@6021SF091110000600037341L")}};
    const auto id = identityOf(spec);
    EXPECT_EQ(id.vendorUniqueId.value_or(""), "2@6021SF091110000600037341L");
    EXPECT_EQ(identityToJson(id)["vendorUniqueId"], "2@6021SF091110000600037341L");
    // Without the vendor OID the same certificate has no vendor id.
    EXPECT_FALSE(extractIdentity(makeCertificateDer(spec, key_)).vendorUniqueId);
}

TEST_F(IdentityTest, PlainCertificateGivesEmptyJsonObject) {
    const auto json = identityToJson(identityOf(CertificateSpec{}));
    EXPECT_TRUE(json.is_object());
    EXPECT_TRUE(json.empty());
}

TEST_F(IdentityTest, HostileInputYieldsEmptyIdentity) {
    CertificateSpec spec;
    spec.subject = {{"OU", "91110000600037341L"}};
    const auto der = makeCertificateDer(spec, key_);
    for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{10}, der.size() / 2, der.size() - 1}) {
        const std::vector<std::uint8_t> truncated(der.begin(), der.begin() + static_cast<long>(cut));
        EXPECT_TRUE(identityToJson(extractIdentity(truncated, kHebcaUniqueIdOid)).empty()) << cut;
    }
    const std::vector<std::uint8_t> garbage(4096, 0x30);
    EXPECT_TRUE(identityToJson(extractIdentity(garbage, kHebcaUniqueIdOid)).empty());
}

TEST_F(IdentityTest, HugeOuAndWronglyTypedExtensionsAreBounded) {
    CertificateSpec spec;
    spec.subject = {{"CN", "x"}, {"OU", std::string(100000, 'A') + " 91110000600037341L"}};
    spec.extensions = {{"1.2.156.10260.4.4", {0x02, 0x01, 0x05}}, // an INTEGER, not a string
                       {"1.2.156.10260.4.1.1", {0x30, 0x80}},     // broken DER
                       {kHebcaUniqueIdOid, derUtf8String(std::string(100000, 'Z'))}};
    const auto id = identityOf(spec);
    // The code sits beyond the scan limit, so nothing is found: bounded work, no crash.
    EXPECT_FALSE(id.unifiedSocialCreditCode);
    EXPECT_FALSE(id.idNumber);
    EXPECT_FALSE(id.vendorUniqueId); // too long to be an id
}

TEST(ExtensionText, UnwrapsStringTypesAndKeepsRawBytes) {
    EXPECT_EQ(extensionText(derUtf8String("abc")), "abc");
    EXPECT_EQ(extensionText(derOctetString("xyz")), "xyz");
    EXPECT_EQ(extensionText(rawBytes("91110000600037341L")), "91110000600037341L");
    EXPECT_EQ(extensionText(derUtf8String(std::string(5000, 'a')), 100).size(), 100u);
    EXPECT_EQ(extensionText({}), "");
}
