// Finds plugin descriptors in the configured directories and loads each plugin.
#pragma once

#include "plugin.h"

#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

namespace cabridge {

// How plugins are started the first time (plugin_probe.h). An empty `prober` loads every
// plugin straight into this process, as unit tests and tools that cannot spawn the host do.
struct PluginProbing {
    std::filesystem::path prober;     // an executable that understands --probe-plugin
    std::filesystem::path cacheFile;  // where verdicts are remembered; empty: not remembered
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

    const std::vector<std::unique_ptr<Plugin>>& plugins() const noexcept { return plugins_; }

    // nullptr when no plugin has that id.
    Plugin* find(std::string_view id) const;

private:
    std::vector<std::unique_ptr<Plugin>> plugins_;
};

}  // namespace cabridge
