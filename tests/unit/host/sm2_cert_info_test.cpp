// CertInfo of SM2 certificates: a dual pair's signing certificate is offered for login, its
// encryption certificate (keyEncipherment / dataEncipherment only) never is.
#include "cert_info.h"
#include <cabridge/test_support/test_certificate.h>

#include <gtest/gtest.h>

#include <chrono>

namespace cabridge {
namespace {

using test_support::CertificateSpec;
using test_support::KeyType;
using test_support::makeCertificateAndKey;

const auto kNow = std::chrono::system_clock::now();

CertificateSpec sm2Spec(const std::string& keyUsage)
{
    CertificateSpec spec;
    spec.subject = {{"CN", "河北国密测试有限公司"}};
    spec.keyUsage = keyUsage;
    return spec;
}

TEST(Sm2CertInfo, SigningCertificateIsSm2Of256BitsAndFitForLogin)
{
    const auto facts = describeCertificate(
        makeCertificateAndKey(sm2Spec("digitalSignature,nonRepudiation"), KeyType::Sm2).der, kNow);
    EXPECT_EQ(facts.info["keyType"], "SM2");
    EXPECT_EQ(facts.info["keyBits"], 256);
    EXPECT_EQ(signatureAlgorithmFor(facts), "SM2-SM3");
    EXPECT_TRUE(suitsPurpose(facts, "login"));
    EXPECT_TRUE(suitsPurpose(facts, "sign"));
}

TEST(Sm2CertInfo, EncryptionCertificateIsNeverOfferedForLoginOrSigning)
{
    const auto facts = describeCertificate(
        makeCertificateAndKey(sm2Spec("keyEncipherment,dataEncipherment"), KeyType::Sm2).der, kNow);
    EXPECT_EQ(facts.info["keyType"], "SM2");
    EXPECT_EQ(facts.info["keyBits"], 256);
    EXPECT_EQ(facts.info["keyUsage"], nlohmann::json({"keyEncipherment", "dataEncipherment"}));
    EXPECT_FALSE(suitsPurpose(facts, "login"));
    EXPECT_FALSE(suitsPurpose(facts, "sign"));
    EXPECT_TRUE(suitsPurpose(facts, "any"));
}

}  // namespace
}  // namespace cabridge
