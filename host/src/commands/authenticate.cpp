// `authenticate`: sign an origin-bound login challenge with a certificate's key.
//
// Order of checks (each failure stops before the token is touched further):
// arguments -> origin allowed -> certificate found -> origin allowed for its vendor ->
// certificate valid now ->
// challenge well-formed -> PIN form -> legacy mode allowed -> login -> sign ->
// logout (always after a successful login, even when sign fails).
// "Certificate found" is read live from the token on every request; for a certificate
// already seen on this connection through the plugin's check_certificate where it has
// one (certificate_finder.h), still before any of the later checks and before C_Login.
#include "command_context.h"

#include "base64.h"
#include "logger.h"
#include "plugin_errors.h"
#include "secret_buffer.h"

#include <cabridge/version.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>

namespace cabridge {
namespace {

constexpr std::size_t kMinChallengeBytes = 32;
constexpr std::size_t kMaxChallengeBytes = 1024;

struct DigestCtxFree {
    void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

std::vector<std::uint8_t> digest(const char* name, std::span<const std::uint8_t> data)
{
    const EVP_MD* md = EVP_get_digestbyname(name);
    std::unique_ptr<EVP_MD_CTX, DigestCtxFree> ctx(EVP_MD_CTX_new());
    std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned int len = 0;
    if (md == nullptr || !ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1) {
        throw HostError(ErrorCode::InternalError, std::string("digest ") + name + " failed");
    }
    out.resize(len);
    return out;
}

const char* hashFor(const std::string& algorithm)
{
    if (algorithm == "ES384") return "SHA384";
    if (algorithm == "SM2-SM3") return "SM3";
    return "SHA256";
}

// H(origin as UTF-8) || H(challenge bytes): hashing each part keeps the fields apart.
std::vector<std::uint8_t> originBoundMessage(const std::string& algorithm, const std::string& origin,
                                             std::span<const std::uint8_t> challenge)
{
    const char* hash = hashFor(algorithm);
    auto message = digest(hash, std::span(reinterpret_cast<const std::uint8_t*>(origin.data()), origin.size()));
    const auto second = digest(hash, challenge);
    message.insert(message.end(), second.begin(), second.end());
    return message;
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
    requireOnlyKeys(arguments, {"certificateId", "challenge", "mode"});
    const auto certificateIdArg = requiredStringArgument(arguments, "certificateId");
    const auto challengeText = requiredStringArgument(arguments, "challenge");
    const auto mode = optionalStringArgument(arguments, "mode").value_or("origin-bound");
    if (!pin) {
        throw HostError(ErrorCode::InvalidArgument, "argument \"pin\" is missing", {{"key", "pin"}});
    }
    if (mode != "origin-bound" && mode != "legacy") {
        throw HostError(ErrorCode::InvalidArgument, "mode must be origin-bound or legacy", {{"key", "mode"}});
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
    if (!challenge || challenge->size() < kMinChallengeBytes || challenge->size() > kMaxChallengeBytes) {
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
    const std::string algorithm = signatureAlgorithmFor(entry.facts);
    if (algorithm.empty()) {
        throw HostError(ErrorCode::InvalidArgument,
                        "cannot sign with a " + entry.facts.keyType + " " + entry.facts.curve + " key",
                        {{"key", "certificateId"}});
    }
    const auto message = mode == "legacy" ? *challenge : originBoundMessage(algorithm, request.origin, *challenge);

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
             {{"format", "cabridge-auth:1"},
              {"certificate", entry.certInfo["certificate"]},
              {"algorithm", algorithm},
              {"signature", base64Encode(signature)},
              {"origin", request.origin},
              {"appVersion", kVersion},
              {"mode", mode}}}};
}

}  // namespace cabridge
