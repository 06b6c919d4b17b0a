// The PKCS#10 certification request of generate-key (docs/protocol.md): the host builds the
// CertificationRequestInfo (subject, the new key's public key, no attributes), the token signs
// its DER with the new key (plugin.h sign_with_key), and the host puts the two together and
// checks that the result verifies with that public key before anyone sees it.
#pragma once

#include "distinguished_name.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

typedef struct X509_req_st X509_REQ;  // NOLINT(modernize-use-using): OpenSSL's own declaration

namespace cabridge {

// The signature algorithm (plugin.h sign names) for a key type of generate-key: "RS256" for
// "RSA-2048", "ES256" for "P-256", "SM2-SM3" for "SM2"; empty for anything else.
std::string requestSignatureAlgorithm(std::string_view keyType);

class CertificationRequestDraft {
public:
    // A request for `subject` and the public key `publicKeyDer` (DER SubjectPublicKeyInfo) of
    // type `keyType`. Throws HostError PLUGIN_ERROR when the public key does not parse or is not
    // of `keyType` (RSA of 2048 bits, EC on P-256, EC on the SM2 curve): the plugin wrote it.
    CertificationRequestDraft(const X509_NAME& subject, std::span<const std::uint8_t> publicKeyDer,
                              std::string_view keyType);
    ~CertificationRequestDraft();
    CertificationRequestDraft(const CertificationRequestDraft&) = delete;
    CertificationRequestDraft& operator=(const CertificationRequestDraft&) = delete;
    CertificationRequestDraft(CertificationRequestDraft&&) = delete;
    CertificationRequestDraft& operator=(CertificationRequestDraft&&) = delete;

    // What the key signs: the DER of the CertificationRequestInfo.
    const std::vector<std::uint8_t>& toBeSigned() const noexcept { return toBeSigned_; }
    // The plugin.h algorithm name the key signs with (requestSignatureAlgorithm).
    const std::string& algorithm() const noexcept { return algorithm_; }

    // The DER CertificationRequest with `signature` (RSA: the PKCS#1 v1.5 signature; ECDSA and
    // SM2: DER ECDSA-Sig-Value). Throws HostError PLUGIN_ERROR when it does not verify with the
    // public key (SM2: signer ID 1234567812345678).
    std::vector<std::uint8_t> complete(std::span<const std::uint8_t> signature);

private:
    struct ReqDeleter {
        void operator()(X509_REQ* req) const noexcept;
    };
    std::unique_ptr<X509_REQ, ReqDeleter> req_;
    std::string algorithm_;
    std::vector<std::uint8_t> toBeSigned_;
};

// Whether the DER request `der` verifies with its own public key (SM2 with the signer ID
// 1234567812345678), as `openssl req -verify` checks it. For tests and the admin tool.
bool certificationRequestVerifies(std::span<const std::uint8_t> der);

}  // namespace cabridge
