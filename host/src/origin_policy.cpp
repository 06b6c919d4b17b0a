#include "origin_policy.h"

#include "file_text.h"
#include "origin.h"

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
           parsed.host.ends_with(wildcard->host);
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

std::vector<std::string> validOnly(const std::vector<std::string>& entries)
{
    std::vector<std::string> out;
    for (const auto& entry : entries) {
        if (isValidOriginPattern(entry)) {
            out.push_back(entry);
        }
    }
    return out;
}

}  // namespace

bool isValidOriginPattern(std::string_view entry)
{
    return parseOrigin(entry).has_value() || parseWildcard(entry).has_value();
}

std::string originPatternProblem(std::string_view entry)
{
    if (isValidOriginPattern(entry)) {
        return {};
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
    if ((st.st_mode & S_IWOTH) != 0) {
        result.error = "policy file is world-writable, ignored: " + file.string();
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
        std::vector<std::string>* target = nullptr;
        if (key == "allowOrigins") target = &policy.allowOrigins;
        else if (key == "denyOrigins") target = &policy.denyOrigins;
        else if (key == "legacyOrigins") target = &policy.legacyOrigins;
        else if (key == "trustedOrigins") target = &policy.trustedOrigins;
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
                    result.error = "policy file key \"" + key + "\" has an invalid origin: " + entry.dump();
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

OriginPolicy::OriginPolicy(const std::vector<std::string>& pluginOrigins,
                           const std::vector<std::string>& pluginLegacyOrigins, const AdminPolicy& admin)
    : allow_(validOnly(pluginOrigins)), deny_(validOnly(admin.denyOrigins)), legacy_(validOnly(pluginLegacyOrigins))
{
    for (const auto& entry : validOnly(admin.allowOrigins)) allow_.push_back(entry);
    for (const auto& entry : validOnly(admin.legacyOrigins)) legacy_.push_back(entry);
}

OriginPolicy::Verdict OriginPolicy::check(std::string_view origin) const
{
    const auto parsed = parseOrigin(origin);
    if (!parsed) {
        return Verdict::NotAllowed;
    }
    const bool followsList = parsed->scheme == "https" || isLoopbackHost(*parsed);
    if (!followsList) {
        // Plain http elsewhere: only an exact, non-denied entry lets it in.
        return containsExactly(allow_, origin) && !matchesAny(deny_, origin, *parsed) ? Verdict::Allowed
                                                                                      : Verdict::Insecure;
    }
    return matchesAny(allow_, origin, *parsed) && !matchesAny(deny_, origin, *parsed) ? Verdict::Allowed
                                                                                      : Verdict::NotAllowed;
}

bool OriginPolicy::legacyAllowed(std::string_view origin) const
{
    const auto parsed = parseOrigin(origin);
    if (!parsed || check(origin) != Verdict::Allowed) {
        return false;
    }
    if (parsed->scheme == "http" && !isLoopbackHost(*parsed)) {
        return containsExactly(legacy_, origin);
    }
    return matchesAny(legacy_, origin, *parsed);
}

}  // namespace cabridge
