// `legacy-policy`: what the extension needs to serve HeBCA's helper protocol to the pages the
// administrator chose (docs/protocol.md section 3.6). Only the extension asks it (pages cannot
// send host commands); it answers from the policy file alone, so no plugin is loaded.
#include "host_commands.h"

namespace cabridge {

nlohmann::json runLegacyPolicy(const AdminPolicyLoad& adminPolicy, const Request& request)
{
    requireOnlyKeys(request.arguments, {});
    // A refused file allows nothing (fail closed, as for every origin): no legacy origin either.
    const AdminPolicy& admin = adminPolicy.policy;
    const OriginPolicy policy({}, admin);
    nlohmann::json origins = nlohmann::json::array();
    for (const auto& entry : admin.legacyOrigins) {
        origins.push_back(entry);
    }
    const LegacySettings& legacy = admin.legacy;
    return {{"legacyOrigins", std::move(origins)},
            {"origin",
             {{"legacy", policy.legacyListed(request.origin, false)},
              {"pinFromPage", policy.legacyListed(request.origin, true)}}},
            {"hash", legacy.hash},
            {"sm2Signature", legacy.sm2Signature},
            {"helperVersion", legacy.helperVersion},
            {"policy", {{"state", adminPolicy.error ? "error" : "ok"}}}};
}

}  // namespace cabridge
