#include "skf_key_enrollment.h"

#include "sar_status.h"

#include <cabridge/common/encoding.h>
#include <cabridge/common/openssl_ptr.h>
#include <cabridge/common/sm2.h>
#include <cabridge/skf.h>
#include <cabridge/support/plugin_failure.h>
#include <cabridge/support/public_key_info.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>

namespace cabridge::skf {
namespace {

constexpr std::string_view kContainerPrefix = "cabridge-";
constexpr std::size_t kMaxCertificateBytes = std::size_t{64} * 1024;

[[noreturn]] void noKey(std::string_view keyId, const std::string &why) {
    throw PluginFailure(CABRIDGE_ERR_CERTIFICATE_NOT_FOUND,
                        "skf: key " + std::string(keyId.substr(0, 64)) + ": " + why);
}

std::string eccSpki(const EccPublicKey &key) {
    // 04 || X || Y, each the last 32 bytes of its 64-byte field (SM2 is 256 bits).
    std::vector<std::uint8_t> point{0x04};
    point.insert(point.end(), key.x.end() - 32, key.x.end());
    point.insert(point.end(), key.y.end() - 32, key.y.end());
    auto spki = ecPublicKeyInfo("SM2", point);
    if (key.bitLength != 256 || !spki)
        throw PluginFailure(CABRIDGE_ERR_DEVICE, "skf: the device gave an ECC public key that is not SM2");
    return *spki;
}

std::string rsaSpki(const RsaPublicKey &key) {
    const std::size_t bytes = static_cast<std::size_t>(key.bitLength / 8);
    if (bytes == 0 || bytes > key.modulus.size())
        throw PluginFailure(CABRIDGE_ERR_DEVICE, "skf: the device gave an RSA public key of impossible size");
    auto spki = rsaPublicKeyInfo(std::span(key.modulus).last(bytes), key.exponent);
    if (!spki)
        throw PluginFailure(CABRIDGE_ERR_DEVICE, "skf: the device gave an RSA public key OpenSSL refuses");
    return *spki;
}

EvpPkeyPtr publicKeyFromSpki(const std::string &spki) {
    const auto der = base64Decode(spki);
    const unsigned char *p = der ? der->data() : nullptr;
    EvpPkeyPtr key(der ? d2i_PUBKEY(nullptr, &p, static_cast<long>(der->size())) : nullptr);
    ERR_clear_error();
    if (!key)
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "skf: cannot read the container's public key");
    return key;
}

std::string freshContainerName() {
    std::array<std::uint8_t, 8> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "skf: no random bytes for a container name");
    return std::string(kContainerPrefix) + hexEncode(random);
}

} // namespace

SigningContainer SkfKeyEnrollment::openKeyContainer(OpenToken &token, std::string_view keyId) {
    const std::string name(keyId);
    const auto names = tokens_.containerNames(token.application);
    if (std::find(names.begin(), names.end(), name) == names.end())
        noKey(keyId, "no such container");
    SigningContainer out;
    Handle container = nullptr;
    throwUnlessOk(library_.openContainer(token.application.get(), name.c_str(), &container), "SKF_OpenContainer");
    out.handle = ContainerHandle(library_, container);
    throwUnlessOk(library_.getContainerType(out.handle.get(), &out.type), "SKF_GetContainerType");
    if (out.type != SKF_CONTAINER_RSA && out.type != SKF_CONTAINER_ECC)
        noKey(keyId, "the container holds no key");
    return out;
}

std::pair<std::string, std::string> SkfKeyEnrollment::publicKeyOf(SigningContainer &container) {
    if (container.type == SKF_CONTAINER_ECC) {
        EccPublicKey key;
        throwUnlessOk(library_.exportEccPublicKey(container.handle.get(), true, &key), "SKF_ExportPublicKey");
        return {eccSpki(key), "SM2"};
    }
    RsaPublicKey key;
    throwUnlessOk(library_.exportRsaPublicKey(container.handle.get(), true, &key), "SKF_ExportPublicKey");
    std::string spki = rsaSpki(key);
    return {spki, rsaPublicKeyBits(spki) == 2048 ? "RSA-2048" : "other"};
}

bool SkfKeyEnrollment::hasSigningCertificate(SigningContainer &container) {
    std::size_t size = 0;
    const std::uint32_t rv = library_.exportCertificate(container.handle.get(), true, nullptr, &size);
    if (rv == SAR_CERTNOTFOUNTERR)
        return false;
    throwUnlessOk(rv, "SKF_ExportCertificate");
    return size > 0;
}

