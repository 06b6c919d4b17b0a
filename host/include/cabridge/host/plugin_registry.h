// Loads each plugin the configured directories describe (plugin_discovery.h finds them).
#pragma once

#include "loaded_plugin.h"
#include "plugin_discovery.h"
#include "plugin_summary.h"

#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace cabridge {

// How plugins are started the first time (plugin_probe.h). An empty `prober` loads every
// plugin straight into this process, as unit tests and tools that cannot spawn the host do.
struct PluginProbing {
    std::filesystem::path prober;     // an executable that understands --probe-plugin
    std::filesystem::path cacheFile;  // where verdicts are remembered; empty: not remembered
    // Marks the token calls of every plugin loaded with a known identity (token_call_marker.h);
    // null: calls are not marked and faults not remembered.
    std::shared_ptr<TokenCallMarker> marker;
    // Given to every loaded plugin (LoadedPlugin::onTokenTimeout); empty: the process only exits.
    std::function<void()> onTokenTimeout;
};

class PluginRegistry {
public:
    // Scans `dirs` in order (missing directories are skipped), taking every
    // "*.json" file in name order. The first descriptor with a given id wins;
    // later ones are logged and ignored. Every descriptor that cannot be used
    // still yields a Plugin in the error state, named by its file name. With
    // `probing.prober` set, a plugin build not yet seen to start is first started in a child
    // process; one that crashes there is an error-state Plugin and is never loaded here.
    static PluginRegistry discover(const std::vector<std::filesystem::path>& dirs, const PluginProbing& probing = {});
    // The same for descriptors the caller has already found (plugin_discovery.h). A plugin that
    // starts cleanly in this process is recorded in `probing.cacheFile` with what it described
    // (plugin_start_cache.h), so a later host can answer `status` without loading it. A
    // token fault remembered for a plugin's build comes with it (LoadedPlugin::tokenFault).
    static PluginRegistry load(const std::vector<DiscoveredDescriptor>& descriptors, const PluginProbing& probing = {});

    std::vector<PluginSummary> summaries() const;

    const std::vector<std::unique_ptr<LoadedPlugin>>& plugins() const noexcept { return plugins_; }

    // nullptr when no plugin has that id.
    LoadedPlugin* find(std::string_view id) const;

private:
    std::vector<std::unique_ptr<LoadedPlugin>> plugins_;
};

}  // namespace cabridge
