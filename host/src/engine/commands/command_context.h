// What a token command handler may use, and those handlers (one file each). `status` and
// `quit` are the host front's (host_commands.h).
#pragma once

#include "certificate_finder.h"
#include "error.h"
#include "commands/origin_check.h"
#include "origin_policy.h"
#include "plugin_registry.h"
#include "request.h"

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>

namespace cabridge {

struct CommandContext {
    PluginRegistry& registry;
    const OriginPolicy& policy;
    const AdminPolicyLoad& adminPolicy;
    std::chrono::system_clock::time_point now;
    CertificateFinder& certificates;  // lives as long as the connection
};

// Throws ORIGIN_NOT_ALLOWED or INSECURE_ORIGIN unless the policy allows `origin`.
inline void requireAllowedOrigin(const CommandContext& context, const std::string& origin)
{
    requireAllowedOrigin(context.policy, context.adminPolicy, origin);
}

// Throws ORIGIN_NOT_ALLOWED unless `origin` may use the certificates of `vendor` (plugin id):
// a vendor's declared origins unlock that vendor's certificates only (origin_policy.h).
inline void requireOriginAllowedFor(const CommandContext& context, const std::string& vendor, const std::string& origin)
{
    if (context.policy.checkFor(vendor, origin) != OriginPolicy::Verdict::Allowed) {
        throw HostError(ErrorCode::OriginNotAllowed, "origin " + origin + " may not use " + vendor + "'s certificates",
                        {{"vendor", vendor}});
    }
}

// Each returns the "result" object or throws HostError. `request` is mutable so
// authenticate can wipe the PIN inside it.
nlohmann::json runListCertificates(CommandContext& context, Request& request);
nlohmann::json runAuthenticate(CommandContext& context, Request& request);
// `change-pin` and `unblock-pin` (change_pin.cpp, unblock_pin.cpp): wipe the PINs inside `request`.
nlohmann::json runChangePin(CommandContext& context, Request& request);
nlohmann::json runUnblockPin(CommandContext& context, Request& request);
// The CA enrolment commands (generate_key.cpp, install_certificate.cpp, list_keys.cpp,
// remove_key.cpp; enrollment_command.h): only for CA enrolment origins; wipe the PIN.
nlohmann::json runGenerateKey(CommandContext& context, Request& request);
nlohmann::json runInstallCertificate(CommandContext& context, Request& request);
nlohmann::json runListKeys(CommandContext& context, Request& request);
nlohmann::json runRemoveKey(CommandContext& context, Request& request);
// `unblock-challenge` (unblock_challenge.cpp): the online-unlock challenge of a certificate's token.
nlohmann::json runUnblockChallenge(CommandContext& context, Request& request);

}  // namespace cabridge
