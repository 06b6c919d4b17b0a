// `unblock-challenge`: the online-unlock challenge of the token that holds a certificate, for
// the CA's server to answer (docs/protocol.md); `unblock-pin` with `response` then sets the new
// user PIN.
//
// Order of checks: arguments -> origin allowed -> certificate found live -> origin allowed for
// its vendor -> the vendor unlocks online -> unblock_challenge. No PIN is involved; a token
// that takes no more responses is PIN_LOCKED (details.user "response") with the vendor's contact.
#include "command_context.h"
#include "online_unlock.h"

#include "logger.h"

#include <cabridge/common/encoding.h>

namespace cabridge {

nlohmann::json runUnblockChallenge(CommandContext& context, Request& request)
{
    requireOnlyKeys(request.arguments, {"certificateId"});
    const auto certificateId = requiredStringArgument(request.arguments, "certificateId");

    const CertificateEntry entry = findCertificateForOnlineUnlock(context, certificateId, request.origin);
    LoadedPlugin& plugin = *entry.plugin;
    requireOnlineUnlock(plugin, "unblock-challenge");

    LoadedPlugin::UnblockChallenge challenge;
    try {
        challenge = plugin.unblockChallenge(entry.tokenRef);
    } catch (const PluginCallFailure& e) {
        throw onlineUnlockError(e, plugin);
    }
    Logger::info(plugin.id() + ": issued an online-unlock challenge of token " + entry.tokenSerial + " for " +
                 request.origin);
    return {{"challenge", base64Encode(challenge.challenge)}, {"serial", challenge.serial}};
}

}  // namespace cabridge
