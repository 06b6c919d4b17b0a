// `authenticate`: sign a login challenge with a certificate's key (AuthToken format
// cabridge-auth:2, docs/protocol.md).
//
// Order of checks (each failure stops before the token is touched further):
// arguments -> origin allowed -> certificate found -> origin allowed for its vendor ->
// certificate valid now -> challenge well-formed (legacy: text, isLegacyChallengeText) -> PIN
// form -> legacy mode allowed -> login -> sign -> logout (always after a successful login, even
// when sign fails).
// "Certificate found" is read live from the token on every request; for a certificate
// already seen on this connection through the plugin's check_certificate where it has
// one (certificate_finder.h), still before any of the later checks and before C_Login.
#include "command_context.h"

#include "base64.h"
#include "logger.h"
#include "plugin_errors.h"
#include "secret_buffer.h"

#include <cabridge/common/auth_message.h>
#include <cabridge/version.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace cabridge {
namespace {

constexpr std::size_t kMinChallengeBytes = 32;
constexpr std::size_t kMaxChallengeBytes = 1024;

const char* hashFor(const std::string& algorithm)
{
    if (algorithm == "ES384") return "SHA384";
    if (algorithm == "SM2-SM3") return "SM3";
    return "SHA256";
}

// Takes the PIN out of the request into a wiped buffer and wipes the JSON copy.
std::shared_ptr<const SecretBuffer> takePin(nlohmann::json& arguments)
{
    const auto it = arguments.find("pin");
    if (it == arguments.end()) {
        throw HostError(ErrorCode::InvalidArgument, "argument \"pin\" is missing", {{"key", "pin"}});
    }
    if (!it->is_string()) {
        throw HostError(ErrorCode::InvalidArgument, "argument \"pin\" must be a string", {{"key", "pin"}});
    }
    auto& text = it->get_ref<std::string&>();
    auto pin = std::make_shared<const SecretBuffer>(text);
    OPENSSL_cleanse(text.data(), text.size());
    arguments.erase(it);
    return pin;
}

CertificateEntry findCertificate(CommandContext& context, const std::string& certificateId)
{
    auto entry = context.certificates.find(context.registry, certificateId, context.now);
    if (!entry) {
        throw HostError(ErrorCode::CertificateNotFound, "no certificate with id " + certificateId);
    }
    return std::move(*entry);
}

// After a wrong PIN the plugin may not know the exact count; the token's live
// flags (a fresh list_tokens) are the next best source.
HostError pinIncorrectWithLiveFlags(const PluginCallError& failure, const CertificateEntry& entry)
{
    nlohmann::json retries = failure.retriesLeft() >= 0 ? nlohmann::json(failure.retriesLeft()) : nullptr;
    bool finalTry = failure.finalTry();
    if (retries.is_null()) {
        try {
            for (const auto& token : entry.plugin->listTokens()) {
                if (token.is_object() && token.value("ref", "") == entry.tokenRef) {
                    if (token.contains("retriesLeft") && token["retriesLeft"].is_number_integer()) {
                        retries = token["retriesLeft"];
                    }
                    if (token.contains("pinFlags") && token["pinFlags"].is_object()) {
                        finalTry = finalTry || token["pinFlags"].value("finalTry", false);
                    }
                }
            }
        } catch (const PluginCallError& e) {
            Logger::warn(entry.plugin->id() + ": could not re-read token flags: " + e.what());
        }
    }
    return HostError(ErrorCode::PinIncorrect, entry.plugin->id() + ": " + failure.what(),
                     {{"retriesLeft", retries}, {"finalTry", finalTry}});
}

}  // namespace

