// `unblock-pin`: with the administrator (SO) PIN, set a new user PIN on the token that holds a
// certificate, ending a lock of the user PIN (docs/protocol.md). With `response` instead of
// `soPin` (exactly one of the two), the CA's answer to `unblock-challenge` does it: online
// unlock (online_unlock.cpp).
//
// Order of checks as for change-pin (change_pin.cpp): both PINs leave the JSON -> arguments ->
// origin allowed -> certificate found live -> origin allowed for its vendor -> the plugin can
// unblock -> SO PIN form, new PIN fits the vendor's PIN rules -> unblock_pin (one attempt with
// the SO PIN). PIN_INCORRECT and PIN_LOCKED then speak of the SO PIN: details.user "so", and a
// locked SO PIN points at the vendor's contact (only the CA can help then), not at unlocking.
#include "command_context.h"
#include "online_unlock.h"
#include "pin_command.h"

#include "logger.h"
#include "wire_error_for_plugin.h"

namespace cabridge {
namespace {

HostError soPinError(const PluginCallFailure& failure, const LoadedPlugin& plugin)
{
    HostError error = toHostError(failure, plugin);
    if (error.code() != ErrorCode::PinIncorrect && error.code() != ErrorCode::PinLocked) {
        return error;
    }
    nlohmann::json details = error.code() == ErrorCode::PinLocked ? helpDetails(plugin, "contact") : error.details();
    details["user"] = "so";
    return {error.code(), error.what(), details};
}

}  // namespace

nlohmann::json runUnblockPin(CommandContext& context, Request& request)
{
    auto [soPin, newPin, certificateId, online] = takePinCommandArguments(request.arguments, "soPin", "response");
    if (online) {
        return unblockPinWithResponse(context, request.origin, certificateId, *soPin, *newPin);
    }

    requireAllowedOrigin(context, request.origin);
    const CertificateEntry entry = findCertificateForPinCommand(context, certificateId, request.origin);
    LoadedPlugin& plugin = *entry.plugin;
    if (!plugin.unblocksPin()) {
        // As in change-pin: INVALID_ARGUMENT, with the vendor's own unlocking path.
        auto details = helpDetails(plugin, "unlock");
        details["unsupported"] = "unblock-pin";
        throw HostError(ErrorCode::InvalidArgument, plugin.id() + " cannot unblock a PIN", details);
    }
    requireSoPinForm(*soPin);
    requirePinFitsRules(plugin, *newPin, "newPin");

    try {
        plugin.unblockPin(entry.tokenRef, *soPin, *newPin);
    } catch (const PluginCallFailure& e) {
        throw soPinError(e, plugin);
    }
    soPin.reset();  // wiped now; the token call was their only use
    newPin.reset();
    Logger::info(plugin.id() + ": unblocked the user PIN of token " + entry.tokenSerial + " for " + request.origin);
    return nlohmann::json::object();
}

}  // namespace cabridge
