#include "online_unlock.h"

#include "enrollment_command.h"
#include "pin_command.h"

#include "logger.h"
#include "wire_error_for_plugin.h"

#include <cabridge/common/encoding.h>

#include <openssl/crypto.h>

namespace cabridge {
namespace {

// A response is an HMAC or a signature: a few dozen bytes, never more than this.
constexpr std::size_t kMaxResponseBytes = 1024;

// The decoded response, wiped when it goes.
class ResponseBytes {
public:
    explicit ResponseBytes(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}
    ~ResponseBytes() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
    ResponseBytes(const ResponseBytes&) = delete;
    ResponseBytes& operator=(const ResponseBytes&) = delete;
    std::span<const std::uint8_t> view() const noexcept { return bytes_; }

private:
    std::vector<std::uint8_t> bytes_;
};

}  // namespace

CertificateEntry findCertificateForOnlineUnlock(CommandContext& context, const std::string& certificateId,
                                                const std::string& origin)
{
    // Online unlock is driven by the CA's own web site (its server answers the key's challenge),
    // so it has the enrolment gate: a plugin's "enrollOrigins" and the policy's `enrollOrigins`,
    // for that vendor's keys only. Refused origins learn nothing about the certificate.
    requireEnrollmentOrigin(context, origin);
    auto entry = context.certificates.find(context.registry, certificateId, context.now,
                                           CertificateFinder::Remembered::Check);
    if (!entry) {
        throw HostError(ErrorCode::CertificateNotFound, "no certificate with id " + certificateId,
                        {{"key", "certificateId"}});
    }
    requireEnrollmentOriginFor(context, entry->plugin->id(), origin);
    return std::move(*entry);
}

void requireOnlineUnlock(const LoadedPlugin& plugin, std::string_view command)
{
    if (!plugin.unblocksOnline()) {
        // As for a vendor that cannot unblock with the SO PIN: INVALID_ARGUMENT, with its own path.
        auto details = helpDetails(plugin, "unlock");
        details["unsupported"] = command;
        throw HostError(ErrorCode::InvalidArgument, plugin.id() + " cannot unlock a key online", details);
    }
}

HostError onlineUnlockError(const PluginCallFailure& failure, const LoadedPlugin& plugin)
{
    HostError error = toHostError(failure, plugin);
    if (error.code() != ErrorCode::PinIncorrect && error.code() != ErrorCode::PinLocked) {
        return error;
    }
    nlohmann::json details = error.code() == ErrorCode::PinLocked ? helpDetails(plugin, "contact") : error.details();
    details["user"] = "response";
    return {error.code(), error.what(), details};
}

nlohmann::json unblockPinWithResponse(CommandContext& context, const std::string& origin,
                                      const std::string& certificateId, const SecretBuffer& response,
                                      const SecretBuffer& newPin)
{
    auto decoded = base64Decode(response.view());
    if (!decoded || decoded->empty() || decoded->size() > kMaxResponseBytes) {
        if (decoded) OPENSSL_cleanse(decoded->data(), decoded->size());
        throw HostError(ErrorCode::InvalidArgument,
                        "argument \"response\" must be base64 of 1.." + std::to_string(kMaxResponseBytes) + " bytes",
                        {{"key", "response"}});
    }
    const ResponseBytes bytes(std::move(*decoded));

    const CertificateEntry entry = findCertificateForOnlineUnlock(context, certificateId, origin);
    LoadedPlugin& plugin = *entry.plugin;
    requireOnlineUnlock(plugin, "unblock-pin-response");
    requirePinFitsRules(plugin, newPin, "newPin");
    try {
        plugin.unblockWithResponse(entry.tokenRef, bytes.view(), newPin);
    } catch (const PluginCallFailure& e) {
        throw onlineUnlockError(e, plugin);
    }
    Logger::info(plugin.id() + ": unblocked the user PIN of token " + entry.tokenSerial + " online for " + origin);
    return nlohmann::json::object();
}

}  // namespace cabridge
