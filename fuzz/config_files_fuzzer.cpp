// Fuzz target: the files an administrator or a vendor installer writes and the
// host trusts to be well formed: plugin descriptors (host/src/plugin_descriptor.*),
// the origin policy file (origin_policy.*) and the host configuration
// (host_config.*). The same input is offered to all three parsers; each either
// refuses it with its documented error or returns something that keeps the
// promises of its header (checked below).
#include "fuzz_target.h"
#include "scratch_file.h"

#include "host_config.h"
#include "origin.h"
#include "origin_policy.h"
#include "plugin_descriptor.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>

namespace {

using cabridge::fuzz::require;

void checkDescriptor(std::string_view text)
{
    // The id must equal the file name, so the corpus descriptors say "id": "hebca".
    const std::filesystem::path file = "/nonexistent-cabridge-fuzz/hebca.json";
    cabridge::PluginDescriptor descriptor;
    try {
        descriptor = cabridge::parsePluginDescriptor(file, text);
    } catch (const cabridge::DescriptorError&) {
        return;
    }
    require(descriptor.id == "hebca", "descriptor accepted with an id other than its file name");
    require(descriptor.config.is_object(), "descriptor config is not an object");
    for (const auto deadline :
         {descriptor.deadlines.enumerate, descriptor.deadlines.login, descriptor.deadlines.sign}) {
        require(deadline > std::chrono::milliseconds::zero() && deadline <= std::chrono::milliseconds(600000),
                "descriptor deadline out of (0, 600000] ms");
    }
    // The library does not exist; resolving must refuse it, not crash.
    try {
        (void)cabridge::resolvePluginLibrary(file, descriptor.library, {"/nonexistent-cabridge-fuzz"});
        cabridge::fuzz::invariantFailed("resolvePluginLibrary accepted a library that does not exist");
    } catch (const cabridge::DescriptorError&) {
    }
}

void checkPolicy(const cabridge::fuzz::ScratchFile& file)
{
    const auto load = cabridge::loadAdminPolicy(file.path());
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
    const cabridge::OriginPolicy origins({{"hebca", {"https://si.example.gov.cn"}}}, policy);
    for (const auto& entry : policy.denyOrigins) {
        if (cabridge::parseOrigin(entry)) {
            require(origins.check(entry) != cabridge::OriginPolicy::Verdict::Allowed, "a denied origin is allowed");
            require(!origins.legacyAllowed("hebca", entry), "a denied origin may use legacy mode");
            require(!origins.trusted(entry), "a denied origin is trusted");
        }
    }
    for (const auto& entry : policy.legacyOrigins) {
        if (origins.legacyAllowed("hebca", entry)) {
            require(origins.checkFor("hebca", entry) == cabridge::OriginPolicy::Verdict::Allowed,
                    "legacy mode allowed for an origin that is not allowed");
        }
    }
    for (const auto& entry : policy.trustedOrigins) {
        if (origins.trusted(entry)) {
            require(origins.check(entry) == cabridge::OriginPolicy::Verdict::Allowed,
                    "an origin that is not allowed is trusted");
        }
    }
}

void checkHostConfig(const cabridge::fuzz::ScratchFile& file)
{
    const std::filesystem::path exeDir = "/nonexistent-cabridge-fuzz/bin";
    const auto config = cabridge::loadHostConfigFile(file.path(), exeDir);
    if (config.error) {
        const auto defaults = cabridge::defaultHostConfig(exeDir);
        require(config.pluginDirs == defaults.pluginDirs && config.allowedExtensions == defaults.allowedExtensions &&
                    config.policyFile == defaults.policyFile,
                "a refused host config did not fall back to the defaults");
        return;
    }
    require(!config.policyFile.empty() && !config.logFile.empty(), "accepted host config has an empty path");
    require(std::none_of(config.allowedExtensions.begin(), config.allowedExtensions.end(),
                         [](const std::string& id) { return id.empty(); }),
            "accepted host config has an empty extension id");
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
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static cabridge::fuzz::ScratchFile file("cabridge-fuzz-config");
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    checkDescriptor(text);
    file.write(data, size);
    checkPolicy(file);
    checkHostConfig(file);
    checkOriginText(text);
    return 0;
}
