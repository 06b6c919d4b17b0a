// `status`: served to every origin so a page can tell "extension present but
// this site is not allowed" apart from "nothing installed". Only an origin that may use
// certificates (or the admin tool) learns which vendors' plugins are installed: the list tells a
// site which CAs a person deals with.
#include "host_commands.h"

#include <cabridge/version.h>

namespace cabridge {

void runStatusArgumentCheck(const Request& request)
{
    requireOnlyKeys(request.arguments, {});
}

nlohmann::json runStatusWithoutPlugins()
{
    return {{"version", kVersion}, {"protocol", kProtocolVersion}, {"originAllowed", false}};
}

nlohmann::json runStatus(const std::vector<PluginSummary>& plugins, const OriginPolicy& policy,
                         const AdminPolicyLoad& adminPolicy, const Request& request)
{
    runStatusArgumentCheck(request);
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
        // Lets the extension remember a plain-http site's consent (docs/protocol.md section 7).
        reply["originTrusted"] = policy.trusted(request.origin);
    }
    if (!adminPolicy.error && policy.enrollAllowedForAny(request.origin)) {
        reply["enrollAllowed"] = true;  // a CA enrolment site (docs/protocol.md section 3.8)
    }
    return reply;
}

}  // namespace cabridge
