// `status`: served to every origin so a page can tell "extension present but
// this site is not allowed" apart from "nothing installed".
#include "host_commands.h"

#include <cabridge/version.h>

#include <algorithm>

namespace cabridge {

nlohmann::json runStatus(const std::vector<PluginSummary>& plugins, const OriginPolicy& policy,
                         const AdminPolicyLoad& adminPolicy, const Request& request)
{
    requireOnlyKeys(request.arguments, {});
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& plugin : plugins) {
        nlohmann::json entry = {{"id", plugin.id},
                                {"name", plugin.name},
                                {"version", plugin.version},
                                {"state", plugin.ok() ? "ok" : "error"}};
        if (plugin.error) {
            entry["error"] = *plugin.error;
        }
        entries.push_back(std::move(entry));
    }
    nlohmann::json policyState = {{"state", adminPolicy.error ? "error" : "ok"}};
    if (adminPolicy.error) {
        policyState["error"] = *adminPolicy.error;
    }
    const bool allowed = policy.check(request.origin) == OriginPolicy::Verdict::Allowed;
    nlohmann::json reply = {{"version", kVersion},
                            {"protocol", kProtocolVersion},
                            {"originAllowed", allowed},
                            {"plugins", std::move(entries)},
                            {"policy", std::move(policyState)}};
    if (allowed) {
        // Lets the extension remember a plain-http site's consent (docs/protocol.md).
        const auto& trusted = adminPolicy.policy.trustedOrigins;
        reply["originTrusted"] = std::find(trusted.begin(), trusted.end(), request.origin) != trusted.end();
    }
    return reply;
}

}  // namespace cabridge
