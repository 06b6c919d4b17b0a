// Which page origins may use certificates (docs/protocol.md section 5).
//
// allowed for vendor V = (origins V's plugin declares) + policy "allowOrigins" - policy "denyOrigins"
// allowed              = allowed for some vendor (what `status` reports)
// legacy for vendor V  = policy "legacyOrigins", and only if allowed for V. A plugin's own
//                        "legacyOrigins" grant nothing: only the administrator may let a site
//                        have the unbound signature.
// trusted              = policy "trustedOrigins", and only if allowed (the extension then skips
//                        its per-visit consent question for a plain-http origin).
// enrol for vendor V   = (enrollOrigins V's plugin declares) + policy "enrollOrigins"
//                        - policy "denyEnrollOrigins" - policy "denyOrigins": the CA sites that
//                        may put a new key and certificate on V's tokens (generate-key,
//                        install-certificate, list-keys, remove-key) and list V's certificates.
//                        Independent of "allowed": a portal never enrols, a CA site need not log in.
//
// A vendor's declared origins unlock that vendor's certificates only: a portal of one CA must
// not read or use the certificates of another CA on the same computer.
//
// https origins and http://localhost / http://127.0.0.1 (any port) follow the
// list, where an entry is an exact origin or a wildcard "https://*.example.gov.cn"
// (optionally with ":port"), which matches any subdomain of example.gov.cn (not
// example.gov.cn itself) on that exact port. Any other http origin is allowed
// only by an exact entry (wildcards never match plain http), else INSECURE_ORIGIN.
// A wildcard over a public suffix ("https://*.cn", "https://*.gov.cn") is never valid
// (public_suffix.h); checking that reads the public suffix list, so only wildcards pay for it.
#pragma once

#include "file_trust.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cabridge {

// How the extension serves HeBCA's legacy helper protocol to the legacyOrigins pages
// (docs/protocol.md section 5, additions). The host itself uses none of it: it tells the
// extension (`legacy-policy`).
struct LegacySettings {
    // Origins (of legacyOrigins) whose pages may hand the PIN over (the helper's Login{pin}).
    std::vector<std::string> loginOrigins;
    std::string hash = "sha1";              // RSA hash of SignText/SignB64: "sha1" (HeBCA algorithm 1) or "sha256"
    std::string sm2Signature = "der";       // SM2 signature encoding: "der" or "raw" (r || s)
    std::int64_t helperVersion = 0x060305;  // what ReadRegB64 answers for the helper's `version`
};

// The administrator's policy file contents.
struct AdminPolicy {
    std::vector<std::string> allowOrigins;
    std::vector<std::string> denyOrigins;
    std::vector<std::string> legacyOrigins;
    // Exact origins whose consent the extension may remember even over plain
    // http (the extension asks a plain-http site every time otherwise).
    std::vector<std::string> trustedOrigins;
    LegacySettings legacy;  // keys legacyLoginOrigins, legacyHash, legacySm2Signature, legacyHelperVersion
    // CA enrolment sites for every vendor, and the ones removed from what plugins declare.
    std::vector<std::string> enrollOrigins {};
    std::vector<std::string> denyEnrollOrigins {};
};

// One entry of a policy file that is not valid, and the rule it breaks (for `cabridge doctor`).
struct PolicyEntryProblem {
    std::string key;    // "allowOrigins", "denyOrigins", "legacyOrigins" or "trustedOrigins"
    std::string entry;  // the entry as written (JSON text when it is not a string)
    std::string rule;   // the rule it breaks, in English
};

// The portal origins one vendor's plugin declares (its `describe`).
struct VendorOrigins {
    std::string vendor;  // plugin id
    std::vector<std::string> origins;
    std::vector<std::string> enrollOrigins {};  // the CA's own sites (describe "enrollOrigins")
};

