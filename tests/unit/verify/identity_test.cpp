#include "identity.h"

#include <cabridge/common/identity.h>

#include <gtest/gtest.h>

#include "test_signing.h"

namespace cabridge::verify::test {
namespace {

using detail::extract_identity;

// A credit code whose embedded GB 11714 organisation code (MA0CXXXX8) is valid too, from
// tools/pki/idcodes.py: `idcodes.py uscc 91130100MA0CXXXX`.
constexpr const char* kHebeiCode = "91130100MA0CXXXX8B";

// The rules themselves are tested in tests/unit/common; these tests check that the verifier
// reports what cabridge_common finds, in its own types.
class IdentityExtraction : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { key_ = generateKey(KeyType::P256).release(); }
  static void TearDownTestSuite() { EVP_PKEY_free(key_); }

  static CertificateIdentity identity_of(const CertificateSpec& spec) {
    auto cert = makeCertificate(spec, key_);
    return extract_identity(cert.get());
  }
  static EVP_PKEY* key_;
};
EVP_PKEY* IdentityExtraction::key_ = nullptr;

TEST_F(IdentityExtraction, NewProfileExtensionWinsOverOlderExtensionAndOu) {
  CertificateSpec spec;
  spec.subject = {{"CN", "河北测试科技有限公司"}, {"OU", "91110000600037341L"}};
  spec.extensions = {{"1.2.156.10260.4.1.4", derUtf8String("91350100M000100Y43")},
                     {"1.2.156.10260.4.4", derUtf8String(kHebeiCode)}};
  const auto identity = identity_of(spec);
  EXPECT_EQ(identity.unified_social_credit_code, kHebeiCode);
  EXPECT_EQ(identity.usc_valid, true);
}

TEST_F(IdentityExtraction, UscValidIncludesTheEmbeddedOrganisationCodeCheck) {
  // Right GB 32100 check character, wrong GB 11714 check digit (MA0CXXXX1, should be 8).
  CertificateSpec spec;
  spec.subject = {};
  spec.extensions = {{"1.2.156.10260.4.4", derUtf8String("91130100MA0CXXXX1M")}};
  const auto identity = identity_of(spec);
  EXPECT_EQ(identity.unified_social_credit_code, "91130100MA0CXXXX1M");
  EXPECT_EQ(identity.usc_valid, false);
}

TEST_F(IdentityExtraction, OrganisationCodeInOlderExtensionFallsThroughToOu) {
  CertificateSpec spec;
  spec.subject = {{"CN", "某公司"}, {"OU", "统一社会信用代码:91110000600037341L"}};
  spec.extensions = {{"1.2.156.10260.4.1.4", derUtf8String("60003734-1")}};
  const auto identity = identity_of(spec);
  EXPECT_EQ(identity.unified_social_credit_code, "91110000600037341L");
  EXPECT_EQ(identity.usc_valid, true);
}

TEST_F(IdentityExtraction, SerialNumberIsLastResortAndBadCheckIsReported) {
  CertificateSpec spec;
  spec.subject = {{"CN", "某公司"}, {"OU", "财务部"}, {"serialNumber", "91110000600037341M"}};
  const auto identity = identity_of(spec);
  EXPECT_EQ(identity.unified_social_credit_code, "91110000600037341M");
  EXPECT_EQ(identity.usc_valid, false);
}

TEST_F(IdentityExtraction, PersonIdNumberAndHebcaUniqueId) {
  CertificateSpec spec;
  spec.subject = {{"CN", "张三"}};
  spec.extensions = {{"1.2.156.10260.4.1.1", derUtf8String("11010519491231002X")},
                     {cabridge::kHebcaUniqueIdOid, derUtf8String("2@6021SF091110000600037341L")}};
  const auto identity = identity_of(spec);
  EXPECT_FALSE(identity.unified_social_credit_code.has_value());
  EXPECT_FALSE(identity.usc_valid.has_value());
  EXPECT_EQ(identity.id_number, "11010519491231002X");
  EXPECT_EQ(identity.vendor_unique_id, "2@6021SF091110000600037341L");
}

TEST_F(IdentityExtraction, IdNumberInSerialNumberIsNotMistakenForACreditCode) {
  CertificateSpec spec;
  spec.subject = {{"CN", "张三"}, {"serialNumber", "440524188001010014"}};
  const auto identity = identity_of(spec);
  EXPECT_FALSE(identity.unified_social_credit_code.has_value());
  EXPECT_EQ(identity.id_number, "440524188001010014");
}

TEST_F(IdentityExtraction, RawBytesExtensionAndHostileValues) {
  CertificateSpec spec;
  spec.subject = {{"CN", "x"}, {"OU", std::string(5000, 'A')}};
  // Bare ASCII without a DER wrapper (seen in some CA profiles).
  spec.extensions = {{"1.2.156.10260.4.4", bytes_of("91110000600037341L")},
                     // Truncated DER UTF8String: claims 100 bytes, has 3; binary, so ignored.
                     {cabridge::kHebcaUniqueIdOid, Bytes{0x0c, 0x64, 0x01, 0x02, 0x03}}};
  const auto identity = identity_of(spec);
  EXPECT_EQ(identity.unified_social_credit_code, "91110000600037341L");
  EXPECT_FALSE(identity.vendor_unique_id.has_value());
}

TEST_F(IdentityExtraction, NothingFound) {
  CertificateSpec spec;
  spec.subject = {{"CN", "plain"}, {"OU", "91110000600037341L9"}};  // 19 characters: not a code
  const auto identity = identity_of(spec);
  EXPECT_FALSE(identity.unified_social_credit_code.has_value());
  EXPECT_FALSE(identity.id_number.has_value());
  EXPECT_FALSE(identity.vendor_unique_id.has_value());
}

}  // namespace
}  // namespace cabridge::verify::test
