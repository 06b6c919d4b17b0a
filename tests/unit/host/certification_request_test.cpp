// The PKCS#10 builder of generate-key (certification_request.h) and its RFC 2253 subject
// parser (distinguished_name.h): requests for RSA-2048, P-256 and SM2 keys signed outside the
// builder (as a token would), Chinese subjects kept byte for byte, and every malformed subject
// refused with INVALID_ARGUMENT.
#include "certification_request.h"
#include "distinguished_name.h"
#include "error.h"

#include <cabridge/common/sm2.h>
#include <cabridge/test_support/test_certificate.h>

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/x509.h>

namespace cabridge {
namespace {

using test_support::KeyType;
using ReqPtr = std::unique_ptr<X509_REQ, OpenSslDeleter<&X509_REQ_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<&BIO_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<&EVP_PKEY_CTX_free>>;

std::string rfc2253(const X509_NAME* name)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return {data, static_cast<std::size_t>(length)};
}

std::vector<std::uint8_t> spkiOf(EVP_PKEY* key)
{
    unsigned char* der = nullptr;
    const int length = i2d_PUBKEY(key, &der);
    std::vector<std::uint8_t> out(der, der + length);
    OPENSSL_free(der);
    return out;
}

// What a token does in sign_with_key: the algorithm over the bytes, with the private key.
std::vector<std::uint8_t> signLikeAToken(EVP_PKEY* key, const std::string& algorithm,
                                         const std::vector<std::uint8_t>& data)
{
    // Declared before the digest context so it outlives it: EVP_MD_CTX_set_pkey_ctx does not take
    // ownership (the ASan run's leak check found two lost contexts when this was released to it).
    PkeyCtxPtr owned;
    EvpMdCtxPtr context(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pkeyContext = nullptr;
    const bool sm2 = algorithm == "SM2-SM3";
    if (sm2) {
        owned.reset(EVP_PKEY_CTX_new(key, nullptr));
        EXPECT_EQ(EVP_PKEY_CTX_set1_id(owned.get(), sm2::kDefaultSignerId.data(), sm2::kDefaultSignerId.size()), 1);
        EVP_MD_CTX_set_pkey_ctx(context.get(), owned.get());
        pkeyContext = owned.get();
    }
    EXPECT_EQ(
        EVP_DigestSignInit(context.get(), sm2 ? &pkeyContext : nullptr, sm2 ? EVP_sm3() : EVP_sha256(), nullptr, key),
        1);
    std::size_t length = 0;
    EXPECT_EQ(EVP_DigestSign(context.get(), nullptr, &length, data.data(), data.size()), 1);
    std::vector<std::uint8_t> signature(length);
    EXPECT_EQ(EVP_DigestSign(context.get(), signature.data(), &length, data.data(), data.size()), 1);
    signature.resize(length);
    return signature;
}

constexpr const char* kChineseSubject = "CN=张三,OU=信息中心,O=河北省某某有限公司,L=石家庄,ST=河北省,C=CN";

struct KeyCase {
    KeyType type;
    const char* keyType;
    const char* algorithm;
    int signatureNid;
};

class RequestPerKeyType : public ::testing::TestWithParam<KeyCase> {};

TEST_P(RequestPerKeyType, SignedRequestVerifiesAndCarriesTheSubject)
{
    const auto& param = GetParam();
    const auto key = test_support::generateKey(param.type);
    const auto subject = parseDistinguishedName(kChineseSubject);
    CertificationRequestDraft draft(*subject, spkiOf(key.get()), param.keyType);
    EXPECT_EQ(draft.algorithm(), param.algorithm);
    const auto der = draft.complete(signLikeAToken(key.get(), param.algorithm, draft.toBeSigned()));
    EXPECT_TRUE(certificationRequestVerifies(der));

    const unsigned char* p = der.data();
    ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
    ASSERT_TRUE(req);
    EXPECT_EQ(rfc2253(X509_REQ_get_subject_name(req.get())), kChineseSubject);
    EXPECT_EQ(X509_REQ_get_signature_nid(req.get()), param.signatureNid);
    EXPECT_EQ(EVP_PKEY_eq(X509_REQ_get0_pubkey(req.get()), key.get()), 1);

    // A signature by another key of the same type is refused: the token signed with the wrong key.
    const auto other = test_support::generateKey(param.type);
    CertificationRequestDraft second(*subject, spkiOf(key.get()), param.keyType);
    try {
        second.complete(signLikeAToken(other.get(), param.algorithm, second.toBeSigned()));
        ADD_FAILURE() << "a signature by another key was accepted";
    } catch (const HostError& e) {
        EXPECT_EQ(e.code(), ErrorCode::PluginError);
    }
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, RequestPerKeyType,
                         ::testing::Values(KeyCase {KeyType::Rsa2048, "RSA-2048", "RS256", NID_sha256WithRSAEncryption},
                                           KeyCase {KeyType::P256, "P-256", "ES256", NID_ecdsa_with_SHA256},
                                           KeyCase {KeyType::Sm2, "SM2", "SM2-SM3", NID_SM2_with_SM3}),
                         [](const ::testing::TestParamInfo<KeyCase>& info) {
                             std::string name;
                             for (const char c : std::string_view(info.param.keyType)) {
                                 if (c != '-') name.push_back(c);
                             }
                             return name;  // RSA2048, P256, SM2
                         });

TEST(CertificationRequest, SignatureEndingInZeroBytesIsKeptWhole)
{
    // A bit string's trailing zero bytes are not padding: the encoder must keep them.
    const auto key = test_support::generateKey(KeyType::P256);
    const auto subject = parseDistinguishedName("CN=x");
    CertificationRequestDraft draft(*subject, spkiOf(key.get()), "P-256");
    std::vector<std::uint8_t> signature = signLikeAToken(key.get(), "ES256", draft.toBeSigned());
    signature.push_back(0);  // no longer a valid DER signature, but every byte must reach the request
    try {
        draft.complete(signature);
        ADD_FAILURE() << "a broken signature verified";
    } catch (const HostError& e) {
        EXPECT_EQ(e.code(), ErrorCode::PluginError);
    }
}

TEST(CertificationRequest, PublicKeyOfTheWrongTypeIsThePluginsFault)
{
    const auto subject = parseDistinguishedName("CN=x");
    const auto rsa = test_support::generateKey(KeyType::Rsa2048);
    const auto p384 = test_support::generateKey(KeyType::P384);
    for (const auto& [key, type] : {std::pair {rsa.get(), "P-256"}, std::pair {p384.get(), "P-256"},
                                    std::pair {rsa.get(), "SM2"}, std::pair {p384.get(), "RSA-2048"}}) {
        EXPECT_THROW(CertificationRequestDraft(*subject, spkiOf(key), type), HostError) << type;
    }
    const std::vector<std::uint8_t> junk {0x30, 0x00};
    EXPECT_THROW(CertificationRequestDraft(*subject, junk, "P-256"), HostError);
    EXPECT_TRUE(requestSignatureAlgorithm("RSA-1024").empty());
}

TEST(DistinguishedName, EscapesQuotesAndMultiValuedRdns)
{
    const auto multi = parseDistinguishedName("CN=Doe\\, John+serialNumber=42,O=\"A, B\",C=CN");
    // Three RDNs, the last holding both CN and serialNumber (their order inside it is not significant).
    ASSERT_EQ(X509_NAME_entry_count(multi.get()), 4);
    EXPECT_EQ(X509_NAME_ENTRY_set(X509_NAME_get_entry(multi.get(), 2)),
              X509_NAME_ENTRY_set(X509_NAME_get_entry(multi.get(), 3)));
    EXPECT_NE(X509_NAME_ENTRY_set(X509_NAME_get_entry(multi.get(), 1)),
              X509_NAME_ENTRY_set(X509_NAME_get_entry(multi.get(), 2)));
    const std::string printed = rfc2253(multi.get());
    EXPECT_NE(printed.find("CN=Doe\\, John"), std::string::npos) << printed;
    EXPECT_NE(printed.find("O=A\\, B,C=CN"), std::string::npos) << printed;
    // Hex escapes are bytes of the UTF-8 value.
    EXPECT_EQ(rfc2253(parseDistinguishedName("CN=\\E5\\BC\\A0").get()), "CN=张");
    // Spaces around separators are not part of values; OIDs are accepted.
    EXPECT_EQ(rfc2253(parseDistinguishedName(" CN = a b , 2.5.4.10=Org ").get()), "CN=a b,O=Org");
    // The first RDN of the text is the last of the Name.
    const auto name = parseDistinguishedName("CN=leaf,C=CN");
    ASSERT_EQ(X509_NAME_entry_count(name.get()), 2);
    EXPECT_EQ(OBJ_obj2nid(X509_NAME_ENTRY_get_object(X509_NAME_get_entry(name.get(), 0))), NID_countryName);
}

TEST(DistinguishedName, MalformedSubjectsAreInvalidArgument)
{
    for (const std::string& text :
         {std::string(), std::string("CN"), std::string("CN="), std::string("=x"), std::string("CN=a,,O=b"),
          std::string("CN=a,"), std::string("nosuchattribute=x"), std::string("CN=a\\"), std::string("CN=a\\q"),
          std::string("CN=\"unterminated"), std::string("CN=#0403616263"), std::string("C=CHN"), std::string("CN=a=b"),
          std::string("CN=\xff\xfe"), std::string("CN=\\FF"), std::string("C N=x"), std::string(5000, 'a')}) {
        try {
            parseDistinguishedName(text);
            ADD_FAILURE() << "accepted: " << text;
        } catch (const HostError& e) {
            EXPECT_EQ(e.code(), ErrorCode::InvalidArgument) << text;
            EXPECT_EQ(e.details()["key"], "subject") << text;
        }
    }
    std::string many;
    for (int i = 0; i < 65; ++i) many += (i ? "," : "") + std::string("OU=x");
    EXPECT_THROW(parseDistinguishedName(many), HostError);
}

}  // namespace
}  // namespace cabridge
