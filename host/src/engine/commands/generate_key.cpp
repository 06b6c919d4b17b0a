// `generate-key`: a new key pair on the token that holds a certificate, and a PKCS#10 request
// signed by it for the CA (docs/protocol.md; the CA's renewal, "老用户延期").
//
// Order of checks: the PIN leaves the JSON -> arguments (keyType known, subject parses) ->
// origin is a CA enrolment site -> certificate found live -> origin enrols for its vendor ->
// the plugin enrols -> PIN fits the vendor's rules -> generate_key -> the request is built
// here, signed by the new key (sign_with_key) and checked against its public key. A failure
// after the key was made names it (details.keyId): it stays on the token as an orphan that
// list-keys reports and remove-key removes.
#include "certification_request.h"
#include "command_context.h"
#include "distinguished_name.h"
#include "enrollment_command.h"
#include "pin_command.h"

#include "wire_error_for_plugin.h"

#include <cabridge/common/encoding.h>

namespace cabridge {
namespace {

// The key made, the request for it.
nlohmann::json requestForNewKey(LoadedPlugin& plugin, const CertificateEntry& entry, const nlohmann::json& key,
                                const std::string& keyType, const X509_NAME& subject, const SecretBuffer& pin)
{
    const std::string keyId = key["keyId"].get<std::string>();
    const auto publicKey = base64Decode(key["publicKey"].get<std::string>());
    if (!publicKey) {
        throw HostError(ErrorCode::PluginError, plugin.id() + ": generate_key wrote a public key that is not base64");
    }
    CertificationRequestDraft draft(subject, *publicKey, keyType);
    std::vector<std::uint8_t> signature;
    try {
        signature = plugin.signWithKey(entry.tokenRef, keyId, pin, draft.algorithm(), draft.toBeSigned());
    } catch (const PluginCallFailure& e) {
        throw toHostError(e, plugin);
    }
    return {{"csr", base64Encode(draft.complete(signature))}, {"keyId", keyId}};
}

}  // namespace

nlohmann::json runGenerateKey(CommandContext& context, Request& request)
{
    EnrollmentStep step("generate-key", request.origin);
    return step.run([&]() -> nlohmann::json {
        auto pin = takeEnrollmentPin(request.arguments);
        requireOnlyKeys(request.arguments, {"certificateId", "keyType", "subject"});
        const auto certificateId = requiredStringArgument(request.arguments, "certificateId");
        const auto keyType = requiredStringArgument(request.arguments, "keyType");
        const auto subjectText = requiredStringArgument(request.arguments, "subject");
        if (requestSignatureAlgorithm(keyType).empty()) {
            throw HostError(ErrorCode::InvalidArgument, "keyType must be RSA-2048, P-256 or SM2", {{"key", "keyType"}});
        }
        const X509NamePtr subject = parseDistinguishedName(subjectText);

        requireEnrollmentOrigin(context, request.origin);
        const CertificateEntry entry = findCertificateForEnrollment(context, certificateId, request.origin,
                                                                    "generate-key");
        LoadedPlugin& plugin = *entry.plugin;
        step.setVendor(plugin.id());
        step.setToken(entry.tokenSerial);
        requirePinFitsRules(plugin, *pin, "pin");

        nlohmann::json key;
        try {
            key = plugin.generateKey(entry.tokenRef, keyType, *pin);
        } catch (const PluginCallFailure& e) {
            throw toHostError(e, plugin);
        }
        const std::string keyId = key["keyId"].get<std::string>();
        step.setKeyId(keyId);
        try {
            auto result = requestForNewKey(plugin, entry, key, keyType, *subject, *pin);
            pin.reset();  // wiped now; the token calls were its only use
            return result;
        } catch (const HostError& e) {
            // The key exists now: say which, so the CA's page can remove it (remove-key).
            nlohmann::json details = e.details().is_object() ? e.details() : nlohmann::json::object();
            details["keyId"] = keyId;
            throw HostError(e.code(), e.what(), details);
        }
    });
}

}  // namespace cabridge
