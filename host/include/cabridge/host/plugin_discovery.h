// Finds plugin descriptors in the configured directories (docs/architecture.md "Plugins").
// Reads and checks descriptors only; loading a plugin is plugin_registry.h's job, in the token
// engine, so the host front can answer `status` without loading any plugin.
#pragma once

#include "file_trust.h"
#include "plugin_descriptor.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cabridge {

struct DiscoveredDescriptor {
    std::string fileId;                      // the id the file name gives (names an unusable descriptor)
    std::optional<PluginDescriptor> usable;  // parsed, library resolved inside a plugin dir
    std::string error;                       // why it cannot be used, when `usable` is empty
};

// Scans `dirs` in order (missing directories are skipped), taking every "*.json" file in name
// order. The first descriptor with a given id wins; later ones are logged and ignored. Every
// descriptor that cannot be used is still returned, with its reason (also logged). A descriptor
// or library that is not trusted (file_trust.h: owned by root or this user, not writable by
// group or others, nor any directory above it) cannot be used.
std::vector<DiscoveredDescriptor> discoverPluginDescriptors(const std::vector<std::filesystem::path>& dirs);
// The same, sharing the directories `trust` has checked with the caller (the policy file's).
std::vector<DiscoveredDescriptor> discoverPluginDescriptors(const std::vector<std::filesystem::path>& dirs,
                                                            FileTrust& trust);

}  // namespace cabridge
