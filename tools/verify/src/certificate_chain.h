// Chain building and checking against the caller's trust anchors.
#pragma once

#include <ctime>

#include <openssl/x509.h>

#include "cabridge/verify.h"

namespace cabridge::verify::detail {

// A certificate signed with SM2-with-SM3 needs the signer id set on it before OpenSSL can
// check its signature (OpenSSL 3's default id is empty). No-op for other certificates.
void set_sm2_signer_id_if_needed(X509* cert);

// Throws VerifyError(ChainUntrusted) unless `leaf` chains, through `intermediates` if needed,
// to a certificate in `trusted`, every certificate in the chain valid at `at`. Any certificate
// in `trusted` is an anchor (also an intermediate CA). Purpose is not checked here.
// With `crls` (may be empty), `leaf` must also pass OpenSSL's CRL check at `at`: revoked ->
// VerifyError(CertificateRevoked); no current, validly signed CRL of its issuer -> ChainUntrusted.
void require_trusted_chain(X509* leaf, const CertificateSet* trusted, const CertificateSet* intermediates,
                           const CrlSet* crls, std::time_t at);

}  // namespace cabridge::verify::detail
