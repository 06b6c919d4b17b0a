// The commands the host front answers itself, without the token engine (controller.h).
#pragma once

#include "origin_policy.h"
#include "plugin_summary.h"
#include "request.h"

#include <nlohmann/json.hpp>

#include <vector>

namespace cabridge {

// `status`: version, protocol, whether the request's origin may use certificates (and, when it
// may, whether the policy trusts it), the plugins and the policy file's state.
nlohmann::json runStatus(const std::vector<PluginSummary>& plugins, const OriginPolicy& policy,
                         const AdminPolicyLoad& adminPolicy, const Request& request);

// `status` for an origin that may not use certificates: version, protocol and
// originAllowed false, nothing about plugins or policy.
nlohmann::json runStatusWithoutPlugins();

// Refuses `status` arguments (it takes none) before anything is read.
void runStatusArgumentCheck(const Request& request);

// `legacy-policy` (docs/protocol.md section 3.6): the policy file's legacy settings for the
// extension's HeBCA bridge, and whether the request's origin is a legacy one. Reads no plugin.
nlohmann::json runLegacyPolicy(const AdminPolicyLoad& adminPolicy, const Request& request);

// `quit`: checks the (empty) arguments; the controller replies {} and ends the loop.
void runQuit(const Request& request);

}  // namespace cabridge
