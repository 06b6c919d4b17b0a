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
    // The error is a remembered token fault (a listing call past its deadline, or a crash): the
    // plugin is loaded and answers requests that name it, so its origins still count, or a page
    // could never name the vendor to try it again.
    bool tokenFault = false;
    // The CA's own sites that may enrol keys on this vendor's tokens (origin_policy.h, "enrol").
    std::vector<std::string> enrollOrigins {};

    bool ok() const noexcept { return !error; }
    // Whether the plugin's declared origins may be used (origin_policy.h).
    bool servesOrigins() const noexcept { return !error || tokenFault; }
};

}  // namespace cabridge
