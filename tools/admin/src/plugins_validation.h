// Checking a vendor plugin the way cabridge-host will load it: the host's own
// descriptor parser, library resolution and loader (host/include/cabridge/host/loaded_plugin*.cpp), so
// `cabridge plugins add|check` accept exactly what the host accepts.
#pragma once

#include <cabridge/host/loaded_plugin.h>
#include <cabridge/host/plugin_descriptor.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cabridge::admin {

// [a-z0-9-]{1,32}: stricter than the host, so an id is also a safe file name.
bool is_admin_plugin_id(const std::string &id);

// A descriptor that is not installed yet, checked and with its library found.
struct CandidatePlugin {
  nlohmann::json document;               // the descriptor as written by the vendor
  PluginDescriptor descriptor;           // parsed as if installed as <id>.json
  std::filesystem::path library;         // real path of the library it names
  std::unique_ptr<LoadedPlugin> plugin;  // loaded from `library`, in the ok state
};

// Reads `file` (at most 64 KiB of JSON), applies the host's descriptor checks
// plus the id rule above, finds the library (absolute; else next to the
// descriptor; else by file name in `search_dirs`, which is how examples name
// the bundled generic plugin), requires config.id, when present, to equal the
// descriptor's id, and loads it (dlopen, cabridge_plugin_v1, ABI version and
// table size, create(config), describe). Throws AdminError with the reason.
CandidatePlugin check_candidate(const std::filesystem::path &file,
                                const std::vector<std::filesystem::path> &search_dirs);

// Loads an installed descriptor exactly as the host does (parse, library inside
// `plugin_dirs`, load). Throws AdminError for a descriptor the host would refuse;
// a plugin that loads in the error state is returned as such.
std::unique_ptr<LoadedPlugin> load_installed(const std::filesystem::path &descriptor_file,
                                             const std::vector<std::filesystem::path> &plugin_dirs);

// The tokens `plugin` sees now, each certificate with its subject DN, validity
// and SHA-256 (from the host's CertInfo code). Throws AdminError when
// list_tokens fails.
nlohmann::json inspect_tokens(LoadedPlugin &plugin);

}  // namespace cabridge::admin
