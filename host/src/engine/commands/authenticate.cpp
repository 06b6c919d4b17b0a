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

#include "logger.h"
#include "secret_buffer.h"
#include "wire_error_for_plugin.h"

#include <cabridge/common/auth_message.h>
#include <cabridge/common/encoding.h>
#include <cabridge/version.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
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

CertificateEntry findCertificate(CommandContext& context, const std::string& certificateId,
                                 CertificateFinder::Remembered remembered)
{
    auto entry = context.certificates.find(context.registry, certificateId, context.now, remembered);
    if (!entry) {
        throw HostError(ErrorCode::CertificateNotFound, "no certificate with id " + certificateId);
    }
    return std::move(*entry);
}

// After a wrong PIN a plugin without authenticate may not know the exact count; the token's
// live flags (a fresh list_tokens) are the next best source.
HostError pinIncorrectWithLiveFlags(const PluginCallFailure& failure, const CertificateEntry& entry)
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
        } catch (const PluginCallFailure& e) {
            Logger::warn(entry.plugin->id() + ": could not re-read token flags: " + e.what());
        }
    }
    return HostError(ErrorCode::PinIncorrect, entry.plugin->id() + ": " + failure.what(),
                     {{"retriesLeft", retries}, {"finalTry", finalTry}});
}

// What the request asks of the login, for the checks that follow finding the certificate.
struct LoginRequest {
    const std::string& origin;
    const std::string& mode;
    const std::string& challengeText;
    const SecretBuffer& pin;
    const std::optional<std::string>& legacyHash;  // "sha1"/"sha256", legacy mode only
};

// What the token is asked to sign, and how.
struct PreparedLogin {
    std::string algorithm;
    std::vector<std::uint8_t> message;
};

