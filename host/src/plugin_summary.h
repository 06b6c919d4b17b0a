// What `status` and the origin policy need to know of a plugin: its names, whether it works,
// and the portal origins it declares. Built from a loaded plugin, or from the record of an
// earlier start of the same plugin build (plugin_start_cache.h) without loading it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cabridge {

struct PluginSummary {
    std::string id;
    std::string name;
    std::string version;
    std::optional<std::string> error;  // set: `state: error` with this reason
    std::vector<std::string> origins;
    std::vector<std::string> legacyOrigins;

    bool ok() const noexcept { return !error; }
};

}  // namespace cabridge
