// `list-certificates`: the certificates on every token now present, or on one
// vendor's tokens when `vendor` is given.
#include "command_context.h"

#include "logger.h"
#include "plugin_errors.h"

namespace cabridge {

nlohmann::json runListCertificates(CommandContext& context, Request& request)
{
    requireOnlyKeys(request.arguments, {"vendor", "purpose"});
    const auto vendor = optionalStringArgument(request.arguments, "vendor");
    const auto purpose = optionalStringArgument(request.arguments, "purpose").value_or("any");
    if (purpose != "login" && purpose != "sign" && purpose != "any") {
        throw HostError(ErrorCode::InvalidArgument, "purpose must be login, sign or any", {{"key", "purpose"}});
    }
    Plugin* only = nullptr;
    if (vendor) {
        only = context.registry.find(*vendor);
        if (only == nullptr) {
            throw HostError(ErrorCode::InvalidArgument, "unknown vendor \"" + *vendor + "\"", {{"key", "vendor"}});
        }
    }
    requireAllowedOrigin(context, request.origin);

    nlohmann::json certificates = nlohmann::json::array();
    for (const auto& plugin : context.registry.plugins()) {
        if (only != nullptr && plugin.get() != only) {
            continue;
        }
        if (!plugin->ok()) {
            if (only != nullptr) {
                throw HostError(ErrorCode::PluginError, plugin->id() + " is not loaded: " + *plugin->error());
            }
            continue;
        }
        TokenInventory inventory;
        try {
            inventory = context.certificates.inventory(*plugin, context.now);
        } catch (const PluginCallError& e) {
            if (only != nullptr) {
                throw toHostError(e, *plugin);
            }
            Logger::warn(plugin->id() + ": list_tokens failed, skipped: " + e.what());
            continue;
        }
        // NO_TOKEN only when the caller asked for this vendor and it has no token.
        if (only != nullptr && inventory.tokenCount == 0) {
            throw HostError(ErrorCode::NoToken, plugin->id() + " has no token", helpDetails(*plugin, "reinsert"));
        }
        for (auto& entry : inventory.certificates) {
            if (suitsPurpose(entry.facts, purpose)) {
                certificates.push_back(std::move(entry.certInfo));
            }
        }
    }
    return {{"certificates", std::move(certificates)}};
}

}  // namespace cabridge
