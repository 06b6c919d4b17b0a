// `list-keys`: the signing key pairs on the token that holds a certificate, and which of them
// have a certificate (docs/protocol.md). A key without one is what a renewal left behind when
// it stopped after generate-key; remove-key removes it. Read without a PIN.
#include "command_context.h"
#include "enrollment_command.h"

namespace cabridge {

nlohmann::json runListKeys(CommandContext& context, Request& request)
{
    EnrollmentStep step("list-keys", request.origin);
    return step.run([&]() -> nlohmann::json {
        requireOnlyKeys(request.arguments, {"certificateId"});
        const auto certificateId = requiredStringArgument(request.arguments, "certificateId");
        requireEnrollmentOrigin(context, request.origin);
        const CertificateEntry entry = findCertificateForEnrollment(context, certificateId, request.origin,
                                                                    "list-keys");
        step.setVendor(entry.plugin->id());
        step.setToken(entry.tokenSerial);
        nlohmann::json keys = enrollmentKeysOf(*entry.plugin, entry.tokenRef);
        for (auto& key : keys) {
            key.erase("publicKey");  // the page needs the ids; the public key is the host's to compare
        }
        return {{"keys", std::move(keys)}};
    });
}

}  // namespace cabridge
