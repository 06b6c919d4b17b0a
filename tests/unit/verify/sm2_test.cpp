// SM2-SM3 tokens: an all-SM2 chain (root -> intermediate -> end entity), every certificate and
// the token signed with SM3 and signer id 1234567812345678, as Chinese CAs do.
#include <gtest/gtest.h>

#include "verify_fixture.h"

namespace cabridge::verify::test {
namespace {

class Sm2 : public ::testing::Test {
 protected:
  void SetUp() override {
    root_key_ = generateKey(KeyType::Sm2);
    intermediate_key_ = generateKey(KeyType::Sm2);
    leaf_key_ = generateKey(KeyType::Sm2);
    CertificateSpec ca;
    ca.isCa = true;
    ca.keyUsage = "critical,keyCertSign,cRLSign";
    ca.subject = {{"CN", "SM2 Test Root"}};
    root_ = makeCertificate(ca, root_key_.get());
    ca.subject = {{"CN", "HEBCA Test SM2 CA"}};
    intermediate_ = makeCertificate(ca, intermediate_key_.get(), root_.get(), root_key_.get());
    CertificateSpec leaf;
    leaf.subject = {{"C", "CN"}, {"O", "河北国密测试有限公司"}, {"CN", "河北国密测试有限公司"}};
    leaf.keyUsage = "critical,digitalSignature";
    leaf.extensions = {{"1.2.156.10260.4.4", derUtf8String("91110000600037341L")}};
    leaf_.key = std::move(leaf_key_);
    leaf_.cert = makeCertificate(leaf, leaf_.key.get(), intermediate_.get(), intermediate_key_.get());
    roots_.add_pem(pemOf(root_.get()));
    intermediates_.add_der(derOf(intermediate_.get()));
  }

  VerifyResult verify(const nlohmann::json& token, const CrlSet* crls = nullptr) {
    const std::string text = token.dump();
    VerifyRequest request;
    request.crls = crls;
    request.token_json = text;
    request.expected_origin = kOriginA;
    request.challenge = challenge_;
    request.trusted = &roots_;
    request.intermediates = &intermediates_;
    return verify_auth_token(request);
  }

  EvpPkeyPtr root_key_, intermediate_key_, leaf_key_;
  X509Ptr root_, intermediate_;
  EndEntity leaf_;
  CertificateSet roots_, intermediates_;
  Bytes challenge_ = random_bytes(48);
};

TEST_F(Sm2, TokenSignedWithTheStandardSignerIdIsAccepted) {
  const auto result = verify(make_token(leaf_, "SM2-SM3", kOriginA, challenge_));
  ASSERT_TRUE(result.valid()) << result.failure().message;
  EXPECT_EQ(result.token().algorithm, "SM2-SM3");
  EXPECT_EQ(result.token().subject.O, "河北国密测试有限公司");
  EXPECT_EQ(result.token().identity.unified_social_credit_code, "91110000600037341L");
}

TEST_F(Sm2, SignatureWithAnotherSignerIdIsRefused) {
  auto token = make_token(leaf_, "SM2-SM3", kOriginA, challenge_);
  const Bytes message = origin_bound_message("SM2-SM3", kOriginA, challenge_);
  token["signature"] = base64(sign_message(leaf_.key.get(), "SM2-SM3", message, "0000000000000000"));
  const auto result = verify(token);
  ASSERT_FALSE(result.valid());
  EXPECT_EQ(result.failure().code, ErrorCode::SignatureInvalid);
}

TEST_F(Sm2, Sm2KeyClaimedAsEs256IsAMismatchAndOtherOriginIsRefused) {
  auto token = make_token(leaf_, "SM2-SM3", kOriginA, challenge_);
  token["algorithm"] = "ES256";
  EXPECT_EQ(verify(token).failure().code, ErrorCode::AlgorithmMismatch);
  const auto other_origin = make_token(leaf_, "SM2-SM3", kOriginB, challenge_);
  auto relabelled = other_origin;
  relabelled["origin"] = kOriginA;
  EXPECT_EQ(verify(relabelled).failure().code, ErrorCode::SignatureInvalid);
}

TEST_F(Sm2, ChainWithoutTheIntermediateIsUntrusted) {
  CertificateSet none;
  const std::string text = make_token(leaf_, "SM2-SM3", kOriginA, challenge_).dump();
  VerifyRequest request;
  request.token_json = text;
  request.expected_origin = kOriginA;
  request.challenge = challenge_;
  request.trusted = &roots_;
  request.intermediates = &none;
  EXPECT_EQ(verify_auth_token(request).failure().code, ErrorCode::ChainUntrusted);
}

// OpenSSL 3.0 checks CRL signatures without a signer id; an SM2 CRL signed with the standard
// one (as HeBCA's are) must still work with --crl.
TEST_F(Sm2, CrlSignedWithTheStandardSignerIdIsUsed) {
  const auto now = std::time(nullptr);
  const auto token = make_token(leaf_, "SM2-SM3", kOriginA, challenge_);
  auto crl_set = [&](X509* issuer, EVP_PKEY* key, const std::vector<long>& serials) {
    CrlSet set;
    set.add_pem(make_crl_pem(issuer, key, serials, now - 3600, now + 86400));
    return set;
  };
  const CrlSet clean = crl_set(intermediate_.get(), intermediate_key_.get(), {0x7777});
  const auto result = verify(token, &clean);
  EXPECT_TRUE(result.valid()) << result.failure().message;
  const CrlSet revoking = crl_set(intermediate_.get(), intermediate_key_.get(), {1});  // the leaf's serial
  EXPECT_EQ(verify(token, &revoking).failure().code, ErrorCode::CertificateRevoked);
  // Named as the intermediate's but signed by the root: not the issuer's CRL.
  const CrlSet forged = crl_set(intermediate_.get(), root_key_.get(), {});
  ASSERT_FALSE(verify(token, &forged).valid());
  EXPECT_EQ(verify(token, &forged).failure().code, ErrorCode::ChainUntrusted);
}

}  // namespace
}  // namespace cabridge::verify::test
