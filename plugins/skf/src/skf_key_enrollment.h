// The SKF side of enrolment (plugin.h generate_key .. delete_key): a renewal's key pair lives
// in a container of its own ("cabridge-" and 16 random hex digits; the key id is the container
// name), made with SKF_CreateContainer and SKF_GenECCKeyPair (SM2) / SKF_GenRSAKeyPair
// (RSA-2048), its certificate stored with SKF_ImportCertificate, and an orphan removed with
// SKF_DeleteContainer. SKF has no call that removes a certificate alone, so replacing a
// certificate deletes its container, key included. SKF ECC keys are SM2: P-256 is UNSUPPORTED.
// Every call works on a token the caller opened and logged in (SkfTokenService::verifyUserPin),
// except listKeys, which needs no PIN.
#pragma once

#include "skf_config.h"
#include "skf_library.h"
#include "skf_token_service.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cabridge::skf {

class SkfKeyEnrollment {
public:
    SkfKeyEnrollment(SkfLibrary &library, SkfTokenService &tokens, const SkfConfig &config)
        : library_(library), tokens_(tokens), config_(config) {}

    // generate_key's {keyId, keyType, publicKey}. A container made for a key the device then
    // refuses to generate is deleted again.
    nlohmann::json generateKey(OpenToken &token, std::string_view keyType);
    // sign_with_key: "SM2-SM3" (e = SM3(Z || data) with the container's own public key) or
    // "RS256"; CERTIFICATE_NOT_FOUND when no such container holds a key.
    std::vector<std::uint8_t> signWithKey(OpenToken &token, std::string_view keyId, std::string_view algorithm,
                                          std::span<const std::uint8_t> data);
    // install_certificate's {"ref"}: the container name.
    nlohmann::json installCertificate(OpenToken &token, std::string_view keyId, std::span<const std::uint8_t> der,
                                      std::optional<std::string_view> replaceRef);
    nlohmann::json listKeys(OpenToken &token);
    void deleteKey(OpenToken &token, std::string_view keyId);

private:
    // The container `keyId` opened, with its type; CERTIFICATE_NOT_FOUND when it is not there
    // or holds no key.
    SigningContainer openKeyContainer(OpenToken &token, std::string_view keyId);
    // Base64 DER SubjectPublicKeyInfo of the container's signing key, and its type name.
    std::pair<std::string, std::string> publicKeyOf(SigningContainer &container);
    bool hasSigningCertificate(SigningContainer &container);

    SkfLibrary &library_;
    SkfTokenService &tokens_;
    const SkfConfig &config_;
};

} // namespace cabridge::skf