nlohmann::json runAuthenticate(CommandContext& context, Request& request)
{
    // The PIN leaves the JSON first, so no later failure can leave it behind.
    auto& arguments = request.arguments;
    std::shared_ptr<const SecretBuffer> pin;
    if (arguments.contains("pin")) {
        pin = takePin(arguments);
    }
    requireOnlyKeys(arguments, {"certificateId", "challenge", "mode", "hash"});
    const auto certificateIdArg = requiredStringArgument(arguments, "certificateId");
    const auto challengeText = requiredStringArgument(arguments, "challenge");
    const auto mode = optionalStringArgument(arguments, "mode").value_or("origin-bound");
    const auto legacyHash = optionalStringArgument(arguments, "hash");
    if (!pin) {
        throw HostError(ErrorCode::InvalidArgument, "argument \"pin\" is missing", {{"key", "pin"}});
    }
    if (mode != "origin-bound" && mode != "legacy") {
        throw HostError(ErrorCode::InvalidArgument, "mode must be origin-bound or legacy", {{"key", "mode"}});
    }
    // An RSA hash choice exists only for legacy back ends (HeBCA's algorithm 1 is SHA-1).
    if (legacyHash && (mode != "legacy" || (*legacyHash != "sha1" && *legacyHash != "sha256"))) {
        throw HostError(ErrorCode::InvalidArgument, "hash is sha1 or sha256, and only in legacy mode",
                        {{"key", "hash"}});
    }

    requireAllowedOrigin(context, request.origin);
    const CertificateEntry entry = findCertificate(context, certificateIdArg);
    Plugin& plugin = *entry.plugin;
    requireOriginAllowedFor(context, plugin.id(), request.origin);
    if (entry.facts.expired) {
        throw HostError(ErrorCode::CertificateExpired, "certificate expired", helpDetails(plugin, "renew"));
    }
    if (entry.facts.notYetValid) {
        throw HostError(ErrorCode::CertificateNotYetValid, "certificate not yet valid", helpDetails(plugin, "renew"));
    }
    const auto challenge = base64Decode(challengeText);
    if (mode == "legacy") {
        if (!challenge || !isLegacyChallengeText(*challenge)) {
            throw HostError(
                ErrorCode::InvalidArgument,
                "a legacy challenge must be base64 of 8..256 bytes of UTF-8 text without control characters",
                {{"key", "challenge"}, {"mode", "legacy"}});
        }
    } else if (!challenge || challenge->size() < kMinChallengeBytes || challenge->size() > kMaxChallengeBytes) {
        throw HostError(ErrorCode::InvalidArgument, "challenge must be base64 of 32..1024 bytes",
                        {{"key", "challenge"}});
    }
    if (!plugin.pinRules().accepts(pin->view())) {
        throw HostError(ErrorCode::PinInvalid, "PIN refused by the vendor's PIN rules (length or characters)");
    }
    if (mode == "legacy" && !context.policy.legacyAllowed(plugin.id(), request.origin)) {
        throw HostError(ErrorCode::OriginNotAllowed, "legacy mode not allowed for " + request.origin,
                        {{"mode", "legacy"}});
    }
    std::string algorithm = signatureAlgorithmFor(entry.facts);
    if (algorithm == "RS256" && legacyHash == "sha1") {
        algorithm = "RS1";  // other key types keep their own algorithm (docs/protocol.md 3.4)
    }
    if (algorithm.empty()) {
        throw HostError(ErrorCode::InvalidArgument,
                        "cannot sign with a " + entry.facts.keyType + " " + entry.facts.curve + " key",
                        {{"key", "certificateId"}});
    }
    std::vector<std::uint8_t> message;
    if (mode == "legacy") {
        message = *challenge;
    } else {
        try {
            message = originBoundMessage(EVP_get_digestbyname(hashFor(algorithm)), request.origin, *challenge);
        } catch (const std::runtime_error& e) {
            throw HostError(ErrorCode::InternalError, std::string("login message: ") + e.what());
        }
    }

    try {
        plugin.login(entry.tokenRef, pin);
    } catch (const PluginCallError& e) {
        if (e.status() == CABRIDGE_ERR_PIN_INCORRECT) {
            throw pinIncorrectWithLiveFlags(e, entry);
        }
        throw toHostError(e, plugin);
    }
    pin.reset();  // wiped now; the login was the only use

    std::vector<std::uint8_t> signature;
    std::optional<HostError> signFailure;
    try {
        signature = plugin.sign(entry.tokenRef, entry.certRef, algorithm, message);
    } catch (const PluginCallError& e) {
        signFailure = toHostError(e, plugin);
    }
    try {
        plugin.logout(entry.tokenRef);
    } catch (const PluginCallError& e) {
        Logger::warn(plugin.id() + ": logout failed: " + e.what());
    }
    if (signFailure) {
        throw *signFailure;
    }
    if (signature.empty()) {
        throw HostError(ErrorCode::PluginError, plugin.id() + ": sign wrote no signature");
    }
    Logger::info(plugin.id() + ": authenticated " + request.origin + " with certificate " + certificateIdArg + " (" +
                 algorithm + ", " + mode + ")");
    return {{"token",
             {{"format", std::string(kAuthTokenFormat)},
              {"certificate", entry.certInfo["certificate"]},
              {"algorithm", algorithm},
              {"signature", base64Encode(signature)},
              {"origin", request.origin},
              {"appVersion", kVersion},
              {"mode", mode}}}};
}

}  // namespace cabridge
