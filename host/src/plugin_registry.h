// Finds plugin descriptors in the configured directories and loads each plugin.
#pragma once

#include "plugin.h"

#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

namespace cabridge {

class PluginRegistry {
public:
    // Scans `dirs` in order (missing directories are skipped), taking every
    // "*.json" file in name order. The first descriptor with a given id wins;
    // later ones are logged and ignored. Every descriptor that cannot be used
    // still yields a Plugin in the error state, named by its file name.
    static PluginRegistry discover(const std::vector<std::filesystem::path>& dirs);

    const std::vector<std::unique_ptr<Plugin>>& plugins() const noexcept { return plugins_; }

    // nullptr when no plugin has that id.
    Plugin* find(std::string_view id) const;

private:
    std::vector<std::unique_ptr<Plugin>> plugins_;
};

}  // namespace cabridge
