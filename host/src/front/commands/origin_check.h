// The origin check every certificate command makes (docs/protocol.md section 5).
#pragma once

#include "origin_policy.h"

#include <string>

namespace cabridge {

// Throws ORIGIN_NOT_ALLOWED or INSECURE_ORIGIN unless `policy` allows `origin`; with a refused
// policy file nothing is allowed (ORIGIN_NOT_ALLOWED, details.policy "error").
void requireAllowedOrigin(const OriginPolicy& policy, const AdminPolicyLoad& adminPolicy, const std::string& origin);

}  // namespace cabridge
