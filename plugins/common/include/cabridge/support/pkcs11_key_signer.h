// Signing with a token's private key straight through the module's function
// table: one search for the key by CKA_ID, one attribute read, C_SignInit and
// C_Sign. The digest is made here and the token signs it with the mechanisms
// every PKCS#11 key has (CKM_RSA_PKCS over a DigestInfo, CKM_ECDSA over the
// hash), as libp11 and OpenSSL would have asked it to.
#pragma once

#include <cabridge/support/pkcs11_session.h>
#include <cabridge/support/pkcs11_sm2_mechanism.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace cabridge {

// Signature algorithms of plugin.h's sign().
enum class SignatureAlgorithm { RS256, RS1, ES256, ES384, SM2_SM3 };

// Parses "RS256"/"RS1"/"ES256"/"ES384"/"SM2-SM3"; throws PluginFailure(UNSUPPORTED) otherwise.
SignatureAlgorithm parseSignatureAlgorithm(std::string_view name);

// Signs `data` as plugin.h's sign() promises (RSASSA-PKCS1-v1_5, or ECDSA with
// the signature DER-encoded) with the private key whose CKA_ID is `keyId`, in a
// session whose application is logged in. Throws PluginFailure:
// CERTIFICATE_NOT_FOUND when no private key has that CKA_ID, UNSUPPORTED when
// the algorithm does not fit the key (RSA for RS256 and RS1, P-256 for ES256, P-384 for
// ES384; the token is not asked to sign then), the module's CKR mapped to a
// status when a call fails. SM2-SM3 signs as `sm2` says the vendor's module
// does (pkcs11_sm2_signer.h); UNSUPPORTED without it.
std::vector<std::uint8_t> signWithTokenKey(const Pkcs11Session &session, std::span<const std::uint8_t> keyId,
                                           SignatureAlgorithm algorithm, std::span<const std::uint8_t> data,
                                           const std::optional<Sm2Mechanism> &sm2 = std::nullopt);

} // namespace cabridge
