#include "test_signing.h"

#include <stdexcept>
#include <string_view>

#include <openssl/pem.h>
#include <openssl/rand.h>

#include <cabridge/common/encoding.h>

namespace cabridge::verify::test {
namespace {

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

const EVP_MD* digest_for(const char* algorithm) {
  const std::string_view alg = algorithm;
  if (alg == "RS256" || alg == "ES256") return EVP_sha256();
  if (alg == "ES384") return EVP_sha384();
  if (alg == "SM2-SM3") return EVP_sm3();
  throw std::runtime_error("test PKI: unknown algorithm");
}

bool is_sm2(EVP_PKEY* key) { return EVP_PKEY_is_a(key, "SM2"); }

}  // namespace

std::string base64(const Bytes& bytes) { return cabridge::base64Encode(bytes); }

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

Bytes sign_message(EVP_PKEY* key, const char* algorithm, const Bytes& message, std::string_view sm2_id) {
  detail::EvpPkeyCtxPtr sm2_ctx;
  detail::EvpMdCtxPtr mctx(EVP_MD_CTX_new());
  require(mctx != nullptr, "md ctx");
  if (is_sm2(key)) {
    sm2_ctx.reset(EVP_PKEY_CTX_new(key, nullptr));
    require(sm2_ctx && EVP_PKEY_CTX_set1_id(sm2_ctx.get(), sm2_id.data(), static_cast<int>(sm2_id.size())) == 1,
            "SM2 id");
    EVP_MD_CTX_set_pkey_ctx(mctx.get(), sm2_ctx.get());
  }
  require(EVP_DigestSignInit(mctx.get(), nullptr, digest_for(algorithm), nullptr, key) == 1, "sign init");
  std::size_t length = 0;
  require(EVP_DigestSign(mctx.get(), nullptr, &length, message.data(), message.size()) == 1, "sign size");
  Bytes signature(length);
  require(EVP_DigestSign(mctx.get(), signature.data(), &length, message.data(), message.size()) == 1, "sign");
  signature.resize(length);
  return signature;
}

Bytes format1_message(const char* algorithm, std::string_view origin, const Bytes& challenge) {
  const EVP_MD* md = digest_for(algorithm);
  Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)) * 2);
  unsigned int n = 0;
  require(EVP_Digest(origin.data(), origin.size(), out.data(), &n, md, nullptr) == 1, "digest origin");
  require(EVP_Digest(challenge.data(), challenge.size(), out.data() + n, &n, md, nullptr) == 1, "digest challenge");
  return out;
}

Bytes origin_bound_message(const char* algorithm, std::string_view origin, const Bytes& challenge) {
  // Written out here rather than taken from cabridge_common, so the test checks the format.
  static constexpr char kPrefix[] = "cabridge-auth:2";  // its terminating NUL is the separator
  Bytes out(kPrefix, kPrefix + sizeof kPrefix);
  const Bytes hashes = format1_message(algorithm, origin, challenge);
  out.insert(out.end(), hashes.begin(), hashes.end());
  return out;
}

std::string make_crl_pem(const X509* issuer, EVP_PKEY* issuer_key, const std::vector<long>& revoked_serials,
                         std::time_t last_update, std::time_t next_update) {
  std::unique_ptr<X509_CRL, detail::OpenSslDeleter<X509_CRL_free>> crl(X509_CRL_new());
  require(crl && X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1 &&
              X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer)) == 1,
          "CRL issuer");
  std::unique_ptr<ASN1_TIME, detail::OpenSslDeleter<ASN1_TIME_free>> last(ASN1_TIME_set(nullptr, last_update));
  std::unique_ptr<ASN1_TIME, detail::OpenSslDeleter<ASN1_TIME_free>> next(ASN1_TIME_set(nullptr, next_update));
  require(last && next && X509_CRL_set1_lastUpdate(crl.get(), last.get()) == 1 &&
              X509_CRL_set1_nextUpdate(crl.get(), next.get()) == 1,
          "CRL dates");
  for (const long serial : revoked_serials) {
    X509_REVOKED* entry = X509_REVOKED_new();
    require(entry != nullptr, "X509_REVOKED_new");
    std::unique_ptr<ASN1_INTEGER, detail::OpenSslDeleter<ASN1_INTEGER_free>> number(ASN1_INTEGER_new());
    const bool ok = number && ASN1_INTEGER_set(number.get(), serial) == 1 &&
                    X509_REVOKED_set_serialNumber(entry, number.get()) == 1 &&
                    X509_REVOKED_set_revocationDate(entry, last.get()) == 1;
    if (!ok || X509_CRL_add0_revoked(crl.get(), entry) != 1) {
      X509_REVOKED_free(entry);  // add0 took it only on success
      require(false, "CRL entry");
    }
  }
  require(X509_CRL_sort(crl.get()) == 1, "CRL sort");
  if (is_sm2(issuer_key)) {
    // As Chinese CAs sign: SM3 with signer id 1234567812345678 (X509_CRL_sign cannot pass one).
    detail::EvpPkeyCtxPtr pctx(EVP_PKEY_CTX_new(issuer_key, nullptr));
    detail::EvpMdCtxPtr mctx(EVP_MD_CTX_new());
    require(pctx && mctx && EVP_PKEY_CTX_set1_id(pctx.get(), "1234567812345678", 16) == 1, "SM2 CRL ctx");
    EVP_MD_CTX_set_pkey_ctx(mctx.get(), pctx.get());
    require(EVP_DigestSignInit(mctx.get(), nullptr, EVP_sm3(), nullptr, issuer_key) == 1 &&
                X509_CRL_sign_ctx(crl.get(), mctx.get()) > 0,
            "SM2 CRL sign");
  } else {
    require(X509_CRL_sign(crl.get(), issuer_key, EVP_sha256()) > 0, "CRL sign");
  }
  detail::BioPtr bio(BIO_new(BIO_s_mem()));
  require(bio && PEM_write_bio_X509_CRL(bio.get(), crl.get()) == 1, "CRL PEM write");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  require(RAND_bytes(out.data(), static_cast<int>(n)) == 1, "RAND_bytes");
  return out;
}

}  // namespace cabridge::verify::test
