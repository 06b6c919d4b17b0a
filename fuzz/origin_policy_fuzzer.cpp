// Fuzz target: the administrator's origin policy file (host/src/front/origin_policy.*) and
// the origin parser it and every request rely on (host/src/front/origin.*). The input is
// the policy file's text (loadAdminPolicy insists on a path: one private scratch
// file, written in place per input) and, as is, a candidate origin string.
// Checks: a refused file yields no entries; every accepted entry is a valid
// pattern; the OriginPolicy built from it never allows, trusts or grants legacy mode
// to an origin it denies, grants legacy mode only to origins allowed for that vendor,
// trusts only allowed origins, and never lets a wildcard admit plain http; an accepted origin is at most 255 characters
// with no userinfo, path, query or fragment.
#include "fuzz_target.h"
#include "scratch_file.h"

#include "origin.h"
#include "origin_policy.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace {

using cabridge::fuzz::require;
using Verdict = cabridge::OriginPolicy::Verdict;

// What two vendors' plugins would declare, so the policy's additions and removals meet base lists.
const std::vector<cabridge::VendorOrigins>& vendorOrigins()
{
    static const std::vector<cabridge::VendorOrigins> vendors = {
        {"hebca", {"https://si.example.gov.cn", "https://www.hebca.com"}},
        {"other", {"https://portal.other.example.com"}}};
    return vendors;
}

std::vector<std::string> pluginOrigins()
{
    std::vector<std::string> all;
    for (const auto& vendor : vendorOrigins()) all.insert(all.end(), vendor.origins.begin(), vendor.origins.end());
    return all;
}

bool listed(const std::vector<std::string>& list, std::string_view origin)
{
    return std::find(list.begin(), list.end(), origin) != list.end();
}

bool anyWildcard(const std::vector<std::string>& list)
{
    return std::any_of(list.begin(), list.end(),
                       [](const std::string& entry) { return entry.find('*') != std::string::npos; });
}

void checkPolicy(const cabridge::AdminPolicyLoad& load)
{
    const auto& policy = load.policy;
    if (load.error) {
        require(policy.allowOrigins.empty() && policy.denyOrigins.empty() && policy.legacyOrigins.empty() &&
                    policy.trustedOrigins.empty(),
                "a refused policy file still yielded entries");
        return;
    }
    for (const auto* list :
         {&policy.allowOrigins, &policy.denyOrigins, &policy.legacyOrigins, &policy.trustedOrigins}) {
        for (const auto& entry : *list) {
            require(cabridge::isValidOriginPattern(entry), "accepted policy holds an invalid origin pattern");
        }
    }
    const cabridge::OriginPolicy origins(vendorOrigins(), policy);
    // Probe every entry, plus a subdomain for each wildcard, and the plugin origins.
    std::vector<std::string> probes = pluginOrigins();
    for (const auto* list :
         {&policy.allowOrigins, &policy.denyOrigins, &policy.legacyOrigins, &policy.trustedOrigins}) {
        for (const auto& entry : *list) {
            probes.push_back(entry);
            if (const auto star = entry.find("://*."); star != std::string::npos) {
                probes.push_back(entry.substr(0, star) + "://fuzz" + entry.substr(star + 4));
            }
        }
    }
    for (const auto& probe : probes) {
        const auto origin = cabridge::parseOrigin(probe);
        if (!origin) {
            continue;  // a wildcard pattern itself is not an origin
        }
        const Verdict verdict = origins.check(probe);
        const bool trusted = origins.trusted(probe);
        for (const auto& vendor : vendorOrigins()) {
            const bool legacy = origins.legacyAllowed(vendor.vendor, probe);
            if (listed(policy.denyOrigins, probe)) {
                require(origins.checkFor(vendor.vendor, probe) != Verdict::Allowed, "a denied origin is allowed");
                require(!legacy, "a denied origin may use legacy mode");
            }
            if (legacy) {
                require(origins.checkFor(vendor.vendor, probe) == Verdict::Allowed,
                        "legacy mode allowed for an origin that is not allowed for that vendor");
                require(listed(policy.legacyOrigins, probe) || anyWildcard(policy.legacyOrigins),
                        "legacy mode granted by something other than the policy file");
            }
        }
        if (listed(policy.denyOrigins, probe)) {
            require(verdict != Verdict::Allowed, "a denied origin is allowed");
            require(!trusted, "a denied origin is trusted");
        }
        if (trusted) {
            require(verdict == Verdict::Allowed, "an origin that is not allowed is trusted");
        }
        if (origin->scheme == "http" && !cabridge::isLoopbackHost(*origin) && !listed(policy.allowOrigins, probe) &&
            !listed(pluginOrigins(), probe)) {
            require(verdict != Verdict::Allowed, "plain http allowed without an exact entry");
        }
    }
}

void checkOriginText(std::string_view text)
{
    const auto origin = cabridge::parseOrigin(text);
    if (!origin) {
        return;
    }
    require(text.size() <= 255, "origin over 255 characters accepted");
    require(origin->scheme == "http" || origin->scheme == "https", "origin with another scheme accepted");
    const auto rest = text.substr(text.find("://") + 3);
    require(rest.find_first_of("/?#@") == std::string_view::npos, "origin with path, query, fragment or userinfo");
    require(origin->toString() == text, "an accepted origin does not serialize back to itself");
}

// A policy file the loader must accept through the scratch file, or every input would be refused
// (the file-trust check) and the fuzzer would never reach the policy logic.
cabridge::fuzz::ScratchFile& scratchFile()
{
    static cabridge::fuzz::ScratchFile file("cabridge-fuzz-policy");
    static const bool checked = [] {
        static constexpr std::string_view kGood = R"({"allowOrigins":["https://a.example.gov.cn"]})";
        file.write(reinterpret_cast<const std::uint8_t*>(kGood.data()), kGood.size());
        require(!cabridge::loadAdminPolicy(file.path()).error,
                "a valid policy file is refused through the scratch file");
        return true;
    }();
    (void)checked;
    return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto& file = scratchFile();
    file.write(data, size);
    checkPolicy(cabridge::loadAdminPolicy(file.path()));
    checkOriginText(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
