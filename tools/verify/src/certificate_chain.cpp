#include "certificate_chain.h"

#include <string>
#include <vector>

#include <openssl/err.h>
#include <openssl/objects.h>

#include "certificate_set_impl.h"
#include "openssl_ptr.h"
#include "signature_algorithm.h"
#include "verify_error.h"

namespace cabridge::verify::detail {
namespace {

[[noreturn]] void untrusted(const std::string& english) {
  throw VerifyError(ErrorCode::ChainUntrusted, english + " / 证书不是由受信任的 CA 签发");
}

// OpenSSL 3.0 checks a CRL's signature without a signer id, so an SM2 CRL signed as Chinese
// CAs sign (SM3, id 1234567812345678) fails its check. Such CRLs are checked here first, against
// the caller's certificates named as their issuer; the verify callback then lets OpenSSL's
// signature failure pass for exactly these CRL objects (every other check of the CRL stays).
bool sm2_crl_signed_by(X509_CRL* crl, X509* issuer) {
  EVP_PKEY* key = X509_get0_pubkey(issuer);
  const ASN1_BIT_STRING* signature = nullptr;
  const X509_ALGOR* algorithm = nullptr;
  X509_CRL_get0_signature(crl, &signature, &algorithm);
  unsigned char* tbs = nullptr;
  const int tbs_length = i2d_re_X509_CRL_tbs(crl, &tbs);
  OpenSslBytesPtr owned(tbs);
  EvpPkeyCtxPtr pctx(key != nullptr ? EVP_PKEY_CTX_new(key, nullptr) : nullptr);
  EvpMdCtxPtr mctx(EVP_MD_CTX_new());
  bool ok = tbs_length > 0 && signature != nullptr && pctx && mctx &&
            EVP_PKEY_CTX_set1_id(pctx.get(), kSm2SignerId.data(), static_cast<int>(kSm2SignerId.size())) == 1;
  if (ok) {
    EVP_MD_CTX_set_pkey_ctx(mctx.get(), pctx.get());
    ok = EVP_DigestVerifyInit(mctx.get(), nullptr, EVP_sm3(), nullptr, key) == 1 &&
         EVP_DigestVerify(mctx.get(), ASN1_STRING_get0_data(signature),
                          static_cast<std::size_t>(ASN1_STRING_length(signature)), tbs,
                          static_cast<std::size_t>(tbs_length)) == 1;
  }
  ERR_clear_error();
  return ok;
}

std::vector<const X509_CRL*> sm2_crls_checked_here(const CrlSet& crls, const CertificateSet* trusted,
                                                   const CertificateSet* intermediates) {
  std::vector<const X509_CRL*> checked;
  for (const auto& crl : crls.impl().crls) {
    if (X509_CRL_get_signature_nid(crl.get()) != NID_SM2_with_SM3) continue;
    bool signed_by_issuer = false;
    for (const CertificateSet* set : {trusted, intermediates}) {
      if (set == nullptr || set->size() == 0) continue;
      for (const auto& cert : set->impl().certificates)
        if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(cert.get())) == 0 &&
            sm2_crl_signed_by(crl.get(), cert.get()))
          signed_by_issuer = true;
    }
    if (signed_by_issuer) checked.push_back(crl.get());
  }
  return checked;
}

int accept_sm2_crls_checked_here(int ok, X509_STORE_CTX* ctx) {
  if (ok != 0 || X509_STORE_CTX_get_error(ctx) != X509_V_ERR_CRL_SIGNATURE_FAILURE) return ok;
  const auto* checked = static_cast<const std::vector<const X509_CRL*>*>(X509_STORE_CTX_get_app_data(ctx));
  const X509_CRL* crl = X509_STORE_CTX_get0_current_crl(ctx);
  if (checked == nullptr || crl == nullptr) return ok;
  for (const X509_CRL* good : *checked)
    if (good == crl) return 1;
  return ok;
}

}  // namespace

void set_sm2_signer_id_if_needed(X509* cert) {
  if (X509_get_signature_nid(cert) != NID_SM2_with_SM3) return;
  Asn1OctetStringPtr id(ASN1_OCTET_STRING_new());
  if (!id || ASN1_OCTET_STRING_set(id.get(), reinterpret_cast<const unsigned char*>(kSm2SignerId.data()),
                                   static_cast<int>(kSm2SignerId.size())) != 1)
    throw std::bad_alloc();
  X509_set0_distinguishing_id(cert, id.release());  // cert takes ownership
}

void require_trusted_chain(X509* leaf, const CertificateSet* trusted, const CertificateSet* intermediates,
                           const CrlSet* crls, std::time_t at) {
  if (trusted == nullptr || trusted->size() == 0) untrusted("no trusted CA certificate was given");

  X509StorePtr store(X509_STORE_new());
  X509StackPtr untrusted_certs(sk_X509_new_null());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !untrusted_certs || !ctx) throw std::bad_alloc();
  for (const auto& anchor : trusted->impl().certificates)
    if (X509_STORE_add_cert(store.get(), anchor.get()) != 1) ERR_clear_error();  // duplicates are harmless
  if (intermediates != nullptr && intermediates->size() > 0)
    for (const auto& cert : intermediates->impl().certificates) {
      if (sk_X509_push(untrusted_certs.get(), cert.get()) <= 0) throw std::bad_alloc();
      X509_up_ref(cert.get());  // the stack's deleter frees what it holds
    }

  std::vector<const X509_CRL*> sm2_crls;  // outlives the verification that reads it
  if (crls != nullptr && crls->size() > 0) sm2_crls = sm2_crls_checked_here(*crls, trusted, intermediates);
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted_certs.get()) != 1) throw std::bad_alloc();
  if (!sm2_crls.empty()) {
    X509_STORE_CTX_set_app_data(ctx.get(), &sm2_crls);
    X509_STORE_CTX_set_verify_cb(ctx.get(), accept_sm2_crls_checked_here);
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, at);
  // A portal may trust its CA's intermediate directly, without the root.
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  if (crls != nullptr) {
    if (crls->size() > 0)
      for (const auto& crl : crls->impl().crls)
        if (X509_STORE_add_crl(store.get(), crl.get()) != 1) ERR_clear_error();  // duplicates are harmless
    // The leaf only: a portal fetches its issuing CA's CRL; an intermediate's revocation is
    // the root's CRL, rarely published where a portal can fetch it.
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK);
  }

  const int verified = X509_verify_cert(ctx.get());
  const int error = X509_STORE_CTX_get_error(ctx.get());
  const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  ERR_clear_error();
  if (verified == 1) return;
  if (error == X509_V_ERR_CERT_REVOKED)
    throw VerifyError(ErrorCode::CertificateRevoked,
                      "certificate is revoked (on its CA's CRL) / 证书已被吊销，不能使用");
  untrusted(std::string("certificate chain check failed at depth ") + std::to_string(depth) + ": " +
            X509_verify_cert_error_string(error));
}

}  // namespace cabridge::verify::detail