// The host's own checks between finding the certificate and calling the token, in order (file
// comment); each failure throws HostError.
PreparedLogin prepareLogin(const CommandContext& context, const CertificateEntry& entry, const LoginRequest& login)
{
    const LoadedPlugin& plugin = *entry.plugin;
    requireOriginAllowedFor(context, plugin.id(), login.origin);
    if (entry.facts.expired) {
        throw HostError(ErrorCode::CertificateExpired, "certificate expired", helpDetails(plugin, "renew"));
    }
    if (entry.facts.notYetValid) {
        throw HostError(ErrorCode::CertificateNotYetValid, "certificate not yet valid", helpDetails(plugin, "renew"));
    }
    // An encryption certificate (a keyUsage with neither digitalSignature nor nonRepudiation, the
    // other half of a dual pair) never logs in, even when a caller names it directly; refused
    // before the token sees a PIN.
    if (entry.facts.hasKeyUsage && !entry.facts.digitalSignature && !entry.facts.nonRepudiation) {
        throw HostError(ErrorCode::InvalidArgument, "the certificate is an encryption certificate, not one that signs",
                        {{"key", "certificateId"}, {"purpose", "login"}});
    }
    const auto challenge = base64Decode(login.challengeText);
    if (login.mode == "legacy") {
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
    if (!plugin.pinRules().accepts(login.pin.view())) {
        throw HostError(ErrorCode::PinInvalid, "PIN refused by the vendor's PIN rules (length or characters)");
    }
    if (login.mode == "legacy" && !context.policy.legacyAllowed(plugin.id(), login.origin)) {
        throw HostError(ErrorCode::OriginNotAllowed, "legacy mode not allowed for " + login.origin,
                        {{"mode", "legacy"}});
    }
    PreparedLogin prepared;
    prepared.algorithm = signatureAlgorithmFor(entry.facts);
    if (prepared.algorithm == "RS256" && login.legacyHash == "sha1") {
        prepared.algorithm = "RS1";  // other key types keep their own algorithm (docs/protocol.md 3.4)
    }
    if (prepared.algorithm.empty()) {
        throw HostError(ErrorCode::InvalidArgument,
                        "cannot sign with a " + entry.facts.keyType + " " + entry.facts.curve + " key",
                        {{"key", "certificateId"}});
    }
    if (login.mode == "legacy") {
        prepared.message = *challenge;
    } else {
        try {
            prepared.message = originBoundMessage(EVP_get_digestbyname(hashFor(prepared.algorithm)), login.origin,
                                                  *challenge);
        } catch (const std::runtime_error& e) {
            throw HostError(ErrorCode::InternalError, std::string("login message: ") + e.what());
        }
    }

    return prepared;
}

// The plugin's authenticate did not find the token or certificate of an entry taken unchecked
// from this connection's memory: it is looked for on the tokens again.
struct CertificateGone {};

// The plugin's authenticate (plugin.h): check, login, sign and logout in one session of the
// plugin's; a wrong PIN's error already carries the token's live flags and retries.
LoadedPlugin::Authenticated authenticateInOneCall(const CertificateEntry& entry,
                                                  const std::shared_ptr<const SecretBuffer>& pin,
                                                  const std::string& algorithm,
                                                  const std::vector<std::uint8_t>& message)
{
    const auto digest = hexDecode(entry.facts.sha256Hex);
    if (!digest || digest->size() != 32) {
        throw HostError(ErrorCode::InternalError, "certificate without a SHA-256");
    }
    std::array<std::uint8_t, 32> sha256 {};
    std::copy(digest->begin(), digest->end(), sha256.begin());
    try {
        return entry.plugin->authenticate(entry.tokenRef, entry.certRef, sha256, pin, algorithm, message);
    } catch (const PluginCallFailure& e) {
        if (entry.unchecked &&
            (e.status() == CABRIDGE_ERR_NO_TOKEN || e.status() == CABRIDGE_ERR_CERTIFICATE_NOT_FOUND)) {
            Logger::info(entry.plugin->id() + ": " + e.what() + "; looking for the certificate again");
            throw CertificateGone {};
        }
        throw toHostError(e, *entry.plugin);
    }
}

// A plugin built without authenticate: login, sign, logout (always after a successful login,
// even when sign fails).
LoadedPlugin::Authenticated authenticateInSteps(const CertificateEntry& entry,
                                                const std::shared_ptr<const SecretBuffer>& pin,
                                                const std::string& algorithm, const std::vector<std::uint8_t>& message)
{
    LoadedPlugin& plugin = *entry.plugin;
    try {
        plugin.login(entry.tokenRef, pin);
    } catch (const PluginCallFailure& e) {
        if (e.status() == CABRIDGE_ERR_PIN_INCORRECT) {
            throw pinIncorrectWithLiveFlags(e, entry);
        }
        throw toHostError(e, plugin);
    }

    std::vector<std::uint8_t> signature;
    std::optional<HostError> signFailure;
    try {
        signature = plugin.sign(entry.tokenRef, entry.certRef, algorithm, message);
    } catch (const PluginCallFailure& e) {
        signFailure = toHostError(e, plugin);
    }
    try {
        plugin.logout(entry.tokenRef);
    } catch (const PluginCallFailure& e) {
        Logger::warn(plugin.id() + ": logout failed: " + e.what());
    }
    if (signFailure) {
        throw *signFailure;
    }
    return {std::move(signature), false};
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
    const LoginRequest login {request.origin, mode, challengeText, *pin, legacyHash};
    // A certificate this connection has seen, whose plugin authenticates in one call, comes
    // unchecked: that call checks it on the token first. When a check of the host's refuses it,
    // or the call does not find it, it is looked for on the tokens first, so a certificate that
    // is gone is still reported as gone before anything else.
    CertificateEntry entry = findCertificate(context, certificateIdArg, CertificateFinder::Remembered::Trust);
    std::optional<PreparedLogin> prepared;
    try {
        prepared = prepareLogin(context, entry, login);
    } catch (const HostError&) {
        if (!entry.unchecked) {
            throw;
        }
        entry = findCertificate(context, certificateIdArg, CertificateFinder::Remembered::Check);
        prepared = prepareLogin(context, entry, login);
    }
    std::optional<LoadedPlugin::Authenticated> done;
    if (!entry.plugin->authenticatesInOneCall()) {
        done = authenticateInSteps(entry, pin, prepared->algorithm, prepared->message);
    } else {
        try {
            done = authenticateInOneCall(entry, pin, prepared->algorithm, prepared->message);
        } catch (const CertificateGone&) {
            entry = findCertificate(context, certificateIdArg, CertificateFinder::Remembered::Check);
            prepared = prepareLogin(context, entry, login);
            done = entry.plugin->authenticatesInOneCall()
                       ? authenticateInOneCall(entry, pin, prepared->algorithm, prepared->message)
                       : authenticateInSteps(entry, pin, prepared->algorithm, prepared->message);
        }
    }
    pin.reset();  // wiped now; the token call was its only use
    const LoadedPlugin& plugin = *entry.plugin;
    const std::string& algorithm = prepared->algorithm;
    const auto& [signature, pinToBeChanged] = *done;
    if (signature.empty()) {
        throw HostError(ErrorCode::PluginError, plugin.id() + ": sign wrote no signature");
    }
    Logger::info(plugin.id() + ": authenticated " + request.origin + " with certificate " + certificateIdArg + " (" +
                 algorithm + ", " + mode + ")");
    nlohmann::json result = {{"token",
                              {{"format", std::string(kAuthTokenFormat)},
                               {"certificate", entry.certInfo["certificate"]},
                               {"algorithm", algorithm},
                               {"signature", base64Encode(signature)},
                               {"origin", request.origin},
                               {"appVersion", kVersion},
                               {"mode", mode}}}};
    if (pinToBeChanged) {
        result["pinToBeChanged"] = true;  // docs/protocol.md: added beside `token`, only when true
    }
    return result;
}

}  // namespace cabridge
