#include "enrollment_trust.h"

#include "error.h"
#include "logger.h"
#include "token_inventory.h"

#include <cabridge/common/encoding.h>
#include <cabridge/common/sm2.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace cabridge {
namespace {

using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<&X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<&X509_STORE_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<&BIO_free>>;
using OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, OpenSslDeleter<&ASN1_OCTET_STRING_free>>;

constexpr std::size_t kMaxAnchorFileBytes = std::size_t {256} * 1024;

[[noreturn]] void refuse(const std::string& check, const std::string& reason)
{
    ERR_clear_error();
    throw HostError(ErrorCode::InvalidArgument, "install-certificate: " + reason,
                    {{"key", "certificate"}, {"check", check}, {"reason", reason}});
}

X509Ptr certificateFromDer(std::span<const std::uint8_t> der)
{
    const unsigned char* p = der.data();
    X509Ptr certificate(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!certificate || p != der.data() + der.size()) {
        ERR_clear_error();
        return nullptr;
    }
    return certificate;
}

// The certificates in one file: PEM (any number of certificates) or one DER certificate.
std::vector<X509Ptr> certificatesInFile(const std::filesystem::path& file)
{
    std::vector<X509Ptr> anchors;
    std::ifstream in(file, std::ios::binary);
    std::string bytes;
    if (in) {
        bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (bytes.empty() || bytes.size() > kMaxAnchorFileBytes) return anchors;
    BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    while (bio) {
        X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!certificate) break;
        anchors.push_back(std::move(certificate));
    }
    ERR_clear_error();
    if (anchors.empty()) {
        const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
        if (auto certificate = certificateFromDer({data, bytes.size()})) anchors.push_back(std::move(certificate));
    }
    return anchors;
}

// The certificates of one enrollCAs entry: an absolute path of a PEM or DER file, or of a
// directory whose *.pem, *.crt, *.cer and *.der files are read (where an administrator drops
// the CA's certificates), or base64 DER of one certificate.
std::vector<X509Ptr> anchorsOf(const std::string& entry)
{
    std::vector<X509Ptr> anchors;
    if (!entry.starts_with("/")) {
        if (const auto der = base64Decode(entry)) {
            if (auto certificate = certificateFromDer(*der)) anchors.push_back(std::move(certificate));
        }
        return anchors;
    }
    std::error_code error;
    if (!std::filesystem::is_directory(entry, error)) {
        return certificatesInFile(entry);
    }
    constexpr std::size_t kMaxFiles = 64;  // a CA has a handful; more is not a CA directory
    std::size_t files = 0;
    for (const auto& item : std::filesystem::directory_iterator(entry, error)) {
        const auto extension = item.path().extension().string();
        if (extension != ".pem" && extension != ".crt" && extension != ".cer" && extension != ".der") continue;
        if (++files > kMaxFiles) break;
        for (auto& certificate : certificatesInFile(item.path())) anchors.push_back(std::move(certificate));
    }
    return anchors;
}

// OpenSSL checks an SM2 signature over a certificate with the certificate's signer ID, empty
// unless set; Chinese CAs sign with 1234567812345678.
void setSm2SignerIdIfNeeded(X509* certificate)
{
    if (X509_get_signature_nid(certificate) != NID_SM2_with_SM3) return;
    OctetStringPtr id(ASN1_OCTET_STRING_new());
    if (!id || ASN1_OCTET_STRING_set(id.get(), reinterpret_cast<const unsigned char*>(sm2::kDefaultSignerId.data()),
                                     static_cast<int>(sm2::kDefaultSignerId.size())) != 1) {
        throw std::bad_alloc();
    }
    X509_set0_distinguishing_id(certificate, id.release());
}

}  // namespace

X509Ptr parseIssuedCertificate(std::span<const std::uint8_t> der)
{
    if (der.empty() || der.size() > kMaxCertificateDerBytes) {
        refuse("parse", "the certificate is empty or larger than 32 KiB");
    }
    auto certificate = certificateFromDer(der);
    if (!certificate) refuse("parse", "the certificate is not one DER X.509 certificate");
    return certificate;
}

void requireCertificateForKey(X509* certificate, std::span<const std::uint8_t> keySpki)
{
    const unsigned char* p = keySpki.data();
    EvpPkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(keySpki.size())));
    const EVP_PKEY* certificateKey = X509_get0_pubkey(certificate);
    // EVP_PKEY_eq compares the key material; an SM2 key may load as "SM2" from one encoding and
    // "EC" from another, so SM2 keys are compared by their encoded public key instead.
    bool same = key && certificateKey != nullptr && EVP_PKEY_eq(key.get(), certificateKey) == 1;
    if (!same && key && certificateKey != nullptr && sm2::isSm2Key(key.get()) && sm2::isSm2Key(certificateKey)) {
        unsigned char* a = nullptr;
        unsigned char* b = nullptr;
        const int lengthA = i2d_PUBKEY(key.get(), &a);
        const int lengthB = i2d_PUBKEY(const_cast<EVP_PKEY*>(certificateKey), &b);  // NOLINT: i2d only reads
        same = lengthA > 0 && lengthA == lengthB && std::equal(a, a + lengthA, b);
        OPENSSL_free(a);
        OPENSSL_free(b);
    }
    if (!same) refuse("publicKey", "the certificate's public key is not the key's");
    ERR_clear_error();
}

void requireChainsToEnrollmentCa(const std::string& vendor, const std::vector<std::string>& enrollCAs,
                                 X509* certificate, std::chrono::system_clock::time_point now)
{
    X509StorePtr store(X509_STORE_new());
    X509StoreCtxPtr context(X509_STORE_CTX_new());
    if (!store || !context) throw std::bad_alloc();
    std::size_t usable = 0;
    for (const auto& entry : enrollCAs) {
        auto anchors = anchorsOf(entry);
        if (anchors.empty()) {
            Logger::warn(vendor + ": enrollCAs entry holds no readable certificate, skipped: " + entry.substr(0, 80));
        }
        for (auto& anchor : anchors) {
            setSm2SignerIdIfNeeded(anchor.get());
            if (X509_STORE_add_cert(store.get(), anchor.get()) == 1) ++usable;
            ERR_clear_error();  // a duplicate is harmless
        }
    }
    if (usable == 0) refuse("chain", vendor + " trusts no CA for enrolment (enrollCAs)");
    setSm2SignerIdIfNeeded(certificate);
    if (X509_STORE_CTX_init(context.get(), store.get(), certificate, nullptr) != 1) throw std::bad_alloc();
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
    // An enrolment CA may be an issuing (intermediate) CA: the chain may end at any anchor.
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(now));
    if (X509_verify_cert(context.get()) != 1) {
        const int error = X509_STORE_CTX_get_error(context.get());
        refuse("chain", std::string("the certificate does not chain to a CA ") + vendor +
                            " trusts for enrolment: " + X509_verify_cert_error_string(error));
    }
    ERR_clear_error();
}

}  // namespace cabridge
