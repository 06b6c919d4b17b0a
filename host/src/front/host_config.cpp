#include "host_config.h"

#include "file_text.h"

#include <nlohmann/json.hpp>

#include <cstdlib>

namespace cabridge {

namespace {
constexpr std::size_t kMaxHostConfigBytes = std::size_t {1024} * 1024;
}  // namespace
namespace {

std::string env(const char* name)
{
    const char* value = std::getenv(name);
    return value ? value : "";
}

std::vector<std::string> stringList(const nlohmann::json& value, const std::string& key)
{
    if (!value.is_array()) {
        throw std::runtime_error("\"" + key + "\" must be an array of strings");
    }
    std::vector<std::string> out;
    for (const auto& item : value) {
        if (!item.is_string() || item.get<std::string>().empty()) {
            throw std::runtime_error("\"" + key + "\" must be an array of non-empty strings");
        }
        out.push_back(item.get<std::string>());
    }
    return out;
}

}  // namespace

HostConfig defaultHostConfig(const std::filesystem::path& exeDir)
{
    HostConfig config;
    const std::string pluginPath = env("CABRIDGE_PLUGIN_PATH");
    std::size_t start = 0;
    while (start <= pluginPath.size() && !pluginPath.empty()) {
        const std::size_t end = pluginPath.find(':', start);
        const std::string entry = pluginPath.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!entry.empty()) {
            config.pluginDirs.emplace_back(entry);
        }
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    config.pluginDirs.emplace_back("/etc/cabridge/plugins.d");
    config.pluginDirs.push_back(exeDir / ".." / "lib" / "cabridge" / "plugins");
    config.allowedExtensions = {CABRIDGE_DEFAULT_EXTENSION_ID, CABRIDGE_DEFAULT_GECKO_ID};
    config.policyFile = "/etc/cabridge/policy.json";
    if (const auto log = env("CABRIDGE_LOG"); !log.empty()) {
        config.logFile = log;
    } else if (const auto state = env("XDG_STATE_HOME"); !state.empty()) {
        config.logFile = std::filesystem::path(state) / "cabridge" / "host.log";
    } else {
        config.logFile = std::filesystem::path(env("HOME")) / ".local" / "state" / "cabridge" / "host.log";
    }
    return config;
}

HostConfig loadHostConfigFile(const std::filesystem::path& file, const std::filesystem::path& exeDir)
{
    HostConfig config = defaultHostConfig(exeDir);
    config.source = file;
    const auto text = readSmallFile(file, kMaxHostConfigBytes);
    if (!text) {
        config.error = "cannot open host config (or it is over 1 MiB) " + file.string();
        return config;
    }
    const auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        config.error = "host config is not a JSON object: " + file.string();
        return config;
    }
    HostConfig parsed = config;
    try {
        for (const auto& [key, value] : json.items()) {
            if (key == "pluginDirs") {
                parsed.pluginDirs.clear();
                for (const auto& dir : stringList(value, key)) parsed.pluginDirs.emplace_back(dir);
            } else if (key == "allowedExtensions") {
                parsed.allowedExtensions = stringList(value, key);
            } else if (key == "policyFile" || key == "logFile") {
                if (!value.is_string() || value.get<std::string>().empty()) {
                    throw std::runtime_error("\"" + key + "\" must be a non-empty string");
                }
                (key == "policyFile" ? parsed.policyFile : parsed.logFile) = value.get<std::string>();
            } else {
                throw std::runtime_error("unknown key \"" + key + "\"");
            }
        }
    } catch (const std::exception& e) {
        config.error = "host config " + file.string() + ": " + e.what();
        return config;
    }
    return parsed;
}

HostConfig loadHostConfig(const std::filesystem::path& exeDir)
{
    if (const auto file = env("CABRIDGE_CONFIG"); !file.empty()) {
        return loadHostConfigFile(file, exeDir);
    }
    std::error_code ec;
    if (std::filesystem::exists("/etc/cabridge/host.json", ec)) {
        return loadHostConfigFile("/etc/cabridge/host.json", exeDir);
    }
    return defaultHostConfig(exeDir);
}

}  // namespace cabridge
