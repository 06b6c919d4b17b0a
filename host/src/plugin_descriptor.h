// Drop-in plugin descriptors: <dir>/<id>.json (docs/architecture.md).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <string>
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
    std::filesystem::path library;  // resolved real path, inside a plugin dir
    nlohmann::json config = nlohmann::json::object();
    PluginDeadlines deadlines;
};

// Thrown for a descriptor that cannot be used; what() says why (for status and log).
class DescriptorError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parses `text` read from `file`. Checks: JSON object; "id" matches
// [a-z0-9_-]{1,64} and the file name; "abi" == 1; "library" a non-empty string;
// "name" string if present; "config" object if present; "deadlines" object of
// positive integers <= 600000 with known keys. Does not touch the library.
PluginDescriptor parsePluginDescriptor(const std::filesystem::path& file, std::string_view text);

// Resolves descriptor.library against the descriptor's directory (absolute paths
// stay as they are), follows symlinks, and requires the result to exist and lie
// inside one of `pluginDirs`. Returns the real path or throws DescriptorError.
std::filesystem::path resolvePluginLibrary(const std::filesystem::path& descriptorFile, const std::string& library,
                                           const std::vector<std::filesystem::path>& pluginDirs);

// A descriptor file's id as its name says ("hebca.json" -> "hebca").
std::string descriptorIdFromFile(const std::filesystem::path& file);

}  // namespace cabridge
