#include "plugin_descriptor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <optional>
#include <utility>

namespace cabridge {
namespace {

bool isValidPluginId(std::string_view id)
{
    if (id.empty() || id.size() > 64) {
        return false;
    }
    for (const char c : id) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

std::chrono::milliseconds deadlineValue(const nlohmann::json& value, const std::string& key)
{
    if (!value.is_number_integer() || value.get<long long>() <= 0 || value.get<long long>() > 600000) {
        throw DescriptorError("\"deadlines." + key + "\" must be an integer between 1 and 600000");
    }
    return std::chrono::milliseconds(value.get<long long>());
}

bool isValidEnvironmentName(std::string_view name)
{
    if (name.empty() || name.size() > 128 || (name.front() >= '0' && name.front() <= '9')) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

std::vector<std::pair<std::string, std::string>> environmentValue(const nlohmann::json& value)
{
    if (!value.is_object() || value.size() > 32) {
        throw DescriptorError("\"environment\" must be an object of at most 32 variables");
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [name, text] : value.items()) {
        if (!isValidEnvironmentName(name)) {
            throw DescriptorError("\"environment\" name \"" + name + "\" must match [A-Za-z_][A-Za-z0-9_]{0,127}");
        }
        if (name.starts_with("LD_")) {
            throw DescriptorError("\"environment." + name +
                                  "\" cannot work: the dynamic loader reads LD_ variables only when a process starts");
        }
        if (!text.is_string() || text.get<std::string>().size() > 4096 ||
            text.get<std::string>().find('\0') != std::string::npos) {
            throw DescriptorError("\"environment." + name + "\" must be a string of at most 4096 bytes without NUL");
        }
        out.emplace_back(name, text.get<std::string>());
    }
    return out;  // nlohmann's object keeps its keys sorted
}

}  // namespace

std::string descriptorIdFromFile(const std::filesystem::path& file)
{
    return file.stem().string();
}

PluginDescriptor parsePluginDescriptor(const std::filesystem::path& file, std::string_view text)
{
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded()) {
        throw DescriptorError("descriptor is not valid JSON");
    }
    if (!json.is_object()) {
        throw DescriptorError("descriptor is not a JSON object");
    }
    PluginDescriptor d;
    d.file = file;
    if (!json.contains("id") || !json["id"].is_string() || !isValidPluginId(json["id"].get<std::string>())) {
        throw DescriptorError("\"id\" must be a string of a-z, 0-9, '-', '_' (1..64)");
    }
    d.id = json["id"].get<std::string>();
    if (d.id != descriptorIdFromFile(file)) {
        throw DescriptorError("\"id\" \"" + d.id + "\" does not match the file name");
    }
    if (!json.contains("abi") || !json["abi"].is_number_integer()) {
        throw DescriptorError("\"abi\" must be an integer");
    }
    if (json["abi"].get<long long>() != 1) {
        throw DescriptorError("descriptor declares ABI " + json["abi"].dump() + ", host speaks 1");
    }
    if (!json.contains("library") || !json["library"].is_string() || json["library"].get<std::string>().empty()) {
        throw DescriptorError("\"library\" must be a non-empty string");
    }
    d.library = json["library"].get<std::string>();
    d.name = d.id;
    if (json.contains("name")) {
        if (!json["name"].is_string()) {
            throw DescriptorError("\"name\" must be a string");
        }
        d.name = json["name"].get<std::string>();
    }
    if (json.contains("config")) {
        if (!json["config"].is_object()) {
            throw DescriptorError("\"config\" must be an object");
        }
        d.config = json["config"];
    }
    if (json.contains("deadlines")) {
        const auto& deadlines = json["deadlines"];
        if (!deadlines.is_object()) {
            throw DescriptorError("\"deadlines\" must be an object");
        }
        for (const auto& [key, value] : deadlines.items()) {
            if (key == "enumerateMs") d.deadlines.enumerate = deadlineValue(value, key);
            else if (key == "loginMs") d.deadlines.login = deadlineValue(value, key);
            else if (key == "signMs") d.deadlines.sign = deadlineValue(value, key);
            else throw DescriptorError("unknown key \"deadlines." + key + "\"");
        }
    }
    if (json.contains("environment")) {
        d.environment = environmentValue(json["environment"]);
    }
    return d;
}

namespace {

// The real path of an existing file and whether it is a regular file, in three system calls:
// std::filesystem::canonical reads the link of every path component (a cold `status` resolves a
// library and the plugin directories on every start). Falls back to canonical without /proc.
std::optional<std::pair<std::filesystem::path, bool>> realPath(const std::filesystem::path& path)
{
    const int fd = ::open(path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) {
        return std::nullopt;
    }
    struct stat st {};
    const bool statted = ::fstat(fd, &st) == 0;
    std::array<char, PATH_MAX> buffer {};
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t length = ::readlink(link.c_str(), buffer.data(), buffer.size());
    ::close(fd);
    if (!statted) {
        return std::nullopt;
    }
    if (length > 0 && static_cast<std::size_t>(length) < buffer.size() && buffer[0] == '/') {
        return std::pair {std::filesystem::path(std::string(buffer.data(), static_cast<std::size_t>(length))),
                          S_ISREG(st.st_mode)};
    }
    std::error_code ec;
    auto real = std::filesystem::canonical(path, ec);
    if (ec) {
        return std::nullopt;
    }
    return std::pair {std::move(real), S_ISREG(st.st_mode)};
}

}  // namespace

std::optional<DirIdentity> dirIdentity(const std::filesystem::path& dir)
{
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return std::nullopt;
    }
    return DirIdentity {st.st_dev, st.st_ino};
}

std::filesystem::path resolvePluginLibrary(const std::filesystem::path& descriptorFile, const std::string& library,
                                           const std::vector<DirIdentity>& pluginDirs)
{
    std::filesystem::path candidate = std::filesystem::path(library).is_absolute()
                                          ? std::filesystem::path(library)
                                          : descriptorFile.parent_path() / library;
    struct stat st {};
    if (::lstat(candidate.c_str(), &st) != 0) {
        throw DescriptorError("plugin library not found: " + candidate.string());
    }
    if (S_ISLNK(st.st_mode)) {
        // Where a symlinked library points is what must lie inside; rare enough for the
        // general resolution.
        const auto resolved = realPath(candidate);
        if (!resolved || !resolved->second) {
            throw DescriptorError("plugin library not found: " + candidate.string());
        }
        candidate = resolved->first;
    } else if (!S_ISREG(st.st_mode)) {
        throw DescriptorError("plugin library not found: " + candidate.string());
    }
    // Up from the library's directory by "..", which the kernel resolves through the real
    // parent of each symlinked directory on the way: the chain of directories that a
    // canonical path would name, compared by identity, without a round through /proc.
    std::string up = candidate.parent_path().string();
    std::optional<DirIdentity> below;
    for (int depth = 0; depth < 256; ++depth) {
        const auto here = dirIdentity(up);
        if (!here || here == below) {
            break;  // unreadable, or "/" (its own parent)
        }
        if (std::find(pluginDirs.begin(), pluginDirs.end(), *here) != pluginDirs.end()) {
            return candidate;
        }
        below = here;
        up += "/..";
    }
    throw DescriptorError("plugin library lies outside the plugin directories: " + candidate.string());
}

std::filesystem::path resolvePluginLibrary(const std::filesystem::path& descriptorFile, const std::string& library,
                                           const std::vector<std::filesystem::path>& pluginDirs)
{
    std::vector<DirIdentity> identities;
    for (const auto& dir : pluginDirs) {
        if (auto identity = dirIdentity(dir)) {
            identities.push_back(*identity);
        }
    }
    return resolvePluginLibrary(descriptorFile, library, identities);
}

}  // namespace cabridge
