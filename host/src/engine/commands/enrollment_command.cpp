#include "enrollment_command.h"

#include "logger.h"
#include "pin_command.h"
#include "wire_error_for_plugin.h"

namespace cabridge {

void requireEnrollmentOrigin(const CommandContext& context, const std::string& origin)
{
    if (context.adminPolicy.error) {
        throw HostError(ErrorCode::OriginNotAllowed, "origin policy file refused, so no origin may enrol: " + origin,
                        {{"policy", "error"}});
    }
    if (!context.policy.enrollAllowedForAny(origin)) {
        throw HostError(ErrorCode::OriginNotAllowed, "origin is no CA enrolment site: " + origin,
                        {{"enrollment", true}});
    }
}

void requireEnrollmentOriginFor(const CommandContext& context, const std::string& vendor, const std::string& origin)
{
    if (!context.policy.enrollAllowedFor(vendor, origin)) {
        throw HostError(ErrorCode::OriginNotAllowed, "origin " + origin + " is no enrolment site of " + vendor,
                        {{"vendor", vendor}, {"enrollment", true}});
    }
}

CertificateEntry findCertificateForEnrollment(CommandContext& context, const std::string& certificateId,
                                              const std::string& origin, std::string_view command)
{
    auto entry = context.certificates.find(context.registry, certificateId, context.now,
                                           CertificateFinder::Remembered::Check);
    if (!entry) {
        throw HostError(ErrorCode::CertificateNotFound, "no certificate with id " + certificateId,
                        {{"key", "certificateId"}});
    }
    requireEnrollmentOriginFor(context, entry->plugin->id(), origin);
    if (!entry->plugin->enrols()) {
        auto details = helpDetails(*entry->plugin, "renew");
        details["unsupported"] = std::string(command);
        throw HostError(ErrorCode::InvalidArgument, entry->plugin->id() + " cannot enrol keys", details);
    }
    return std::move(*entry);
}

std::unique_ptr<const SecretBuffer> takeEnrollmentPin(nlohmann::json& arguments)
{
    auto pin = takeSecretArgument(arguments, "pin");
    if (!pin) {
        throw HostError(ErrorCode::InvalidArgument, "argument \"pin\" is missing", {{"key", "pin"}});
    }
    return pin;
}

std::string requiredKeyIdArgument(const nlohmann::json& arguments)
{
    std::string keyId = requiredStringArgument(arguments, "keyId");
    bool printable = !keyId.empty() && keyId.size() <= 128;
    for (const char ch : keyId) {
        const auto c = static_cast<unsigned char>(ch);
        printable = printable && c >= 0x20 && c <= 0x7E;
    }
    if (!printable) {
        throw HostError(ErrorCode::InvalidArgument, "keyId must be 1..128 printable ASCII characters",
                        {{"key", "keyId"}});
    }
    return keyId;
}

nlohmann::json enrollmentKeysOf(LoadedPlugin& plugin, const std::string& tokenRef)
{
    nlohmann::json listed;
    try {
        listed = plugin.listKeys(tokenRef);
    } catch (const PluginCallFailure& e) {
        throw toHostError(e, plugin);
    }
    nlohmann::json keys = nlohmann::json::array();
    for (const auto& key : listed) {
        if (!key.is_object() || !key.contains("keyId") || !key["keyId"].is_string()) {
            continue;  // nothing a page could name
        }
        keys.push_back({{"keyId", key["keyId"]},
                        {"keyType", key.value("keyType", "other")},
                        {"hasCertificate", key.value("hasCertificate", true)},
                        {"publicKey", key.value("publicKey", "")}});
    }
    return keys;
}

std::string EnrollmentStep::line(std::string_view outcome) const
{
    return "enrolment: " + command_ + " for " + origin_ + " vendor=" + (vendor_.empty() ? "-" : vendor_) +
           " token=" + (token_.empty() ? "-" : token_) + " key=" + (keyId_.empty() ? "-" : keyId_) + ": " +
           std::string(outcome);
}

nlohmann::json EnrollmentStep::run(const std::function<nlohmann::json()>& body)
{
    try {
        auto result = body();
        Logger::info(line("done"));
        return result;
    } catch (const HostError& e) {
        Logger::warn(line(std::string("refused, ") + std::string(errorCodeName(e.code()))));
        throw;
    } catch (const std::exception&) {
        Logger::warn(line("failed, INTERNAL_ERROR"));
        throw;
    }
}

}  // namespace cabridge
