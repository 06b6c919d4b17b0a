#include "plugin_registry.h"

#include "logger.h"
#include "plugin_probe.h"

namespace cabridge {
namespace {

// The reason not to load `descriptor` (whose pluginIdentity is `identity`) in this process, or
// nullopt when it started cleanly in a probe (now or remembered from an earlier start).
std::optional<std::string> probeRefusal(const PluginDescriptor& descriptor, const std::string& identity,
                                        const PluginProbing& probing, ProbeCache& cache)
{
    auto verdict = cache.find(identity);
    if (!verdict) {
        const auto run = probeInChild(probing.prober, descriptor);
        if (!run) {
            return std::nullopt;
        }
        if (run->remember) {
            cache.remember(identity, run->verdict);
        }
        verdict = run->verdict;
        Logger::info("plugin " + descriptor.id + " probed in a child process: " +
                     (verdict->crashed ? verdict->reason : std::string("started cleanly")));
    }
    if (verdict->crashed) {
        return verdict->reason;
    }
    return std::nullopt;
}

// What a loaded plugin says of itself, for the start record.
PluginSummary describedBy(const LoadedPlugin& plugin)
{
    return {plugin.id(),  plugin.name(),         plugin.version(),
            std::nullopt, plugin.origins(),      plugin.legacyOrigins(),
            false,        plugin.enrollOrigins()};
}

std::unique_ptr<LoadedPlugin> loadDescriptor(const DiscoveredDescriptor& found, const PluginProbing& probing,
                                             ProbeCache& cache)
{
    if (!found.usable) {
        return LoadedPlugin::failed(found.fileId, found.fileId, found.error);
    }
    const auto& descriptor = *found.usable;
    // Empty when not probing or when the library cannot be examined (the load reports that).
    const std::string identity = probing.prober.empty() ? std::string() : pluginIdentity(descriptor);
    if (!identity.empty()) {
        if (auto refusal = probeRefusal(descriptor, identity, probing, cache)) {
            Logger::error("plugin " + descriptor.id + ": " + *refusal);
            return LoadedPlugin::failed(descriptor.id, descriptor.name, std::move(*refusal));
        }
    }
    auto plugin = LoadedPlugin::load(descriptor);
    plugin->onTokenTimeout(probing.onTokenTimeout);
    if (plugin->ok() && !identity.empty()) {
        // Only clean starts are recorded: a plugin that failed is loaded again next time, so
        // `status` shows its current reason, not a remembered one.
        if (probing.marker) {
            // Before rememberStarted: find() takes the stored entry as it was read.
            const auto verdict = cache.find(identity);
            plugin->watchTokenCalls(probing.marker, identity, verdict ? verdict->tokenFault : std::nullopt);
        }
        cache.rememberStarted(identity, describedBy(*plugin));
    }
    return plugin;
}

}  // namespace

PluginRegistry PluginRegistry::discover(const std::vector<std::filesystem::path>& dirs, const PluginProbing& probing)
{
    return load(discoverPluginDescriptors(dirs), probing);
}

PluginRegistry PluginRegistry::load(const std::vector<DiscoveredDescriptor>& descriptors, const PluginProbing& probing)
{
    PluginRegistry registry;
    ProbeCache cache(probing.prober.empty() ? std::filesystem::path() : probing.cacheFile);
    for (const auto& found : descriptors) {
        registry.plugins_.push_back(loadDescriptor(found, probing, cache));
    }
    cache.save();
    return registry;
}

std::vector<PluginSummary> PluginRegistry::summaries() const
{
    std::vector<PluginSummary> result;
    for (const auto& plugin : plugins_) {
        auto summary = describedBy(*plugin);
        summary.error = plugin->error();
        if (!summary.error && plugin->tokenFault()) {
            summary.error = plugin->tokenFault()->reason;
            summary.tokenFault = true;
        }
        result.push_back(std::move(summary));
    }
    return result;
}

LoadedPlugin* PluginRegistry::find(std::string_view id) const
{
    for (const auto& plugin : plugins_) {
        if (plugin->id() == id) {
            return plugin.get();
        }
    }
    return nullptr;
}

}  // namespace cabridge
