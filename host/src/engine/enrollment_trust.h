// The checks install-certificate makes on a certificate a CA issued before it goes on a token
// (docs/protocol.md): it is a certificate, its public key is the key's, and it chains to a CA
// the vendor trusts for enrolment (describe "enrollCAs", docs/plugins.md).
#pragma once

#include <cabridge/common/openssl_ptr.h>

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cabridge {

// The certificate in `der` (exactly one DER X.509 certificate of at most 32 KiB), or
// INVALID_ARGUMENT (details.key "certificate", details.check "parse").
X509Ptr parseIssuedCertificate(std::span<const std::uint8_t> der);

// INVALID_ARGUMENT (details.check "publicKey") unless the certificate's public key is the key
// whose DER SubjectPublicKeyInfo is `keySpki`.
void requireCertificateForKey(X509* certificate, std::span<const std::uint8_t> keySpki);

// INVALID_ARGUMENT (details.check "chain", details.reason) unless the certificate chains, at
// `now`, to one of the vendor's enrolment CAs (an anchor may be an intermediate CA: the chain
// may end at any of them). Entries of enrollCAs that cannot be read are logged and skipped; a
// vendor without a usable one trusts nothing, so every certificate is refused.
// `vendor` (a plugin id) names the vendor in messages; `enrollCAs` is its describe "enrollCAs".
void requireChainsToEnrollmentCa(const std::string& vendor, const std::vector<std::string>& enrollCAs,
                                 X509* certificate, std::chrono::system_clock::time_point now);

}  // namespace cabridge
