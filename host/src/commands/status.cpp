// `status`: served to every origin so a page can tell "extension present but
// this site is not allowed" apart from "nothing installed".
#include "command_context.h"

#include <cabridge/version.h>

namespace cabridge {

void requireAllowedOrigin(const CommandContext& context, const std::string& origin)
{
    if (context.adminPolicy.error) {
        // The controller allows nothing then (fail closed); say why, for the administrator.
        throw HostError(ErrorCode::OriginNotAllowed, "origin policy file refused, so no origin is allowed: " + origin,
                        {{"policy", "error"}});
    }
    switch (context.policy.check(origin)) {
    case OriginPolicy::Verdict::Allowed:
        return;
    case OriginPolicy::Verdict::Insecure:
        throw HostError(ErrorCode::InsecureOrigin, "plain http origin not listed: " + origin);
    case OriginPolicy::Verdict::NotAllowed:
        break;
    }
    throw HostError(ErrorCode::OriginNotAllowed, "origin not allowed: " + origin);
}

nlohmann::json runStatus(CommandContext& context, Request& request)
{
    requireOnlyKeys(request.arguments, {});
    nlohmann::json plugins = nlohmann::json::array();
    for (const auto& plugin : context.registry.plugins()) {
        nlohmann::json entry = {{"id", plugin->id()},
                                {"name", plugin->name()},
                                {"version", plugin->version()},
                                {"state", plugin->ok() ? "ok" : "error"}};
        if (!plugin->ok()) {
            entry["error"] = *plugin->error();
        }
        plugins.push_back(std::move(entry));
    }
    nlohmann::json policy = {{"state", context.adminPolicy.error ? "error" : "ok"}};
    if (context.adminPolicy.error) {
        policy["error"] = *context.adminPolicy.error;
    }
    return {{"version", kVersion},
            {"protocol", kProtocolVersion},
            {"originAllowed", context.policy.check(request.origin) == OriginPolicy::Verdict::Allowed},
            {"plugins", std::move(plugins)},
            {"policy", std::move(policy)}};
}

}  // namespace cabridge