struct AdminPolicyLoad {
    AdminPolicy policy;                // empty when `error` is set
    std::optional<std::string> error;  // why the file was refused; nullopt when ok or absent
    // Every invalid entry (not only the first, which `error` names), so an administrator can
    // fix them all in one go. Empty unless the file was refused for its entries.
    std::vector<PolicyEntryProblem> entryProblems;
};

// Reads a policy file. A missing file is fine (empty policy). A file that is not
// trusted (file_trust.h: owner root or this user, not group- or world-writable, nor any
// directory above it), not a regular file, not a JSON object, has unknown keys, or
// holds an entry that is neither an origin nor a valid wildcard is refused
// whole: the result is an empty policy plus the reason. The host then allows no
// origin at all (fail closed: the file may have denied origins plugins declare).
AdminPolicyLoad loadAdminPolicy(const std::filesystem::path& file);
// The same, sharing the directories `trust` has already checked (the plugin directories').
AdminPolicyLoad loadAdminPolicy(const std::filesystem::path& file, FileTrust& trust);

// True if `entry` is an origin or a wildcard pattern this policy understands (a wildcard over
// a public suffix is not; nor any wildcard when the public suffix list cannot be read).
bool isValidOriginPattern(std::string_view entry);

// Why `entry` is not a valid pattern: the rule it breaks, in English ("an origin has no path,
// not even a trailing /"). Empty when it is valid.
std::string originPatternProblem(std::string_view entry);

// Why `entry` is not a valid pattern (for the log), or nullopt when it is.
std::optional<std::string> originPatternError(std::string_view entry);

class OriginPolicy {
public:
    enum class Verdict { Allowed, NotAllowed, Insecure };

    // Entries that are not valid patterns are ignored.
    OriginPolicy(std::vector<VendorOrigins> vendors, const AdminPolicy& admin);

    // Whether `origin` may use the certificates of at least one vendor (or, with no plugin
    // declaring it, by the administrator's lists alone). `origin` must already be
    // syntactically valid (parseOrigin); anything else is NotAllowed.
    Verdict check(std::string_view origin) const;

    // Whether `origin` may use the certificates of `vendor` (plugin id): the administrator's
    // lists, plus the origins that vendor itself declares.
    Verdict checkFor(std::string_view vendor, std::string_view origin) const;

    // Whether the administrator's lists alone decide `origin` without the plugins: denied
    // (NotAllowed) or allowed; nullopt when a plugin's declaration could still allow it.
    std::optional<Verdict> adminVerdict(std::string_view origin) const;

    // Whether the origin may use the unbound legacy signing mode with `vendor`'s
    // certificates: listed in the policy's legacyOrigins, and allowed for that vendor.
    bool legacyAllowed(std::string_view vendor, std::string_view origin) const;

    // Whether the policy lists the origin in trustedOrigins (and it is allowed).
    bool trusted(std::string_view origin) const;

    // Whether the policy's legacyOrigins (and, with `pinFromPage`, also legacyLoginOrigins)
    // list the origin, whatever the vendors: what the extension's legacy bridge may serve.
    bool legacyListed(std::string_view origin, bool pinFromPage) const;

    // Whether `origin` is a CA enrolment site for `vendor`'s tokens (file comment, "enrol").
    // Plain http other than loopback only by an exact entry, as for `verdict`.
    bool enrollAllowedFor(std::string_view vendor, std::string_view origin) const;
    // Whether `origin` is an enrolment site for at least one vendor (or by the policy alone).
    bool enrollAllowedForAny(std::string_view origin) const;

private:
    Verdict verdict(const std::vector<std::string>* vendorOrigins, std::string_view origin) const;

    std::vector<VendorOrigins> vendors_;
    std::vector<std::string> allow_;
    std::vector<std::string> deny_;
    std::vector<std::string> legacy_;
    std::vector<std::string> legacyLogin_;
    std::vector<std::string> trusted_;
    std::vector<std::string> enroll_;
    std::vector<std::string> enrollDeny_;
};

}  // namespace cabridge