nlohmann::json SkfKeyEnrollment::generateKey(OpenToken &token, std::string_view keyType) {
    const bool sm2Key = keyType == "SM2";
    if (!sm2Key && keyType != "RSA-2048")
        throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED,
                            "skf: SKF keys are SM2 or RSA-2048, not " + std::string(keyType.substr(0, 16)));
    const std::string name = freshContainerName();
    Handle raw = nullptr;
    throwUnlessOk(library_.createContainer(token.application.get(), name.c_str(), &raw), "SKF_CreateContainer");
    ContainerHandle container(library_, raw);
    std::string spki;
    try {
        if (sm2Key) {
            EccPublicKey key;
            throwUnlessOk(library_.genEccKeyPair(container.get(), sm2SignatureAlgId(config_.algorithmIds), &key),
                          "SKF_GenECCKeyPair");
            spki = eccSpki(key);
        } else {
            RsaPublicKey key;
            throwUnlessOk(library_.genRsaKeyPair(container.get(), 2048, &key), "SKF_GenRSAKeyPair");
            spki = rsaSpki(key);
        }
    } catch (const PluginFailure &) {
        // No key: the empty container would only be clutter.
        container.reset();
        static_cast<void>(library_.deleteContainer(token.application.get(), name.c_str()));
        throw;
    }
    return {{"keyId", name}, {"keyType", std::string(keyType)}, {"publicKey", spki}};
}

std::vector<std::uint8_t> SkfKeyEnrollment::signWithKey(OpenToken &token, std::string_view keyId,
                                                        std::string_view algorithm,
                                                        std::span<const std::uint8_t> data) {
    SigningContainer container = openKeyContainer(token, keyId);
    if (algorithm == "SM2-SM3") {
        if (container.type != SKF_CONTAINER_ECC)
            throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, "skf: SM2-SM3 needs an SM2 key");
        const EvpPkeyPtr key = publicKeyFromSpki(publicKeyOf(container).first);
        return tokens_.signSm2Digest(container.handle, sm2::computeE(key.get(), data, config_.signerId));
    }
    if (algorithm != "RS256")
        throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, "skf: a new key signs SM2-SM3 or RS256");
    if (container.type != SKF_CONTAINER_RSA)
        throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, "skf: RS256 needs an RSA key");
    return tokens_.signRs256(container.handle, data);
}

nlohmann::json SkfKeyEnrollment::installCertificate(OpenToken &token, std::string_view keyId,
                                                    std::span<const std::uint8_t> der,
                                                    std::optional<std::string_view> replaceRef) {
    SigningContainer container = openKeyContainer(token, keyId);
    if (hasSigningCertificate(container)) {
        std::size_t size = kMaxCertificateBytes;
        std::vector<std::uint8_t> stored(size);
        throwUnlessOk(library_.exportCertificate(container.handle.get(), true, stored.data(), &size),
                      "SKF_ExportCertificate");
        stored.resize(std::min(size, stored.size()));
        if (!std::equal(stored.begin(), stored.end(), der.begin(), der.end()))
            throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, "skf: the key has another certificate already");
    } else {
        throwUnlessOk(library_.importCertificate(container.handle.get(), true, der.data(), der.size()),
                      "SKF_ImportCertificate");
    }
    container.handle.reset();
    // Only once the new one is stored: SKF removes a certificate with its whole container.
    if (replaceRef && !replaceRef->empty() && *replaceRef != keyId) {
        const std::string old(*replaceRef);
        const auto names = tokens_.containerNames(token.application);
        if (std::find(names.begin(), names.end(), old) != names.end())
            throwUnlessOk(library_.deleteContainer(token.application.get(), old.c_str()), "SKF_DeleteContainer");
    }
    return {{"ref", std::string(keyId)}};
}

nlohmann::json SkfKeyEnrollment::listKeys(OpenToken &token) {
    nlohmann::json keys = nlohmann::json::array();
    for (const std::string &name : tokens_.containerNames(token.application)) {
        try {
            SigningContainer container = openKeyContainer(token, name);
            auto [spki, type] = publicKeyOf(container);
            keys.push_back({{"keyId", name},
                            {"keyType", type},
                            {"publicKey", spki},
                            {"hasCertificate", hasSigningCertificate(container)}});
        } catch (const PluginFailure &e) {
            if (e.status() != CABRIDGE_ERR_CERTIFICATE_NOT_FOUND)
                throw;
            // An empty container holds no key pair.
        }
    }
    return keys;
}

void SkfKeyEnrollment::deleteKey(OpenToken &token, std::string_view keyId) {
    {
        SigningContainer container = openKeyContainer(token, keyId);
        if (hasSigningCertificate(container))
            throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, "skf: the key has a certificate; only orphans are removed");
    }
    const std::string name(keyId);
    throwUnlessOk(library_.deleteContainer(token.application.get(), name.c_str()), "SKF_DeleteContainer");
}

} // namespace cabridge::skf
