// CertificateFactsCache: a certificate seen again is not parsed again, but its
// clock-dependent fields always follow the `now` of the request.
#include "token_inventory.h"

#include <cabridge/test_support/test_certificate.h>

#include <gtest/gtest.h>

using namespace cabridge;
using cabridge::test_support::CertificateSpec;
using cabridge::test_support::KeyType;
using cabridge::test_support::makeCertificateAndKey;

TEST(CertificateFactsCache, SameBytesGiveTheSameFactsWithValidityForEachNow)
{
    const auto now = std::chrono::system_clock::now();
    const std::time_t nowT = std::chrono::system_clock::to_time_t(now);
    CertificateSpec spec;
    spec.notBefore = nowT - 86400;
    spec.notAfter = nowT + std::time_t {5} * 86400 + 3600;
    const auto der = makeCertificateAndKey(spec).der;
    const auto sha = certificateSha256Hex(der);

    CertificateFactsCache cache;
    const auto first = cache.factsFor(der, sha, now);
    EXPECT_EQ(first.info, describeCertificate(der, now).info);
    EXPECT_EQ(first.info["daysLeft"], 5);
    EXPECT_FALSE(first.expired);

    // Ten days later the cached certificate has expired; a day before its start it is not valid yet.
    const auto later = cache.factsFor(der, sha, now + std::chrono::hours(24 * 10));
    EXPECT_TRUE(later.expired);
    EXPECT_EQ(later.info["expired"], true);
    EXPECT_EQ(later.info["daysLeft"], -5);
    EXPECT_EQ(later.info["subject"], first.info["subject"]);
    const auto earlier = cache.factsFor(der, sha, now - std::chrono::hours(48));
    EXPECT_TRUE(earlier.notYetValid);
}

TEST(CertificateFactsCache, UnparsableBytesThrowEveryTime)
{
    const std::vector<std::uint8_t> junk {0x30, 0x03, 0x02, 0x01, 0x01};
    CertificateFactsCache cache;
    const auto sha = certificateSha256Hex(junk);
    for (int i = 0; i < 2; ++i) {
        EXPECT_THROW(cache.factsFor(junk, sha, std::chrono::system_clock::now()), CertificateParseError);
    }
}

TEST(CertificateFactsCache, StaysBoundedUnderManyDistinctCertificates)
{
    CertificateFactsCache cache;
    const auto now = std::chrono::system_clock::now();
    std::vector<std::uint8_t> first;
    for (long serial = 1; serial <= 300; ++serial) {
        CertificateSpec spec;
        spec.serial = serial;
        const auto der = makeCertificateAndKey(spec, KeyType::P256).der;  // P-256: quick to generate
        if (serial == 1) {
            first = der;
        }
        EXPECT_EQ(cache.factsFor(der, certificateSha256Hex(der), now).info["serialNumber"],
                  describeCertificate(der, now).info["serialNumber"]);
    }
    // The first one was dropped when the cache filled and is parsed again, correctly.
    EXPECT_EQ(cache.factsFor(first, certificateSha256Hex(first), now).info, describeCertificate(first, now).info);
}
