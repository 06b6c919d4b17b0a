// The SM2 helpers against OpenSSL's own SM2 signing and verification with a signer ID
// (EVP_PKEY_CTX_set1_id): what cabridge computes for a device must be what OpenSSL checks.
#include <cabridge/common/sm2.h>
#include <cabridge/common/sm2_certificate_z.h>

#include <cabridge/common/openssl_ptr.h>
#include <cabridge/test_support/test_certificate.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace sm2 = cabridge::sm2;
using cabridge::EvpMdCtxPtr;
using cabridge::EvpPkeyPtr;
using cabridge::OpenSslDeleter;
using cabridge::X509Ptr;
// Certificates holding a key under test (self-signed, SM2 with SM3; Z depends on the key only).
using cabridge::test_support::makeCertificate;
using cabridge::test_support::makeCertificateDer;

namespace {

using Bytes = std::vector<std::uint8_t>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<&EVP_PKEY_CTX_free>>;

Bytes bytes(const std::string &text) { return {text.begin(), text.end()}; }

EvpPkeyPtr sm2Key() {
    EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2"));
    EXPECT_TRUE(key);
    return key;
}

// OpenSSL signs `message` as SM2-with-SM3 with signer ID `id`: it computes Z and e itself.
Bytes opensslSign(EVP_PKEY *key, const Bytes &message, const std::string &id) {
    const EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    const PkeyCtxPtr pctx(EVP_PKEY_CTX_new(key, nullptr));
    EVP_MD_CTX_set_pkey_ctx(ctx.get(), pctx.get());
    EXPECT_EQ(EVP_PKEY_CTX_set1_id(pctx.get(), id.data(), id.size()), 1);
    EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sm3(), nullptr, key), 1);
    std::size_t length = 0;
    EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &length, message.data(), message.size()), 1);
    Bytes signature(length);
    EXPECT_EQ(EVP_DigestSign(ctx.get(), signature.data(), &length, message.data(), message.size()), 1);
    signature.resize(length);
    return signature;
}

bool opensslVerify(EVP_PKEY *key, const Bytes &message, const std::string &id, const Bytes &der) {
    const EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    const PkeyCtxPtr pctx(EVP_PKEY_CTX_new(key, nullptr));
    EVP_MD_CTX_set_pkey_ctx(ctx.get(), pctx.get());
    EXPECT_EQ(EVP_PKEY_CTX_set1_id(pctx.get(), id.data(), id.size()), 1);
    EXPECT_EQ(EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sm3(), nullptr, key), 1);
    return EVP_DigestVerify(ctx.get(), der.data(), der.size(), message.data(), message.size()) == 1;
}

// What a device does (SKF_ECCSignData): sign exactly the 32 bytes given, no hashing.
Bytes signDigest(EVP_PKEY *key, const sm2::Digest &e) {
    const PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
    EXPECT_EQ(EVP_PKEY_sign_init(ctx.get()), 1);
    std::size_t length = 0;
    EXPECT_EQ(EVP_PKEY_sign(ctx.get(), nullptr, &length, e.data(), e.size()), 1);
    Bytes signature(length);
    EXPECT_EQ(EVP_PKEY_sign(ctx.get(), signature.data(), &length, e.data(), e.size()), 1);
    signature.resize(length);
    return signature;
}

bool verifyDigest(EVP_PKEY *key, const sm2::Digest &e, const Bytes &der) {
    const PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
    EXPECT_EQ(EVP_PKEY_verify_init(ctx.get()), 1);
    return EVP_PKEY_verify(ctx.get(), der.data(), der.size(), e.data(), e.size()) == 1;
}

} // namespace

