// Reads the X.509 certificates on a token straight through the module's
// function table, as the token stores them.
//
// libp11's PKCS11_enumerate_certs decodes every certificate with d2i_X509,
// which in OpenSSL 3 dominates the cost of listing (and of finding the one
// certificate to sign with); cabridge only needs the bytes, the CKA_ID and the
// label, and the host parses the certificate it shows anyway.
#pragma once

#include <cabridge/support/pkcs11_module.h>
#include <cabridge/support/pkcs11_session.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cabridge {

struct TokenCertificate {
    std::vector<std::uint8_t> der; // CKA_VALUE, byte for byte
    std::vector<std::uint8_t> id;  // CKA_ID, may be empty
    std::string label;             // CKA_LABEL, trimmed
};

// The CKC_X_509 certificate objects on the token in `slotId`, in the order
// the module finds them. Opens (and always closes) its own read-only session,
// so a login on the token is neither needed nor disturbed.
// Throws PluginFailure with the module's CKR mapped to a cabridge_status
// (e.g. CKR_DEVICE_REMOVED -> token removed) when a call fails.
std::vector<TokenCertificate> readTokenCertificates(const Pkcs11Module &module, unsigned long slotId);

// Whether the token of `session` holds a CKC_X_509 certificate object with CKA_ID
// `id` whose CKA_VALUE hashes (SHA-256) to `sha256`. Searches by class and id, so
// only the matching objects are read; needs no login.
// Throws PluginFailure like readTokenCertificates when a call fails.
bool sessionSeesCertificate(const Pkcs11Session &session, std::span<const std::uint8_t> id,
                            std::span<const std::uint8_t, 32> sha256);

// The reference the plugin hands out for a certificate: lower-case hex CKA_ID,
// or "label:" and the trimmed label for a certificate without an id (which has
// no private key PKCS#11 can tie to it, so it can be listed but not sign).
// The prefix keeps the two forms apart: sign() takes a hex reference as the
// CKA_ID of the key to use without reading any certificate.
inline constexpr std::string_view kLabelRefPrefix = "label:";
std::string certificateRefOf(const TokenCertificate &certificate);

} // namespace cabridge
