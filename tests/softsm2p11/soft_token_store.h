// The tokens libcabridge-softsm2p11 shows, read once from the JSON file named by
// CABRIDGE_SOFTSM2P11_CONFIG (README.md in this folder), and the vendor numbering they speak.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace softsm2p11 {

struct PkeyFree {
    void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// The vendor's numbers: a real SM2 module defines its own (none is standard).
struct VendorNumbering {
    unsigned long keyType = 0;                   // CKA_KEY_TYPE of the SM2 private keys
    std::optional<unsigned long> message;        // signs a message: Z and SM3 on the token, ID 1234567812345678
    std::optional<unsigned long> messageWithId;  // the same, the signer ID as the mechanism parameter
    std::optional<unsigned long> digest;         // signs a caller-computed 32-byte e, nothing hashed again
    bool derSignature = false;                   // signatures as DER SEQUENCE{r, s}; raw r || s otherwise
};

// One certificate and its SM2 private key, both under the same CKA_ID.
struct KeyPair {
    std::vector<std::uint8_t> id;
    std::string label;
    std::vector<std::uint8_t> certificateDer;
    PkeyPtr key;  // SM2 private key
};

struct SoftToken {
    std::string label;
    std::string serial;
    std::string pin;
    bool pinToBeChanged = false;  // CKF_USER_PIN_TO_BE_CHANGED in C_GetTokenInfo
    std::vector<KeyPair> pairs;
};

struct SoftModuleConfig {
    std::string manufacturer;
    VendorNumbering numbering;
    std::vector<SoftToken> tokens;
};

// Reads and checks the file; throws std::runtime_error naming what is wrong.
SoftModuleConfig loadConfig(const std::string& path);

}  // namespace softsm2p11
