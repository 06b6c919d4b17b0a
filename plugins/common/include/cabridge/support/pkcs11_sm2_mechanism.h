// How a vendor's PKCS#11 module signs with SM2. No PKCS#11 version defines SM2, so every
// vendor numbers its key type and mechanisms itself, and they differ in what the mechanism
// takes (the message, hashed with Z on the token, or the caller's e = SM3(Z || M)) and in
// what it returns (raw r || s or DER). A descriptor states all of it (docs/plugins.md, "sm2").
#pragma once

#include <p11-kit/pkcs11.h>

#include <nlohmann/json.hpp>

#include <string_view>

namespace cabridge {

struct Sm2Mechanism {
    // What the mechanism is given.
    enum class Input {
        Message, // the message: the token computes Z (signer ID 1234567812345678) and SM3
        Digest,  // e = SM3(Z || M), 32 bytes, computed by the caller; the token signs it as is
    };
    enum class Encoding { Raw, Der }; // r || s (32 + 32 bytes), or DER SEQUENCE {r, s}

    CK_KEY_TYPE keyType = CKK_VENDOR_DEFINED; // CKA_KEY_TYPE of the SM2 private keys;
                                              // CKK_EC: an EC key whose CKA_EC_PARAMS name the SM2 curve
    CK_MECHANISM_TYPE mechanism = CKM_VENDOR_DEFINED;
    Input input = Input::Digest;
    // The mechanism takes the signer ID as its parameter (vendors' "SM3 with SM2, with ID").
    bool signerIdParameter = false;
    Encoding encoding = Encoding::Raw;
};

// Parses a descriptor's "sm2" object:
//   {"keyType": N, "mechanism": N, "style": "message"|"digest",
//    "signerIdParameter": bool?, "signature": "raw"|"der"}
// N a JSON integer or a string "0x..." / decimal; keyType also "CKK_EC". Every key but
// signerIdParameter is required (no vendor default exists). Throws
// PluginFailure(CABRIDGE_ERR_INVALID_CONFIG) whose message starts with `context` and names the key.
Sm2Mechanism parseSm2Mechanism(const nlohmann::json &value, std::string_view context);

} // namespace cabridge
