// Which page origins may use certificates (docs/protocol.md section 5).
//
// allowed = (origins the plugins declare) + policy "allowOrigins" - policy "denyOrigins"
// legacy  = (plugins' "legacyOrigins") + policy "legacyOrigins", and only if allowed.
//
// https origins and http://localhost / http://127.0.0.1 (any port) follow the
// list, where an entry is an exact origin or a wildcard "https://*.example.gov.cn"
// (optionally with ":port"), which matches any subdomain of example.gov.cn (not
// example.gov.cn itself) on that exact port. Any other http origin is allowed
// only by an exact entry (wildcards never match plain http), else INSECURE_ORIGIN.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cabridge {

// The administrator's policy file contents.
struct AdminPolicy {
    std::vector<std::string> allowOrigins;
    std::vector<std::string> denyOrigins;
    std::vector<std::string> legacyOrigins;
    // Exact origins whose consent the extension may remember even over plain
    // http (the extension asks a plain-http site every time otherwise).
    std::vector<std::string> trustedOrigins;
};

// One entry of a policy file that is not valid, and the rule it breaks (for `cabridge doctor`).
struct PolicyEntryProblem {
    std::string key;    // "allowOrigins", "denyOrigins" or "legacyOrigins"
    std::string entry;  // the entry as written (JSON text when it is not a string)
    std::string rule;   // the rule it breaks, in English
};

struct AdminPolicyLoad {
    AdminPolicy policy;                // empty when `error` is set
    std::optional<std::string> error;  // why the file was refused; nullopt when ok or absent
    // Every invalid entry (not only the first, which `error` names), so an administrator can
    // fix them all in one go. Empty unless the file was refused for its entries.
    std::vector<PolicyEntryProblem> entryProblems;
};

// Reads a policy file. A missing file is fine (empty policy). A file that is
// world-writable, not a regular file, not a JSON object, has unknown keys, or
// holds an entry that is neither an origin nor a valid wildcard is refused
// whole: the result is an empty policy plus the reason. The host then allows no
// origin at all (fail closed: the file may have denied origins plugins declare).
AdminPolicyLoad loadAdminPolicy(const std::filesystem::path& file);

// True if `entry` is an origin or a wildcard pattern this policy understands.
bool isValidOriginPattern(std::string_view entry);

// Why `entry` is not a valid pattern: the rule it breaks, in English ("an origin has no path,
// not even a trailing /"). Empty when it is valid.
std::string originPatternProblem(std::string_view entry);

class OriginPolicy {
public:
    enum class Verdict { Allowed, NotAllowed, Insecure };

    // Entries that are not valid patterns are ignored.
    OriginPolicy(const std::vector<std::string>& pluginOrigins, const std::vector<std::string>& pluginLegacyOrigins,
                 const AdminPolicy& admin);

    // `origin` must already be syntactically valid (parseOrigin); anything else is NotAllowed.
    Verdict check(std::string_view origin) const;

    // Whether the origin may use the unbound legacy signing mode (implies Allowed).
    bool legacyAllowed(std::string_view origin) const;

private:
    std::vector<std::string> allow_;
    std::vector<std::string> deny_;
    std::vector<std::string> legacy_;
};

}  // namespace cabridge
