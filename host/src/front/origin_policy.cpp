#include "origin_policy.h"

#include <algorithm>

#include "file_text.h"
#include "origin.h"
#include "public_suffix.h"

#include <nlohmann/json.hpp>

#include <sys/stat.h>

namespace cabridge {
namespace {

constexpr std::size_t kMaxPolicyBytes = std::size_t {1024} * 1024;

// A wildcard is "https://*.<suffix>[:port]" where "x.<suffix>[:port]" parses as an origin.
std::optional<Origin> parseWildcard(std::string_view entry)
{
    constexpr std::string_view prefix = "https://*.";
    if (!entry.starts_with(prefix)) {
        return std::nullopt;
    }
    auto probe = parseOrigin("https://x." + std::string(entry.substr(prefix.size())));
    if (!probe || probe->host.front() == '[') {
        return std::nullopt;
    }
    probe->host = probe->host.substr(1);  // keep ".<suffix>"
    return probe;
}

// Why the wildcard `entry` (parsed as `wildcard`) may not be used, or nullopt.
std::optional<std::string> wildcardError(std::string_view entry, const Origin& wildcard)
{
    const auto suffix = std::string_view(wildcard.host).substr(1);  // without the leading "."
    const auto isSuffix = isPublicSuffix(suffix);
    if (!isSuffix) {
        return "wildcard " + std::string(entry) + " cannot be checked: the public suffix list " +
               kPublicSuffixListFile + " cannot be read (install the publicsuffix package)";
    }
    if (*isSuffix) {
        return "wildcard " + std::string(entry) + " covers the public suffix " + std::string(suffix);
    }
    return std::nullopt;
}

// Whether `entry` covers the origin. Entries were checked for syntax already; a wildcard is
// checked against the public suffix list only here, when it would match, so a host whose
// plugins declare wildcards reads the list only when a page under one of them asks.
bool matches(std::string_view entry, std::string_view origin, const Origin& parsed)
{
    if (entry == origin) {
        return true;
    }
    if (parsed.scheme != "https") {
        return false;  // wildcards never cover plain http
    }
    const auto wildcard = parseWildcard(entry);
    return wildcard && wildcard->port == parsed.port && parsed.host.size() > wildcard->host.size() &&
           parsed.host.ends_with(wildcard->host) && !wildcardError(entry, *wildcard);
}

bool matchesAny(const std::vector<std::string>& entries, std::string_view origin, const Origin& parsed)
{
    for (const auto& entry : entries) {
        if (matches(entry, origin, parsed)) {
            return true;
        }
    }
    return false;
}

bool containsExactly(const std::vector<std::string>& entries, std::string_view origin)
{
    for (const auto& entry : entries) {
        if (entry == origin) {
            return true;
        }
    }
    return false;
}

// The entries that are origins or wildcards by syntax (the public suffix rule is applied when
// a wildcard would match: matches()).
std::vector<std::string> wellFormedOnly(const std::vector<std::string>& entries)
{
    std::vector<std::string> out;
    for (const auto& entry : entries) {
        if (parseOrigin(entry) || parseWildcard(entry)) {
            out.push_back(entry);
        }
    }
    return out;
}

// The policy file's scalar legacy settings (LegacySettings): nullopt when `key` is not one,
// "" when it was read into `legacy`, else why the file is refused.
std::optional<std::string> readLegacySetting(const std::string& key, const nlohmann::json& value,
                                             LegacySettings& legacy)
{
    const auto oneOf = [&](std::string& target, std::initializer_list<const char*> allowed) -> std::string {
        for (const char* choice : allowed) {
            if (value.is_string() && value.get<std::string>() == choice) {
                target = choice;
                return "";
            }
        }
        return "policy file key \"" + key + "\" must be one of " + std::data(allowed)[0] + ", " + std::data(allowed)[1];
    };
    if (key == "legacyHash") return oneOf(legacy.hash, {"sha1", "sha256"});
    if (key == "legacySm2Signature") return oneOf(legacy.sm2Signature, {"der", "raw"});
    if (key == "legacyHelperVersion") {
        if (!value.is_number_integer() || value.get<std::int64_t>() < 0 || value.get<std::int64_t>() > INT32_MAX) {
            return "policy file key \"legacyHelperVersion\" must be an integer 0..2147483647";
        }
        legacy.helperVersion = value.get<std::int64_t>();
        return "";
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> originPatternError(std::string_view entry)
{
    if (parseOrigin(entry)) {
        return std::nullopt;
    }
    if (const auto wildcard = parseWildcard(entry)) {
        return wildcardError(entry, *wildcard);
    }
    return "neither an origin nor a wildcard \"https://*.<domain>[:port]\": " + std::string(entry);
}

bool isValidOriginPattern(std::string_view entry)
{
    return !originPatternError(entry);
}

std::string originPatternProblem(std::string_view entry)
{
    const auto error = originPatternError(entry);
    if (!error) {
        return {};
    }
    if (parseWildcard(entry)) {
        return *error;  // a well-formed wildcard that covers a public suffix
    }
    if (entry.size() > 255) {
        return "an origin has at most 255 characters";
    }
    const bool https = entry.starts_with("https://");
    if (!https && !entry.starts_with("http://")) {
        return "an origin starts with http:// or https:// (lowercase)";
    }
    const std::string_view rest = entry.substr(https ? 8 : 7);
    if (rest.find_first_of("/?#") != std::string_view::npos) {
        return "an origin has no path, query or fragment, not even a trailing \"/\"";
    }
    if (rest.find('@') != std::string_view::npos) {
        return "an origin has no user name or password";
    }
    if (rest.find('*') != std::string_view::npos) {
        return "a wildcard is only \"https://*.<domain>[:port]\": https, \"*.\" as the first label only, and a "
               "fixed port (wildcards never cover plain http or a port)";
    }
    for (const char c : rest) {
        if (c >= 'A' && c <= 'Z') {
            return "an origin is written in lowercase, as the browser reports it";
        }
    }
    const std::size_t close = rest.rfind(']');
    const std::size_t colon = rest.rfind(':');
    if (colon != std::string_view::npos && (close == std::string_view::npos || colon > close) &&
        !parseOrigin(std::string(https ? "https://" : "http://") + "x" + std::string(rest.substr(colon)))) {
        return "a port is a number from 1 to 65535 without leading zeros";
    }
    return "the host is a DNS name, an IPv4 address or a bracketed IPv6 address";
}

AdminPolicyLoad loadAdminPolicy(const std::filesystem::path& file)
{
    FileTrust trust;
    return loadAdminPolicy(file, trust);
}

AdminPolicyLoad loadAdminPolicy(const std::filesystem::path& file, FileTrust& trust)
{
    AdminPolicyLoad result;
    // One open: its error says whether there is a policy, fstat the rest.
    const SmallFile read = openSmallFile(file, kMaxPolicyBytes);
    if (read.openError == ENOENT) {
        return result;  // no policy file: nothing added, nothing removed
    }
    if (read.openError != 0) {
        result.error = "cannot read policy file " + file.string();
        return result;
    }
    const struct stat& st = read.status;
    if (!S_ISREG(st.st_mode)) {
        result.error = "policy file is not a regular file: " + file.string();
        return result;
    }
    // Whoever can change the policy decides which sites use the person's certificates.
    if (auto untrusted = trust.check(file, st)) {
        result.error = "policy file not trusted, ignored: " + *untrusted;
        return result;
    }
    const auto& text = read.text;
    if (!text) {
        result.error = "cannot read policy file (or it is over 1 MiB) " + file.string();
        return result;
    }
    const auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        result.error = "policy file is not a JSON object: " + file.string();
        return result;
    }
    AdminPolicy policy;
    for (const auto& [key, value] : json.items()) {
        if (const auto legacyError = readLegacySetting(key, value, policy.legacy)) {
            if (legacyError->empty()) continue;  // a legacy setting, read
            result.error = *legacyError;
            return result;
        }
        std::vector<std::string>* target = nullptr;
        if (key == "allowOrigins") target = &policy.allowOrigins;
        else if (key == "denyOrigins") target = &policy.denyOrigins;
        else if (key == "legacyOrigins") target = &policy.legacyOrigins;
        else if (key == "trustedOrigins") target = &policy.trustedOrigins;
        else if (key == "legacyLoginOrigins") target = &policy.legacy.loginOrigins;
        else if (key == "enrollOrigins") target = &policy.enrollOrigins;
        else if (key == "denyEnrollOrigins") target = &policy.denyEnrollOrigins;
        else {
            result.error = "policy file has unknown key \"" + key + "\"";
            return result;
        }
        if (!value.is_array()) {
            result.error = "policy file key \"" + key + "\" must be an array of origins";
            return result;
        }
        for (const auto& entry : value) {
            std::string rule = entry.is_string() ? originPatternProblem(entry.get<std::string>())
                                                 : "an entry is a JSON string";
            // Trust is given to exact origins only, never to a wildcard.
            if (rule.empty() && key == "trustedOrigins" && !parseOrigin(entry.get<std::string>())) {
                rule = "a trusted origin is one exact origin, not a wildcard";
            }
            if (!rule.empty()) {
                if (!result.error) {
                    result.error = "policy file key \"" + key + "\" has an invalid origin: " + entry.dump() + " (" +
                                   rule + ")";
                }
                result.entryProblems.push_back(
                    {key, entry.is_string() ? entry.get<std::string>() : entry.dump(), rule});
                continue;
            }
            target->push_back(entry.get<std::string>());
        }
    }
    if (result.error) {
        return result;  // refused whole; entryProblems lists every bad entry
    }
    result.policy = std::move(policy);
    return result;
}

OriginPolicy::OriginPolicy(std::vector<VendorOrigins> vendors, const AdminPolicy& admin)
    : vendors_(std::move(vendors)), allow_(wellFormedOnly(admin.allowOrigins)),
      deny_(wellFormedOnly(admin.denyOrigins)), legacy_(wellFormedOnly(admin.legacyOrigins)),
      legacyLogin_(wellFormedOnly(admin.legacy.loginOrigins)), trusted_(wellFormedOnly(admin.trustedOrigins)),
      enroll_(wellFormedOnly(admin.enrollOrigins)), enrollDeny_(wellFormedOnly(admin.denyEnrollOrigins))
{
    for (auto& vendor : vendors_) {
        vendor.origins = wellFormedOnly(vendor.origins);
        vendor.enrollOrigins = wellFormedOnly(vendor.enrollOrigins);
    }
}

OriginPolicy::Verdict OriginPolicy::verdict(const std::vector<std::string>* vendorOrigins,
                                            std::string_view origin) const
{
    const auto parsed = parseOrigin(origin);
    if (!parsed) {
        return Verdict::NotAllowed;
    }
    const bool followsList = parsed->scheme == "https" || isLoopbackHost(*parsed);
    const bool denied = matchesAny(deny_, origin, *parsed);
    if (!followsList) {
        // Plain http elsewhere: only an exact, non-denied entry lets it in.
        const bool listed = containsExactly(allow_, origin) ||
                            (vendorOrigins != nullptr && containsExactly(*vendorOrigins, origin));
        return listed && !denied ? Verdict::Allowed : Verdict::Insecure;
    }
    const bool listed = matchesAny(allow_, origin, *parsed) ||
                        (vendorOrigins != nullptr && matchesAny(*vendorOrigins, origin, *parsed));
    return listed && !denied ? Verdict::Allowed : Verdict::NotAllowed;
}

OriginPolicy::Verdict OriginPolicy::check(std::string_view origin) const
{
    Verdict result = verdict(nullptr, origin);
    for (const auto& vendor : vendors_) {
        if (result == Verdict::Allowed) {
            break;
        }
        result = verdict(&vendor.origins, origin);
    }
    return result;
}

OriginPolicy::Verdict OriginPolicy::checkFor(std::string_view vendor, std::string_view origin) const
{
    for (const auto& declared : vendors_) {
        if (declared.vendor == vendor) {
            return verdict(&declared.origins, origin);
        }
    }
    return verdict(nullptr, origin);
}

std::optional<OriginPolicy::Verdict> OriginPolicy::adminVerdict(std::string_view origin) const
{
    const auto parsed = parseOrigin(origin);
    if (!parsed) {
        return Verdict::NotAllowed;
    }
    if (matchesAny(deny_, origin, *parsed)) {
        return Verdict::NotAllowed;  // no declaration can undo a denial
    }
    if (verdict(nullptr, origin) == Verdict::Allowed) {
        return Verdict::Allowed;
    }
    return std::nullopt;
}

bool OriginPolicy::legacyAllowed(std::string_view vendor, std::string_view origin) const
{
    return checkFor(vendor, origin) == Verdict::Allowed && legacyListed(origin, false);
}

bool OriginPolicy::legacyListed(std::string_view origin, bool pinFromPage) const
{
    const auto parsed = parseOrigin(origin);
    if (!parsed) {
        return false;
    }
    const bool exactOnly = parsed->scheme == "http" && !isLoopbackHost(*parsed);
    const auto listed = [&](const std::vector<std::string>& list) {
        return exactOnly ? containsExactly(list, origin) : matchesAny(list, origin, *parsed);
    };
    return listed(legacy_) && (!pinFromPage || listed(legacyLogin_));
}

bool OriginPolicy::trusted(std::string_view origin) const
{
    const auto parsed = parseOrigin(origin);
    if (!parsed || check(origin) != Verdict::Allowed) {
        return false;
    }
    if (parsed->scheme == "http" && !isLoopbackHost(*parsed)) {
        return containsExactly(trusted_, origin);
    }
    return matchesAny(trusted_, origin, *parsed);
}

bool OriginPolicy::enrollAllowedFor(std::string_view vendor, std::string_view origin) const
{
    const auto parsed = parseOrigin(origin);
    if (!parsed) {
        return false;
    }
    const std::vector<std::string>* declared = nullptr;
    for (const auto& entry : vendors_) {
        if (entry.vendor == vendor) {
            declared = &entry.enrollOrigins;
        }
    }
    // Plain http elsewhere: only an exact entry, as for the portal origins.
    const bool exactOnly = parsed->scheme == "http" && !isLoopbackHost(*parsed);
    const auto listed = [&](const std::vector<std::string>& list) {
        return exactOnly ? containsExactly(list, origin) : matchesAny(list, origin, *parsed);
    };
    if (matchesAny(deny_, origin, *parsed) || matchesAny(enrollDeny_, origin, *parsed)) {
        return false;
    }
    return listed(enroll_) || (declared != nullptr && listed(*declared));
}

bool OriginPolicy::enrollAllowedForAny(std::string_view origin) const
{
    if (enrollAllowedFor("", origin)) {
        return true;  // by the policy's own enrollOrigins
    }
    return std::any_of(vendors_.begin(), vendors_.end(),
                       [&](const VendorOrigins& vendor) { return enrollAllowedFor(vendor.vendor, origin); });
}

}  // namespace cabridge