TEST(Sm2, RecognisesSm2KeysOnly) {
    const auto key = sm2Key();
    EXPECT_TRUE(sm2::isSm2Key(key.get()));
    const EvpPkeyPtr ecOnSm2Curve(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "SM2"));
    ASSERT_TRUE(ecOnSm2Curve);
    EXPECT_TRUE(sm2::isSm2Key(ecOnSm2Curve.get()));
    const EvpPkeyPtr p256(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    EXPECT_FALSE(sm2::isSm2Key(p256.get()));
    const EvpPkeyPtr rsa(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
    EXPECT_FALSE(sm2::isSm2Key(rsa.get()));
    EXPECT_FALSE(sm2::isSm2Key(nullptr));
    EXPECT_THROW(sm2::computeZ(p256.get()), std::invalid_argument);
    EXPECT_THROW(sm2::computeE(rsa.get(), bytes("m")), std::invalid_argument);
}

TEST(Sm2, OpensslSignatureVerifiesOverOurDigest) {
    // OpenSSL computes Z and e from the message and the ID; the signature must check as a
    // signature over our e, and not over the e of another ID.
    const auto key = sm2Key();
    const Bytes message = bytes("cabridge-auth:2 any message");
    const Bytes der = opensslSign(key.get(), message, std::string(sm2::kDefaultSignerId));
    EXPECT_TRUE(verifyDigest(key.get(), sm2::computeE(key.get(), message), der));
    EXPECT_FALSE(verifyDigest(key.get(), sm2::computeE(key.get(), message, "1234567812345679"), der));
    EXPECT_FALSE(verifyDigest(key.get(), sm2::computeE(key.get(), message, ""), der));
    EXPECT_FALSE(verifyDigest(key.get(), sm2::computeE(key.get(), bytes("cabridge-auth:2 other")), der));
}

TEST(Sm2, DeviceStyleSignatureVerifiesWithOpenssl) {
    // Sign our e as a device does, move the signature through raw and blob forms, and let
    // OpenSSL check it over the message with the signer ID.
    const auto key = sm2Key();
    Bytes message = bytes("cabridge-auth:2");
    message.push_back(0);
    message.push_back(0xA5);
    const sm2::Digest e = sm2::computeE(key.get(), message);
    const Bytes der = signDigest(key.get(), e);
    const std::string id(sm2::kDefaultSignerId);
    EXPECT_TRUE(opensslVerify(key.get(), message, id, der));
    EXPECT_FALSE(opensslVerify(key.get(), message, "", der));

    const auto raw = sm2::rawFromDer(der);
    ASSERT_TRUE(raw);
    const auto fromRaw = sm2::derFromDeviceSignature(*raw);
    ASSERT_TRUE(fromRaw);
    EXPECT_EQ(*fromRaw, der);

    const auto padded = sm2::paddedFromDer(der);
    ASSERT_TRUE(padded);
    EXPECT_TRUE(std::all_of(padded->begin(), padded->begin() + 32, [](std::uint8_t b) { return b == 0; }));
    EXPECT_TRUE(std::equal(raw->begin(), raw->begin() + 32, padded->begin() + 32));
    EXPECT_TRUE(std::equal(raw->begin() + 32, raw->end(), padded->begin() + 96));
    const auto fromPadded = sm2::derFromDeviceSignature(*padded);
    ASSERT_TRUE(fromPadded);
    EXPECT_EQ(*fromPadded, der);
    EXPECT_TRUE(opensslVerify(key.get(), message, id, *fromPadded));
}

TEST(Sm2, OtherSignerIdsAsOpensslDoes) {
    const auto key = sm2Key();
    const Bytes message = bytes("m");
    for (const std::string &id : {std::string(), std::string("ALICE123@YAHOO.COM"), std::string(300, 'i')}) {
        const Bytes der = signDigest(key.get(), sm2::computeE(key.get(), message, id));
        EXPECT_TRUE(opensslVerify(key.get(), message, id, der)) << id.size();
    }
    EXPECT_THROW(sm2::computeZ(key.get(), std::string(8192, 'i')), std::invalid_argument);
    EXPECT_NO_THROW(sm2::computeZ(key.get(), std::string(8191, 'i')));
}

TEST(Sm2, CertificateGivesItsKeysValues) {
    const auto key = sm2Key();
    const auto certificate = makeCertificate({}, key.get());
    const Bytes message = bytes("m");
    EXPECT_EQ(sm2::computeZ(certificate.get()), sm2::computeZ(key.get()));
    EXPECT_EQ(sm2::computeE(certificate.get(), message), sm2::computeE(key.get(), message));
    EXPECT_NE(sm2::computeZ(certificate.get()), sm2::computeZ(sm2Key().get()));
    EXPECT_THROW(sm2::computeZ(static_cast<const X509 *>(nullptr)), std::invalid_argument);
}

TEST(Sm2, DeviceSignatureFormsAreChecked) {
    Bytes raw(64, 0x11);
    EXPECT_TRUE(sm2::derFromDeviceSignature(raw));
    EXPECT_FALSE(sm2::derFromDeviceSignature(Bytes(63, 0x11)));
    EXPECT_FALSE(sm2::derFromDeviceSignature(Bytes(65, 0x11)));
    EXPECT_FALSE(sm2::derFromDeviceSignature(Bytes()));
    Bytes zeroR = raw;
    std::fill_n(zeroR.begin(), 32, 0);
    EXPECT_FALSE(sm2::derFromDeviceSignature(zeroR));
    Bytes zeroS = raw;
    std::fill(zeroS.begin() + 32, zeroS.end(), 0);
    EXPECT_FALSE(sm2::derFromDeviceSignature(zeroS));

    Bytes padded(128, 0);
    std::fill(padded.begin() + 32, padded.begin() + 64, 0x22);
    std::fill(padded.begin() + 96, padded.end(), 0x33);
    const auto der = sm2::derFromDeviceSignature(padded);
    ASSERT_TRUE(der);
    const auto back = sm2::rawFromDer(*der);
    ASSERT_TRUE(back);
    EXPECT_TRUE(std::all_of(back->begin(), back->begin() + 32, [](std::uint8_t b) { return b == 0x22; }));
    EXPECT_TRUE(std::all_of(back->begin() + 32, back->end(), [](std::uint8_t b) { return b == 0x33; }));
    for (const std::size_t dirty : {std::size_t{0}, std::size_t{31}, std::size_t{64}, std::size_t{95}}) {
        Bytes bad = padded;
        bad[dirty] = 1;
        EXPECT_FALSE(sm2::derFromDeviceSignature(bad)) << dirty;
    }

    // Small values keep their minimal DER (leading zero bytes of the raw form dropped).
    Bytes small(64, 0);
    small[31] = 5;
    small[63] = 0x80;
    const auto smallDer = sm2::derFromDeviceSignature(small);
    ASSERT_TRUE(smallDer);
    EXPECT_EQ(*smallDer, (Bytes{0x30, 0x07, 0x02, 0x01, 0x05, 0x02, 0x02, 0x00, 0x80}));
}

TEST(Sm2, DerParsingIsStrict) {
    const Bytes good{0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07};
    const auto raw = sm2::rawFromDer(good);
    ASSERT_TRUE(raw);
    EXPECT_EQ((*raw)[31], 5);
    EXPECT_EQ((*raw)[63], 7);
    // Trailing byte, non-minimal integer, long-form length, negative, zero, over 256 bits.
    EXPECT_FALSE(sm2::rawFromDer(Bytes{0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07, 0x00}));
    EXPECT_FALSE(sm2::rawFromDer(Bytes{0x30, 0x07, 0x02, 0x02, 0x00, 0x05, 0x02, 0x01, 0x07}));
    EXPECT_FALSE(sm2::rawFromDer(Bytes{0x30, 0x81, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07}));
    EXPECT_FALSE(sm2::rawFromDer(Bytes{0x30, 0x06, 0x02, 0x01, 0x85, 0x02, 0x01, 0x07}));
    EXPECT_FALSE(sm2::rawFromDer(Bytes{0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x07}));
    Bytes big{0x30, 0x26, 0x02, 0x21, 0x01};
    big.insert(big.end(), 32, 0x00);
    big.insert(big.end(), {0x02, 0x01, 0x07});
    EXPECT_FALSE(sm2::rawFromDer(big));
    EXPECT_FALSE(sm2::paddedFromDer(big));
    EXPECT_FALSE(sm2::rawFromDer(Bytes{}));
    EXPECT_FALSE(sm2::rawFromDer(Bytes{0x30, 0x00}));
}

TEST(Sm2, CertificateEIsComputeEAndRemembersNothingWrong) {
    const auto key = sm2Key();
    const auto other = sm2Key();
    const Bytes der = makeCertificateDer({}, key.get());
    const Bytes otherDer = makeCertificateDer({}, other.get());
    const Bytes message = bytes("cabridge-auth:2 message");
    // Twice each (the second from the memo), interleaved with another certificate and ID.
    for (int round = 0; round < 2; ++round) {
        EXPECT_EQ(sm2::certificateE(der, message), sm2::computeE(key.get(), message));
        EXPECT_EQ(sm2::certificateE(der, message, "ALICE"), sm2::computeE(key.get(), message, "ALICE"));
        EXPECT_EQ(sm2::certificateE(otherDer, message), sm2::computeE(other.get(), message));
        EXPECT_EQ(sm2::certificateE(der, bytes("other")), sm2::computeE(key.get(), bytes("other")));
    }
    // More certificates than the memo holds, then the first again.
    for (int i = 0; i < 10; ++i) {
        const auto extra = sm2Key();
        EXPECT_EQ(sm2::certificateE(makeCertificateDer({}, extra.get()), message), sm2::computeE(extra.get(), message));
    }
    EXPECT_EQ(sm2::certificateE(der, message), sm2::computeE(key.get(), message));
}

TEST(Sm2, CertificateERefusesWhatIsNotOneSm2Certificate) {
    const EvpPkeyPtr p256(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    ASSERT_TRUE(p256);
    EXPECT_FALSE(sm2::certificateE(makeCertificateDer({}, p256.get()), bytes("m")));
    const auto key = sm2Key();
    Bytes der = makeCertificateDer({}, key.get());
    ASSERT_TRUE(sm2::certificateE(der, bytes("m")));
    Bytes trailing = der;
    trailing.push_back(0);
    EXPECT_FALSE(sm2::certificateE(trailing, bytes("m")));
    EXPECT_FALSE(sm2::certificateE(Bytes(der.begin(), der.end() - 1), bytes("m")));
    EXPECT_FALSE(sm2::certificateE(Bytes{}, bytes("m")));
    EXPECT_THROW(sm2::certificateE(der, bytes("m"), std::string(9000, 'x')), std::invalid_argument);
}
