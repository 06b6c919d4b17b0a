// What `unblock-challenge` and `unblock-pin` with `response` share: online unlock, where the
// token's challenge is answered by the CA's server (plugin.h unblock_challenge /
// unblock_with_response; docs/protocol.md).
#pragma once

#include "command_context.h"
#include "loaded_plugin.h"
#include "secret_buffer.h"

#include <string>
#include <string_view>

namespace cabridge {

// The certificate `certificateId` read live from its token, for an online-unlock step from
// `origin`, which must be a CA enrolment origin of the certificate's vendor;
// ORIGIN_NOT_ALLOWED (before any token is read when it is no enrolment site at all) or
// CERTIFICATE_NOT_FOUND otherwise.
CertificateEntry findCertificateForOnlineUnlock(CommandContext& context, const std::string& certificateId,
                                                const std::string& origin);

// INVALID_ARGUMENT (details.unsupported = `command`, the vendor's unlock help) unless the
// vendor's keys unlock online.
void requireOnlineUnlock(const LoadedPlugin& plugin, std::string_view command);

// The wire error for a failed online-unlock call: PIN_INCORRECT and PIN_LOCKED speak of the
// CA's response (details.user "response"; retriesLeft counts the responses the token still
// takes), and a locked token points at the vendor's contact, as a locked SO PIN does.
HostError onlineUnlockError(const PluginCallFailure& failure, const LoadedPlugin& plugin);

// unblock-pin with `response` (base64 of the CA's answer, kept in a wiped buffer): decodes it
// (INVALID_ARGUMENT unless 1..1024 bytes), finds the certificate, checks the vendor unlocks
// online and the new PIN fits its rules, then one unblock_with_response. Returns `{}`.
nlohmann::json unblockPinWithResponse(CommandContext& context, const std::string& origin,
                                      const std::string& certificateId, const SecretBuffer& response,
                                      const SecretBuffer& newPin);

}  // namespace cabridge
