// `change-pin`: the user PIN of the token that holds a certificate, from the old PIN to a new
// one (docs/protocol.md).
//
// Order of checks (each failure stops before the token is touched): both PINs leave the JSON ->
// arguments -> origin allowed -> certificate found live -> origin allowed for its vendor ->
// the vendor's plugin can change a PIN -> old and new PIN fit the vendor's PIN rules, and
// differ -> change_pin (one attempt with the old PIN). The PINs are wiped when the call
// returns and appear in no log line or error.
#include "command_context.h"
#include "pin_command.h"

#include "logger.h"
#include "wire_error_for_plugin.h"

namespace cabridge {

nlohmann::json runChangePin(CommandContext& context, Request& request)
{
    auto [oldPin, newPin, certificateId, alternative] = takePinCommandArguments(request.arguments, "oldPin");
    static_cast<void>(alternative);  // change-pin has no alternative proof

    requireAllowedOrigin(context, request.origin);
    const CertificateEntry entry = findCertificateForPinCommand(context, certificateId, request.origin);
    LoadedPlugin& plugin = *entry.plugin;
    if (!plugin.changesPin()) {
        // The protocol has no code of its own for an operation a vendor lacks; INVALID_ARGUMENT is
        // what an operation the key cannot do maps to (plugin.h CABRIDGE_ERR_UNSUPPORTED).
        auto details = helpDetails(plugin, "contact");
        details["unsupported"] = "change-pin";
        throw HostError(ErrorCode::InvalidArgument, plugin.id() + " cannot change a PIN", details);
    }
    requirePinFitsRules(plugin, *oldPin, "oldPin");
    requirePinFitsRules(plugin, *newPin, "newPin");
    if (oldPin->view() == newPin->view()) {
        throw HostError(ErrorCode::PinInvalid, "the new PIN equals the old one", {{"key", "newPin"}, {"same", true}});
    }

    try {
        plugin.changePin(entry.tokenRef, *oldPin, *newPin);
    } catch (const PluginCallFailure& e) {
        throw toHostError(e, plugin);
    }
    oldPin.reset();  // wiped now; the token call was their only use
    newPin.reset();
    Logger::info(plugin.id() + ": changed the user PIN of token " + entry.tokenSerial + " for " + request.origin);
    return nlohmann::json::object();
}

}  // namespace cabridge
