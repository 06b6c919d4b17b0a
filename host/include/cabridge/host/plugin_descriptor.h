// Drop-in plugin descriptors: <dir>/<id>.json (docs/architecture.md).
#pragma once

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cabridge {

struct PluginDeadlines {
    std::chrono::milliseconds enumerate {10000};
    std::chrono::milliseconds login {20000};
    std::chrono::milliseconds sign {20000};
};

struct PluginDescriptor {
    std::string id;  // equals the file name without ".json"
    std::string name;
    std::filesystem::path file;     // the descriptor itself
    std::filesystem::path library;  // resolved (resolvePluginLibrary), physically inside a plugin dir
    nlohmann::json config = nlohmann::json::object();
    PluginDeadlines deadlines;
    // "environment": variables the vendor's middleware needs (SOFTHSM2_CONF, a vendor's log
    // switch), set in the host process before the plugin library is loaded (LoadedPlugin::load),
    // sorted by name. The host otherwise has only the browser's environment.
    std::vector<std::pair<std::string, std::string>> environment;
};

// Thrown for a descriptor that cannot be used; what() says why (for status and log).
class DescriptorError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parses `text` read from `file`. Checks: JSON object; "id" matches
// [a-z0-9_-]{1,64} and the file name; "abi" == 1; "library" a non-empty string;
// "name" string if present; "config" object if present; "deadlines" object of
// positive integers <= 600000 with known keys; "environment" an object of at most 32 names
// matching [A-Za-z_][A-Za-z0-9_]{0,127}, none starting with "LD_" (the dynamic loader reads
// those only when a process starts), each a string of at most 4096 bytes without NUL.
// Does not touch the library.
PluginDescriptor parsePluginDescriptor(const std::filesystem::path& file, std::string_view text);

// A directory as the file system knows it (device and inode): the same directory whatever
// path, symlink or bind mount leads to it.
struct DirIdentity {
    dev_t device = 0;
    ino_t inode = 0;
    bool operator==(const DirIdentity&) const = default;
};

// The identity of `dir`, or nullopt when it is not a directory that can be stat'ed.
std::optional<DirIdentity> dirIdentity(const std::filesystem::path& dir);

// Resolves descriptor.library against the descriptor's directory (absolute paths
// stay as they are) and requires it to be a regular file that lies, physically (every
// symlink on the way followed, as a canonical path would), inside one of the directories
// `pluginDirs` identifies. A library that is itself a symlink is replaced by its target.
// Returns the path to load or throws DescriptorError.
std::filesystem::path resolvePluginLibrary(const std::filesystem::path& descriptorFile, const std::string& library,
                                           const std::vector<DirIdentity>& pluginDirs);
// The same for plugin directories given by path (each is stat'ed).
std::filesystem::path resolvePluginLibrary(const std::filesystem::path& descriptorFile, const std::string& library,
                                           const std::vector<std::filesystem::path>& pluginDirs);

// A descriptor file's id as its name says ("hebca.json" -> "hebca").
std::string descriptorIdFromFile(const std::filesystem::path& file);

}  // namespace cabridge
