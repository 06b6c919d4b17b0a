#include "origin_check.h"

#include "error.h"

namespace cabridge {

void requireAllowedOrigin(const OriginPolicy& policy, const AdminPolicyLoad& adminPolicy, const std::string& origin)
{
    if (adminPolicy.error) {
        // The controller allows nothing then (fail closed); say why, for the administrator.
        throw HostError(ErrorCode::OriginNotAllowed, "origin policy file refused, so no origin is allowed: " + origin,
                        {{"policy", "error"}});
    }
    switch (policy.check(origin)) {
    case OriginPolicy::Verdict::Allowed:
        return;
    case OriginPolicy::Verdict::Insecure:
        throw HostError(ErrorCode::InsecureOrigin, "plain http origin not listed: " + origin);
    case OriginPolicy::Verdict::NotAllowed:
        break;
    }
    throw HostError(ErrorCode::OriginNotAllowed, "origin not allowed: " + origin);
}

}  // namespace cabridge
