// Chinese identity fields in a certificate (unified social credit code, resident ID number,
// HeBCA's unique id), read by cabridge_common exactly as the plugins read them, in the
// verifier's types.
#pragma once

#include <openssl/x509.h>

#include "cabridge/verify.h"

namespace cabridge::verify::detail {

// See cabridge/common/identity.h for where each field is looked for. usc_valid is set iff a
// credit code was found.
CertificateIdentity extract_identity(const X509* cert);

}  // namespace cabridge::verify::detail
