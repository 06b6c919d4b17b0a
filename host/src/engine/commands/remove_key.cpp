// `remove-key`: removes a key pair without a certificate (an orphan of a renewal that stopped
// after generate-key) from the token that holds a certificate (docs/protocol.md).
//
// Order of checks: the PIN leaves the JSON -> arguments -> origin is a CA enrolment site ->
// certificate found live -> origin enrols for its vendor -> the plugin enrols -> PIN fits the
// vendor's rules -> the key is on the token (CERTIFICATE_NOT_FOUND) and has no certificate
// (INVALID_ARGUMENT, details.reason "hasCertificate"), both read without a PIN -> delete_key.
#include "command_context.h"
#include "enrollment_command.h"
#include "pin_command.h"

#include "wire_error_for_plugin.h"

#include <algorithm>

namespace cabridge {

nlohmann::json runRemoveKey(CommandContext& context, Request& request)
{
    EnrollmentStep step("remove-key", request.origin);
    return step.run([&]() -> nlohmann::json {
        auto pin = takeEnrollmentPin(request.arguments);
        requireOnlyKeys(request.arguments, {"certificateId", "keyId"});
        const auto certificateId = requiredStringArgument(request.arguments, "certificateId");
        const auto keyId = requiredKeyIdArgument(request.arguments);
        step.setKeyId(keyId);
        requireEnrollmentOrigin(context, request.origin);
        const CertificateEntry entry = findCertificateForEnrollment(context, certificateId, request.origin,
                                                                    "remove-key");
        LoadedPlugin& plugin = *entry.plugin;
        step.setVendor(plugin.id());
        step.setToken(entry.tokenSerial);
        requirePinFitsRules(plugin, *pin, "pin");

        const nlohmann::json keys = enrollmentKeysOf(plugin, entry.tokenRef);
        const auto key = std::find_if(keys.begin(), keys.end(),
                                      [&](const nlohmann::json& k) { return k["keyId"] == keyId; });
        if (key == keys.end()) {
            throw HostError(ErrorCode::CertificateNotFound, "no key " + keyId + " on the token", {{"key", "keyId"}});
        }
        if ((*key)["hasCertificate"] == true) {
            throw HostError(ErrorCode::InvalidArgument, "key " + keyId + " has a certificate; only orphans are removed",
                            {{"key", "keyId"}, {"reason", "hasCertificate"}});
        }
        try {
            plugin.deleteKey(entry.tokenRef, keyId, *pin);
        } catch (const PluginCallFailure& e) {
            throw toHostError(e, plugin);
        }
        pin.reset();
        return nlohmann::json::object();
    });
}

}  // namespace cabridge
