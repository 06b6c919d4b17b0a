// CertInfo of SM2 certificates: a dual pair's signing certificate is offered for login, its
// encryption certificate (keyEncipherment / dataEncipherment only) never is.
#include "cert_info.h"
#include "test_certificates.h"

#include <gtest/gtest.h>

#include <chrono>

namespace cabridge {
namespace {

using test::CertificateSpec;
using test::makeCertificate;

const auto kNow = std::chrono::system_clock::now();

CertificateSpec sm2Spec(const std::string& keyUsage)
{
    CertificateSpec spec;
    spec.keyType = "SM2";
    spec.subject = {{"CN", "河北国密测试有限公司"}};
    spec.keyUsage = keyUsage;
    return spec;
}

TEST(Sm2CertInfo, SigningCertificateIsSm2Of256BitsAndFitForLogin)
{
    const auto facts = describeCertificate(makeCertificate(sm2Spec("digitalSignature,nonRepudiation")), kNow);
    EXPECT_EQ(facts.info["keyType"], "SM2");
    EXPECT_EQ(facts.info["keyBits"], 256);
    EXPECT_EQ(signatureAlgorithmFor(facts), "SM2-SM3");
    EXPECT_TRUE(suitsPurpose(facts, "login"));
    EXPECT_TRUE(suitsPurpose(facts, "sign"));
}

TEST(Sm2CertInfo, EncryptionCertificateIsNeverOfferedForLoginOrSigning)
{
    const auto facts = describeCertificate(makeCertificate(sm2Spec("keyEncipherment,dataEncipherment")), kNow);
    EXPECT_EQ(facts.info["keyType"], "SM2");
    EXPECT_EQ(facts.info["keyBits"], 256);
    EXPECT_EQ(facts.info["keyUsage"], nlohmann::json({"keyEncipherment", "dataEncipherment"}));
    EXPECT_FALSE(suitsPurpose(facts, "login"));
    EXPECT_FALSE(suitsPurpose(facts, "sign"));
    EXPECT_TRUE(suitsPurpose(facts, "any"));
}

}  // namespace
}  // namespace cabridge
