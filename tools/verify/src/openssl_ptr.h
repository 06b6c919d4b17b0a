// unique_ptr aliases that free OpenSSL objects with the right call: cabridge_common's, plus the
// ones only the verifier needs (CRLs, stores, BIGNUMs...), built on cabridge_common's deleter.
#pragma once

#include <memory>

#include <cabridge/common/openssl_ptr.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace cabridge::verify::detail {

using ::cabridge::Asn1ObjectPtr;
using ::cabridge::Asn1TypePtr;
using ::cabridge::EvpMdCtxPtr;
using ::cabridge::EvpPkeyPtr;
using ::cabridge::OpenSslDeleter;
using ::cabridge::X509Ptr;

struct X509StackDeleter {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};

using X509CrlPtr = std::unique_ptr<X509_CRL, OpenSslDeleter<&X509_CRL_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<&EVP_PKEY_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<&BIO_free_all>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<&X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<&X509_STORE_CTX_free>>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;
using Asn1OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, OpenSslDeleter<&ASN1_OCTET_STRING_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<&BN_free>>;

// OPENSSL_free is a macro, so it gets a function of its own.
inline void free_openssl_buffer(unsigned char* p) noexcept { OPENSSL_free(p); }
using OpenSslBytesPtr = std::unique_ptr<unsigned char, OpenSslDeleter<&free_openssl_buffer>>;

}  // namespace cabridge::verify::detail
