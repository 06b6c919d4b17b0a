// SM2 signing through a vendor's PKCS#11 function table, the way its descriptor says the
// module wants it (pkcs11_sm2_mechanism.h). libp11 knows no SM2 key, so this goes straight
// through C_SignInit / C_Sign like the rest of the login path.
#pragma once

#include <cabridge/support/pkcs11_session.h>
#include <cabridge/support/pkcs11_sm2_mechanism.h>

#include <cstdint>
#include <span>
#include <vector>

namespace cabridge {

// Signs `message` with SM2, SM3 and the signer ID 1234567812345678 (plugin.h's "SM2-SM3") with
// private key `key`, whose CKA_ID is `keyId`, in a logged-in session, and returns the signature
// as DER (SEQUENCE {r, s}) whatever the module returns. With Input::Digest the caller's e is
// computed here from the public key of the token's certificate with CKA_ID `keyId`.
// Throws PluginFailure: UNSUPPORTED when the key is not of the descriptor's SM2 key type (the
// token is not asked to sign then); CERTIFICATE_NOT_FOUND when Input::Digest finds no
// certificate for the key, PLUGIN when that certificate's key is not SM2 or the module's
// signature is malformed; the module's CKR mapped to a status when a call fails.
std::vector<std::uint8_t> signSm2WithTokenKey(const Pkcs11Session &session, CK_OBJECT_HANDLE key,
                                              std::span<const std::uint8_t> keyId, const Sm2Mechanism &sm2,
                                              std::span<const std::uint8_t> message);

} // namespace cabridge
