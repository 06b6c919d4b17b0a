// install-certificate's checks on an issued certificate (enrollment_trust.h): one DER
// certificate, the key's public key, and a chain to an enrolment CA given as a file, a
// directory of files or base64 DER, an intermediate being enough.
#include "enrollment_trust.h"
#include "error.h"

#include <cabridge/common/encoding.h>
#include <cabridge/test_support/temp_dir.h>
#include <cabridge/test_support/test_certificate.h>

#include <gtest/gtest.h>

#include <fstream>

namespace cabridge {
namespace {

using test_support::KeyType;

std::vector<std::uint8_t> spkiOf(EVP_PKEY* key)
{
    unsigned char* der = nullptr;
    const int length = i2d_PUBKEY(key, &der);
    std::vector<std::uint8_t> out(der, der + length);
    OPENSSL_free(der);
    return out;
}

std::string checkRefused(const std::function<void()>& call)
{
    try {
        call();
    } catch (const HostError& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
        return e.details().value("check", "");
    }
    return "(accepted)";
}

struct Pki {
    EvpPkeyPtr rootKey = test_support::generateKey(KeyType::P256);
    X509Ptr root;
    EvpPkeyPtr issuingKey = test_support::generateKey(KeyType::P256);
    X509Ptr issuing;
    EvpPkeyPtr leafKey = test_support::generateKey(KeyType::Rsa2048);
    X509Ptr leaf;

    Pki()
    {
        test_support::CertificateSpec ca;
        ca.isCa = true;
        ca.keyUsage = "keyCertSign,cRLSign";
        ca.subject = {{"CN", "Root"}};
        root = test_support::makeCertificate(ca, rootKey.get());
        ca.subject = {{"CN", "Issuing"}};
        issuing = test_support::makeCertificate(ca, issuingKey.get(), root.get(), rootKey.get());
        test_support::CertificateSpec ee;
        ee.keyUsage = "digitalSignature";
        leaf = test_support::makeCertificate(ee, leafKey.get(), issuing.get(), issuingKey.get());
    }
};

TEST(EnrollmentTrust, ParsesExactlyOneCertificate)
{
    Pki pki;
    const auto der = test_support::derOf(pki.leaf.get());
    EXPECT_TRUE(parseIssuedCertificate(der));
    auto trailing = der;
    trailing.push_back(0);
    EXPECT_EQ(checkRefused([&] { parseIssuedCertificate(trailing); }), "parse");
    EXPECT_EQ(checkRefused([&] { parseIssuedCertificate({}); }), "parse");
    EXPECT_EQ(checkRefused([&] { parseIssuedCertificate(std::vector<std::uint8_t>(40000, 0x30)); }), "parse");
}

TEST(EnrollmentTrust, PublicKeyMustBeTheKeys)
{
    Pki pki;
    requireCertificateForKey(pki.leaf.get(), spkiOf(pki.leafKey.get()));
    const auto other = test_support::generateKey(KeyType::Rsa2048);
    EXPECT_EQ(checkRefused([&] { requireCertificateForKey(pki.leaf.get(), spkiOf(other.get())); }), "publicKey");
    EXPECT_EQ(checkRefused([&] {
                  requireCertificateForKey(pki.leaf.get(), std::vector<std::uint8_t> {1, 2});
              }),
              "publicKey");
}

TEST(EnrollmentTrust, ChainsToAnAnchorGivenAsFileDirectoryOrBase64)
{
    Pki pki;
    const auto now = std::chrono::system_clock::now();
    const test_support::TempDir dir("cabridge-enroll-trust-");
    {
        std::ofstream(dir.path() / "issuing.pem") << test_support::pemOf(pki.issuing.get());
        std::ofstream(dir.path() / "notes.txt") << "not a certificate";
    }
    // The issuing CA alone is enough (partial chain), as a file, a directory or base64 DER.
    for (const std::string& entry : {(dir.path() / "issuing.pem").string(), dir.path().string(),
                                     base64Encode(test_support::derOf(pki.issuing.get()))}) {
        EXPECT_NO_THROW(requireChainsToEnrollmentCa("v", {entry}, pki.leaf.get(), now)) << entry;
    }
    // The root alone is not: the intermediate is not given.
    EXPECT_EQ(checkRefused([&] {
                  requireChainsToEnrollmentCa("v", {base64Encode(test_support::derOf(pki.root.get()))}, pki.leaf.get(),
                                              now);
              }),
              "chain");
    // Another CA, nothing usable, nothing at all.
    Pki other;
    EXPECT_EQ(checkRefused([&] {
                  requireChainsToEnrollmentCa("v", {base64Encode(test_support::derOf(other.issuing.get()))},
                                              pki.leaf.get(), now);
              }),
              "chain");
    EXPECT_EQ(checkRefused([&] {
                  requireChainsToEnrollmentCa("v", {"/no/such/file.pem", "not base64!"}, pki.leaf.get(), now);
              }),
              "chain");
    EXPECT_EQ(checkRefused([&] { requireChainsToEnrollmentCa("v", {}, pki.leaf.get(), now); }), "chain");
    // Outside its validity the chain does not hold.
    EXPECT_EQ(checkRefused([&] {
                  requireChainsToEnrollmentCa("v", {dir.path().string()}, pki.leaf.get(),
                                              now + std::chrono::hours(24 * 400));
              }),
              "chain");
}

}  // namespace
}  // namespace cabridge
