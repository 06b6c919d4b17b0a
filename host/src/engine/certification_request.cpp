#include "certification_request.h"

#include "error.h"

#include <cabridge/common/openssl_ptr.h>
#include <cabridge/common/sm2.h>

#include <openssl/err.h>
#include <openssl/rsa.h>

namespace cabridge {
namespace {

using X509AlgorPtr = std::unique_ptr<X509_ALGOR, OpenSslDeleter<&X509_ALGOR_free>>;
using BitStringPtr = std::unique_ptr<ASN1_BIT_STRING, OpenSslDeleter<&ASN1_BIT_STRING_free>>;
using OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, OpenSslDeleter<&ASN1_OCTET_STRING_free>>;
using ReqPtr = std::unique_ptr<X509_REQ, OpenSslDeleter<&X509_REQ_free>>;

[[noreturn]] void pluginWrote(const std::string& what)
{
    ERR_clear_error();
    throw HostError(ErrorCode::PluginError, "generate-key: " + what);
}

bool isCurve(const EVP_PKEY* key, const char* curveName)
{
    char name[64] = {};
    std::size_t length = 0;
    return EVP_PKEY_get_utf8_string_param(key, "group", name, sizeof name, &length) == 1 &&
           std::string_view(name, length) == curveName;
}

bool keyIsOfType(const EVP_PKEY* key, std::string_view keyType)
{
    if (keyType == "RSA-2048") return EVP_PKEY_is_a(key, "RSA") == 1 && EVP_PKEY_get_bits(key) == 2048;
    if (keyType == "P-256") return EVP_PKEY_is_a(key, "EC") == 1 && isCurve(key, "prime256v1");
    if (keyType == "SM2") return sm2::isSm2Key(key);
    return false;
}

// The SM2 signer ID the request is checked with (OpenSSL's default is empty).
void setSm2SignerId(X509_REQ* req)
{
    OctetStringPtr id(ASN1_OCTET_STRING_new());
    if (!id || ASN1_OCTET_STRING_set(id.get(), reinterpret_cast<const unsigned char*>(sm2::kDefaultSignerId.data()),
                                     static_cast<int>(sm2::kDefaultSignerId.size())) != 1) {
        throw std::bad_alloc();
    }
    X509_REQ_set0_distinguishing_id(req, id.release());  // the request owns it from here
}

bool verifies(X509_REQ* req)
{
    EVP_PKEY* key = X509_REQ_get0_pubkey(req);
    if (key == nullptr) return false;
    if (sm2::isSm2Key(key)) setSm2SignerId(req);
    const bool ok = X509_REQ_verify(req, key) == 1;
    ERR_clear_error();
    return ok;
}

}  // namespace

std::string requestSignatureAlgorithm(std::string_view keyType)
{
    if (keyType == "RSA-2048") return "RS256";
    if (keyType == "P-256") return "ES256";
    if (keyType == "SM2") return "SM2-SM3";
    return {};
}

void CertificationRequestDraft::ReqDeleter::operator()(X509_REQ* req) const noexcept
{
    X509_REQ_free(req);
}

CertificationRequestDraft::CertificationRequestDraft(const X509_NAME& subject,
                                                     std::span<const std::uint8_t> publicKeyDer,
                                                     std::string_view keyType)
    : req_(X509_REQ_new()), algorithm_(requestSignatureAlgorithm(keyType))
{
    if (!req_) throw std::bad_alloc();
    if (algorithm_.empty()) pluginWrote("unknown key type " + std::string(keyType));
    const unsigned char* p = publicKeyDer.data();
    EvpPkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(publicKeyDer.size())));
    if (!key || p != publicKeyDer.data() + publicKeyDer.size()) pluginWrote("the public key does not parse");
    if (!keyIsOfType(key.get(), keyType)) pluginWrote("the public key is not of type " + std::string(keyType));
    if (X509_REQ_set_version(req_.get(), X509_REQ_VERSION_1) != 1 ||
        X509_REQ_set_subject_name(req_.get(), &subject) != 1 || X509_REQ_set_pubkey(req_.get(), key.get()) != 1) {
        pluginWrote("cannot build the request");
    }
    // The algorithm identifier is outside what is signed, but set now so complete() only adds the
    // signature: RSA's parameters are NULL, ECDSA's and SM2's absent (RFC 5758, GM/T 0015).
    const int nid = keyType == "RSA-2048" ? NID_sha256WithRSAEncryption
                    : keyType == "P-256"  ? NID_ecdsa_with_SHA256
                                          : NID_SM2_with_SM3;
    X509AlgorPtr algorithm(X509_ALGOR_new());
    if (!algorithm ||
        X509_ALGOR_set0(algorithm.get(), OBJ_nid2obj(nid),
                        nid == NID_sha256WithRSAEncryption ? V_ASN1_NULL : V_ASN1_UNDEF, nullptr) != 1 ||
        X509_REQ_set1_signature_algo(req_.get(), algorithm.get()) != 1) {
        throw std::bad_alloc();
    }
    unsigned char* tbs = nullptr;
    const int length = i2d_re_X509_REQ_tbs(req_.get(), &tbs);
    if (length <= 0 || tbs == nullptr) pluginWrote("cannot encode the request");
    toBeSigned_.assign(tbs, tbs + length);
    OPENSSL_free(tbs);
}

CertificationRequestDraft::~CertificationRequestDraft() = default;

std::vector<std::uint8_t> CertificationRequestDraft::complete(std::span<const std::uint8_t> signature)
{
    BitStringPtr bits(ASN1_BIT_STRING_new());
    if (!bits || ASN1_STRING_set(bits.get(), signature.data(), static_cast<int>(signature.size())) != 1) {
        throw std::bad_alloc();
    }
    // "No unused bits", said explicitly: otherwise the encoder drops trailing zero bytes of the
    // signature as if they were padding (what X509_sign does internally).
    bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
    bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
    X509_REQ_set0_signature(req_.get(), bits.release());
    unsigned char* der = nullptr;
    const int length = i2d_X509_REQ(req_.get(), &der);
    if (length <= 0 || der == nullptr) pluginWrote("cannot encode the signed request");
    std::vector<std::uint8_t> out(der, der + length);
    OPENSSL_free(der);
    if (!certificationRequestVerifies(out)) {
        pluginWrote("the token's signature over the request does not verify with the new public key");
    }
    return out;
}

bool certificationRequestVerifies(std::span<const std::uint8_t> der)
{
    const unsigned char* p = der.data();
    ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
    if (!req || p != der.data() + der.size()) {
        ERR_clear_error();
        return false;
    }
    return verifies(req.get());
}

}  // namespace cabridge
