#include "pin_command.h"

#include <openssl/crypto.h>

namespace cabridge {

std::unique_ptr<const SecretBuffer> takeSecretArgument(nlohmann::json& arguments, std::string_view key)
{
    const auto it = arguments.find(std::string(key));
    if (it == arguments.end()) {
        return nullptr;
    }
    if (!it->is_string()) {
        arguments.erase(it);
        throw HostError(ErrorCode::InvalidArgument, "argument \"" + std::string(key) + "\" must be a string",
                        {{"key", key}});
    }
    auto& text = it->get_ref<std::string&>();
    auto secret = std::make_unique<const SecretBuffer>(text);
    OPENSSL_cleanse(text.data(), text.size());
    arguments.erase(it);
    return secret;
}

PinCommandArguments takePinCommandArguments(nlohmann::json& arguments, std::string_view currentKey,
                                            std::string_view alternativeKey)
{
    PinCommandArguments taken;
    taken.currentPin = takeSecretArgument(arguments, currentKey);
    auto alternative = alternativeKey.empty() ? nullptr : takeSecretArgument(arguments, alternativeKey);
    taken.newPin = takeSecretArgument(arguments, "newPin");
    requireOnlyKeys(arguments, {"certificateId"});
    taken.certificateId = requiredStringArgument(arguments, "certificateId");
    if (taken.currentPin != nullptr && alternative != nullptr) {
        throw HostError(ErrorCode::InvalidArgument,
                        "arguments \"" + std::string(currentKey) + "\" and \"" + std::string(alternativeKey) +
                            "\" exclude each other",
                        {{"key", alternativeKey}, {"exactlyOneOf", {currentKey, alternativeKey}}});
    }
    if (alternative != nullptr) {
        taken.currentPin = std::move(alternative);
        taken.alternative = true;
    } else if (!alternativeKey.empty() && taken.currentPin == nullptr) {
        throw HostError(ErrorCode::InvalidArgument,
                        "one of the arguments \"" + std::string(currentKey) + "\" and \"" +
                            std::string(alternativeKey) + "\" is required",
                        {{"key", currentKey}, {"exactlyOneOf", {currentKey, alternativeKey}}});
    }
    for (const auto& [pin, key] :
         {std::pair {taken.currentPin.get(), currentKey}, std::pair {taken.newPin.get(), std::string_view("newPin")}}) {
        if (pin == nullptr) {
            throw HostError(ErrorCode::InvalidArgument, "argument \"" + std::string(key) + "\" is missing",
                            {{"key", std::string(key)}});
        }
    }
    return taken;
}

void requirePinFitsRules(const LoadedPlugin& plugin, const SecretBuffer& pin, std::string_view key)
{
    if (!plugin.pinRules().accepts(pin.view())) {
        throw HostError(
            ErrorCode::PinInvalid,
            "argument \"" + std::string(key) + "\" refused by the vendor's PIN rules (length or characters)",
            {{"key", key}});
    }
}

void requireSoPinForm(const SecretBuffer& pin)
{
    bool printable = !pin.view().empty() && pin.size() <= kMaxSoPinLength;
    for (const char ch : pin.view()) {
        const auto c = static_cast<unsigned char>(ch);
        printable = printable && c >= 0x20 && c <= 0x7E;
    }
    if (!printable) {
        throw HostError(ErrorCode::PinInvalid, "argument \"soPin\" is empty, too long or not printable ASCII",
                        {{"key", "soPin"}, {"user", "so"}});
    }
}

CertificateEntry findCertificateForPinCommand(CommandContext& context, const std::string& certificateId,
                                              const std::string& origin)
{
    auto entry = context.certificates.find(context.registry, certificateId, context.now,
                                           CertificateFinder::Remembered::Check);
    if (!entry) {
        throw HostError(ErrorCode::CertificateNotFound, "no certificate with id " + certificateId);
    }
    requireOriginAllowedFor(context, entry->plugin->id(), origin);
    return std::move(*entry);
}

}  // namespace cabridge
