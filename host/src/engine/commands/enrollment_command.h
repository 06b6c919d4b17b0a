// What the enrolment commands share (generate-key, install-certificate, list-keys, remove-key;
// docs/protocol.md): the CA enrolment origin check, finding the token a certificate names,
// the plugin's enrolment calls, and the log line every step leaves.
//
// Origins: only a CA enrolment site of the token's vendor (origin_policy.h, "enrol"); every
// other origin is ORIGIN_NOT_ALLOWED before any token is read (an origin that is no enrolment
// site for any vendor) or before the token is touched any further (one for another vendor).
#pragma once

#include "command_context.h"
#include "secret_buffer.h"

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace cabridge {

// ORIGIN_NOT_ALLOWED unless `origin` is an enrolment site of some vendor (a refused policy
// file allows none: details.policy "error").
void requireEnrollmentOrigin(const CommandContext& context, const std::string& origin);

// ORIGIN_NOT_ALLOWED (details.vendor) unless `origin` is an enrolment site of `vendor`.
void requireEnrollmentOriginFor(const CommandContext& context, const std::string& vendor, const std::string& origin);

// The certificate `certificateId`, read live from its token, whose vendor `origin` may enrol
// for and whose plugin offers the enrolment calls (else INVALID_ARGUMENT, details.unsupported).
CertificateEntry findCertificateForEnrollment(CommandContext& context, const std::string& certificateId,
                                              const std::string& origin, std::string_view command);

// The "pin" argument taken out of the JSON into a wiped buffer (pin_command.h); INVALID_ARGUMENT
// when it is missing. Call it first, so no later failure leaves the PIN in the request.
std::unique_ptr<const SecretBuffer> takeEnrollmentPin(nlohmann::json& arguments);

// The "keyId" argument: 1..128 printable ASCII characters (a hex CKA_ID or an SKF container
// name), else INVALID_ARGUMENT.
std::string requiredKeyIdArgument(const nlohmann::json& arguments);

// The plugin's list_keys for the token, each entry reduced to {keyId, keyType, hasCertificate,
// publicKey} (entries without a keyId dropped). Failures become HostError.
nlohmann::json enrollmentKeysOf(LoadedPlugin& plugin, const std::string& tokenRef);

// One enrolment step's log line (origin, command, vendor, token, key id, outcome; never a
// PIN): run() logs it whatever happens, with the error code when the step fails.
class EnrollmentStep {
public:
    EnrollmentStep(std::string command, std::string origin) : command_(std::move(command)), origin_(std::move(origin))
    {
    }
    void setVendor(const std::string& vendor) { vendor_ = vendor; }
    void setToken(const std::string& serial) { token_ = serial; }
    void setKeyId(const std::string& keyId) { keyId_ = keyId; }
    // Runs `body` and logs the outcome; rethrows what it throws.
    nlohmann::json run(const std::function<nlohmann::json()>& body);

private:
    std::string line(std::string_view outcome) const;

    std::string command_;
    std::string origin_;
    std::string vendor_;
    std::string token_;
    std::string keyId_;
};

}  // namespace cabridge
