// The PKCS#11 side of enrolment (plugin.h generate_key, install_certificate, list_keys,
// delete_key): key pairs made on the token, a certificate stored next to its key, orphans
// found and removed. Each works in a session the caller opened (read-write and logged in as
// user where it changes the token) and never logs in itself.
//
// A key pair is a CKO_PUBLIC_KEY (public: listing needs no PIN) and a CKO_PRIVATE_KEY
// (CKA_PRIVATE, CKA_SENSITIVE, not CKA_EXTRACTABLE) sharing a fresh random CKA_ID of 20
// bytes; its key id is that CKA_ID in lower-case hex, which is also the reference
// list_tokens gives the certificate installed for it (pkcs11_certificate_reader.h).
#pragma once

#include <cabridge/support/pkcs11_session.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cabridge {

// generate_key's JSON ({keyId, keyType, publicKey}) for a new key pair of `keyType`:
// "RSA-2048" (CKM_RSA_PKCS_KEY_PAIR_GEN, e = 65537) or "P-256" (CKM_EC_KEY_PAIR_GEN).
// "SM2": UNSUPPORTED, as any other type: no PKCS#11 version numbers an SM2 key pair mechanism,
// and the vendor SM2 description (pkcs11_sm2_mechanism.h) names only how to sign. Throws
// PluginFailure with the module's CKR mapped to a status (CKR_MECHANISM_INVALID: UNSUPPORTED).
nlohmann::json generateTokenKeyPair(const Pkcs11Session &session, std::string_view keyType);

// Stores `der` as a CKO_CERTIFICATE (CKC_X_509, public, token object) with CKA_ID `keyId` and
// the certificate's subject, issuer and serial number. CERTIFICATE_NOT_FOUND when no private
// key has that CKA_ID; the same certificate already there is kept (the call is repeatable);
// another certificate already there for the key is UNSUPPORTED. With `replaceRef` (a reference
// list_tokens wrote, hex CKA_ID or "label:..."), the certificates under it are destroyed once
// the new one is stored. Returns the new certificate's reference.
std::string storeCertificateForKey(const Pkcs11Session &session, std::string_view keyId,
                                   std::span<const std::uint8_t> der, const char *replaceRef);

// list_keys's array: one entry per CKO_PUBLIC_KEY with a CKA_ID, {keyId, keyType, publicKey
// (base64 DER SubjectPublicKeyInfo, when the type is one cabridge knows), hasCertificate}.
nlohmann::json listTokenKeyPairs(const Pkcs11Session &session);

// Destroys the key pair `keyId` (private and public key objects). CERTIFICATE_NOT_FOUND when
// no key has that CKA_ID; UNSUPPORTED, touching nothing, when a certificate has it.
void destroyOrphanKeyPair(const Pkcs11Session &session, std::string_view keyId);

} // namespace cabridge
