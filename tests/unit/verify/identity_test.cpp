#include "identity.h"

#include <gtest/gtest.h>

#include "test_pki.h"

namespace cabridge::verify::test {
namespace {

using detail::credit_code_check_valid;
using detail::extract_identity;
using detail::id_number_check_valid;

// GB 32100 check character computed independently of the code under test (FACTS.md formula).
std::string with_check_character(std::string first17) {
  const std::string alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  int sum = 0, weight = 1;
  for (char c : first17) {
    sum += static_cast<int>(alphabet.find(c)) * weight;
    weight = weight * 3 % 31;
  }
  return first17 + alphabet[(31 - sum % 31) % 31];
}

TEST(CreditCode, KnownValidCodesPass) {
  EXPECT_TRUE(credit_code_check_valid("91110000600037341L"));
  EXPECT_TRUE(credit_code_check_valid("91350100M000100Y43"));
  EXPECT_TRUE(credit_code_check_valid(with_check_character("91130100MA0CXXXX1")));
}

TEST(CreditCode, WrongCheckOrShapeFails) {
  EXPECT_FALSE(credit_code_check_valid("91110000600037341M"));
  EXPECT_FALSE(credit_code_check_valid("91350100M000100Y44"));
  EXPECT_FALSE(credit_code_check_valid("91110000600037341"));     // 17 characters
  EXPECT_FALSE(credit_code_check_valid("91110000600037341LL"));   // 19 characters
  EXPECT_FALSE(credit_code_check_valid("9111000060003734IL"));    // I is not in the alphabet
  EXPECT_FALSE(credit_code_check_valid("91110000600037341l"));    // lowercase
}

TEST(IdNumber, Gb11643Check) {
  EXPECT_TRUE(id_number_check_valid("11010519491231002X"));
  EXPECT_TRUE(id_number_check_valid("440524188001010014"));
  EXPECT_FALSE(id_number_check_valid("110105194912310021"));
  EXPECT_FALSE(id_number_check_valid("11010519491231002"));
  EXPECT_FALSE(id_number_check_valid("1101051949123100AX"));
}

class IdentityExtraction : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { key_ = make_ec_key("P-256").release(); }
  static void TearDownTestSuite() { EVP_PKEY_free(key_); }

  static CertificateIdentity identity_of(const CertSpec& spec) {
    auto cert = make_certificate(spec, key_, nullptr, nullptr);
    return extract_identity(cert.get());
  }
  static EVP_PKEY* key_;
};
EVP_PKEY* IdentityExtraction::key_ = nullptr;

TEST_F(IdentityExtraction, NewProfileExtensionWinsOverOlderExtensionAndOu) {
  CertSpec spec;
  spec.subject = {{"CN", "河北测试科技有限公司"}, {"OU", "91110000600037341L"}};
  spec.utf8_extensions = {{"1.2.156.10260.4.1.4", "91350100M000100Y43"},
                          {"1.2.156.10260.4.4", with_check_character("91130100MA0CXXXX1")}};
  const auto identity = identity_of(spec);
  EXPECT_EQ(identity.unified_social_credit_code, with_check_character("91130100MA0CXXXX1"));
  EXPECT_EQ(identity.usc_valid, true);
}

TEST_F(IdentityExtraction, OrganisationCodeInOlderExtensionFallsThroughToOu) {
  CertSpec spec;
  spec.subject = {{"CN", "某公司"}, {"OU", "统一社会信用代码:91110000600037341L"}};
  spec.utf8_extensions = {{"1.2.156.10260.4.1.4", "60003734-1"}};
  const auto identity = identity_of(spec);
  EXPECT_EQ(identity.unified_social_credit_code, "91110000600037341L");
  EXPECT_EQ(identity.usc_valid, true);
}

TEST_F(IdentityExtraction, SerialNumberIsLastResortAndBadCheckIsReported) {
  CertSpec spec;
  spec.subject = {{"CN", "某公司"}, {"OU", "财务部"}, {"serialNumber", "91110000600037341M"}};
  const auto identity = identity_of(spec);
  EXPECT_EQ(identity.unified_social_credit_code, "91110000600037341M");
  EXPECT_EQ(identity.usc_valid, false);
}

TEST_F(IdentityExtraction, PersonIdNumberAndHebcaUniqueId) {
  CertSpec spec;
  spec.subject = {{"CN", "张三"}};
  spec.utf8_extensions = {{"1.2.156.10260.4.1.1", "11010519491231002X"},
                          {"1.2.156.112586.1.4", "2@6021SF091110000600037341L"}};
  const auto identity = identity_of(spec);
  EXPECT_FALSE(identity.unified_social_credit_code.has_value());
  EXPECT_FALSE(identity.usc_valid.has_value());
  EXPECT_EQ(identity.id_number, "11010519491231002X");
  EXPECT_EQ(identity.vendor_unique_id, "2@6021SF091110000600037341L");
}

TEST_F(IdentityExtraction, IdNumberInSerialNumberIsNotMistakenForACreditCode) {
  CertSpec spec;
  spec.subject = {{"CN", "张三"}, {"serialNumber", "440524188001010014"}};
  const auto identity = identity_of(spec);
  EXPECT_FALSE(identity.unified_social_credit_code.has_value());
  EXPECT_EQ(identity.id_number, "440524188001010014");
}

TEST_F(IdentityExtraction, RawBytesExtensionAndHostileValues) {
  CertSpec spec;
  spec.subject = {{"CN", "x"}, {"OU", std::string(5000, 'A')}};
  // Bare ASCII without a DER wrapper (seen in some CA profiles).
  spec.raw_extensions = {{"1.2.156.10260.4.4", bytes_of("91110000600037341L")},
                         // Truncated DER UTF8String: claims 100 bytes, has 3; binary, so ignored.
                         {"1.2.156.112586.1.4", Bytes{0x0c, 0x64, 0x01, 0x02, 0x03}}};
  const auto identity = identity_of(spec);
  EXPECT_EQ(identity.unified_social_credit_code, "91110000600037341L");
  EXPECT_FALSE(identity.vendor_unique_id.has_value());
}

TEST_F(IdentityExtraction, NothingFound) {
  CertSpec spec;
  spec.subject = {{"CN", "plain"}, {"OU", "91110000600037341L9"}};  // 19 characters: not a code
  const auto identity = identity_of(spec);
  EXPECT_FALSE(identity.unified_social_credit_code.has_value());
  EXPECT_FALSE(identity.id_number.has_value());
  EXPECT_FALSE(identity.vendor_unique_id.has_value());
}

}  // namespace
}  // namespace cabridge::verify::test
