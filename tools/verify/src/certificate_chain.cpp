#include "certificate_chain.h"

#include <string>

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

  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted_certs.get()) != 1) throw std::bad_alloc();
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
