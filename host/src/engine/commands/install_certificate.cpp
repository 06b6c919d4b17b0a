// `install-certificate`: stores the certificate a CA issued for a key made by generate-key next
// to that key (docs/protocol.md), optionally replacing the certificate it renews.
//
// Order of checks: the PIN leaves the JSON -> arguments (the certificate parses; `replace`
// needs `certificateId`) -> origin is a CA enrolment site -> the token: the one holding
// `certificateId`, or the only token of a vendor the origin enrols for that holds `keyId`
// -> origin enrols for its vendor -> the plugin enrols -> PIN fits the vendor's rules -> the key
// is on that token (list_keys, no PIN) -> the certificate's public key is the key's -> it chains
// to one of the vendor's enrolment CAs -> install_certificate.
#include "command_context.h"
#include "enrollment_command.h"
#include "enrollment_trust.h"
#include "pin_command.h"

#include "cert_info.h"

#include "logger.h"
#include "wire_error_for_plugin.h"

#include <cabridge/common/encoding.h>

namespace cabridge {
namespace {

// Where the key is: a plugin, a token and the key's list_keys entry. Implicit move constructor:
// see CertificateFacts (clang-tidy 14 false positive).
// NOLINTNEXTLINE(bugprone-exception-escape)
struct KeyPlace {
    LoadedPlugin* plugin = nullptr;
    std::string tokenRef;
    std::string tokenSerial;
    nlohmann::json key;
};

std::optional<nlohmann::json> keyOnToken(LoadedPlugin& plugin, const std::string& tokenRef, const std::string& keyId)
{
    for (auto& key : enrollmentKeysOf(plugin, tokenRef)) {
        if (key["keyId"] == keyId) {
            return key;
        }
    }
    return std::nullopt;
}

// Without certificateId: every token of every vendor the origin enrols for is asked; exactly
// one may hold the key.
KeyPlace findKeyOnAnyToken(CommandContext& context, const std::string& keyId, const std::string& origin)
{
    std::vector<KeyPlace> found;
    for (const auto& plugin : context.registry.plugins()) {
        if (!plugin->ok() || plugin->stuck() || !plugin->enrols() ||
            !context.policy.enrollAllowedFor(plugin->id(), origin)) {
            continue;
        }
        nlohmann::json tokens;
        try {
            tokens = plugin->listTokens();
        } catch (const PluginCallFailure& e) {
            Logger::warn(plugin->id() + ": list_tokens failed while looking for key " + keyId + ": " + e.what());
            continue;
        }
        for (const auto& token : tokens) {
            if (!token.is_object() || !token.contains("ref") || !token["ref"].is_string()) {
                continue;
            }
            const std::string tokenRef = token["ref"].get<std::string>();
            if (auto key = keyOnToken(*plugin, tokenRef, keyId)) {
                found.push_back({plugin.get(), tokenRef, token.value("serial", ""), std::move(*key)});
            }
        }
    }
    if (found.empty()) {
        throw HostError(ErrorCode::CertificateNotFound, "no token holds key " + keyId, {{"key", "keyId"}});
    }
    if (found.size() > 1) {
        throw HostError(ErrorCode::InvalidArgument, "several tokens hold key " + keyId + "; name one by certificateId",
                        {{"key", "certificateId"}, {"reason", "ambiguous"}});
    }
    return std::move(found.front());
}

}  // namespace

nlohmann::json runInstallCertificate(CommandContext& context, Request& request)
{
    EnrollmentStep step("install-certificate", request.origin);
    return step.run([&]() -> nlohmann::json {
        auto pin = takeEnrollmentPin(request.arguments);
        auto& arguments = request.arguments;
        requireOnlyKeys(arguments, {"keyId", "certificate", "certificateId", "replace"});
        const auto keyId = requiredKeyIdArgument(arguments);
        step.setKeyId(keyId);
        const auto der = base64Decode(requiredStringArgument(arguments, "certificate"));
        if (!der) {
            throw HostError(ErrorCode::InvalidArgument, "certificate must be base64 DER",
                            {{"key", "certificate"}, {"check", "parse"}});
        }
        const X509Ptr certificate = parseIssuedCertificate(*der);
        const auto namedCertificate = optionalStringArgument(arguments, "certificateId");
        bool replace = false;
        if (arguments.contains("replace")) {
            if (!arguments["replace"].is_boolean()) {
                throw HostError(ErrorCode::InvalidArgument, "replace must be true or false", {{"key", "replace"}});
            }
            replace = arguments["replace"].get<bool>();
        }
        if (replace && !namedCertificate) {
            throw HostError(ErrorCode::InvalidArgument, "replace names the certificate to replace by certificateId",
                            {{"key", "certificateId"}});
        }

        requireEnrollmentOrigin(context, request.origin);
        KeyPlace place;
        std::string replaceRef;
        if (namedCertificate) {
            const CertificateEntry entry = findCertificateForEnrollment(context, *namedCertificate, request.origin,
                                                                        "install-certificate");
            place = {entry.plugin, entry.tokenRef, entry.tokenSerial, nullptr};
            if (replace) {
                replaceRef = entry.certRef;
            }
        } else {
            place = findKeyOnAnyToken(context, keyId, request.origin);
        }
        LoadedPlugin& plugin = *place.plugin;
        step.setVendor(plugin.id());
        step.setToken(place.tokenSerial);
        requirePinFitsRules(plugin, *pin, "pin");
        if (place.key.is_null()) {
            auto key = keyOnToken(plugin, place.tokenRef, keyId);
            if (!key) {
                throw HostError(ErrorCode::CertificateNotFound, "no key " + keyId + " on the token",
                                {{"key", "keyId"}});
            }
            place.key = std::move(*key);
        }
        const auto spki = base64Decode(place.key["publicKey"].get<std::string>());
        if (!spki || spki->empty()) {
            throw HostError(ErrorCode::PluginError, plugin.id() + ": list_keys gave no public key for " + keyId);
        }
        requireCertificateForKey(certificate.get(), *spki);
        requireChainsToEnrollmentCa(plugin.id(), plugin.enrollCAs(), certificate.get(), context.now);

        std::string ref;
        try {
            ref = plugin.installCertificate(place.tokenRef, keyId, *der, replaceRef, *pin);
        } catch (const PluginCallFailure& e) {
            throw toHostError(e, plugin);
        }
        pin.reset();
        // The new certificate's CertInfo.id, as list-certificates will show it (cert_info.h).
        return {{"certificateId", certificateId(plugin.id(), place.tokenSerial, certificateSha256Hex(*der))}};
    });
}

}  // namespace cabridge
