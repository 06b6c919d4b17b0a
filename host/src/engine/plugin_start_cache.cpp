#include "plugin_start_cache.h"

#include "file_text.h"
#include "logger.h"

#include <cabridge/version.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

namespace cabridge {
namespace {

constexpr std::size_t kMaxCacheBytes = std::size_t {256} * 1024;

// "size:mtime-ns:device:inode" of a regular file, or nullopt.
std::optional<std::string> fileStamp(const std::filesystem::path& file)
{
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return std::nullopt;
    }
    const auto mtimeNs = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
    return std::to_string(st.st_size) + ":" + std::to_string(mtimeNs) + ":" + std::to_string(st.st_dev) + ":" +
           std::to_string(st.st_ino);
}

void addNamedFiles(const nlohmann::json& value, std::string& identity, int depth)
{
    if (depth > 8) {
        return;  // descriptors are small and flat; a deeper one adds nothing worth stat()ing
    }
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        if (!text.empty() && text.front() == '/' && text.size() < 4096) {
            if (const auto stamp = fileStamp(text)) {
                identity += '\n' + text + '=' + *stamp;
            }
        }
    } else if (value.is_array() || value.is_object()) {
        for (const auto& item : value) {
            addNamedFiles(item, identity, depth + 1);
        }
    }
}

// A record written by rememberStarted, or nullopt when it is not one (hand-edited, older host).
std::optional<PluginSummary> startedFromJson(const nlohmann::json& record)
{
    const auto isStringArray = [](const nlohmann::json& value) {
        return value.is_array() && std::all_of(value.begin(), value.end(), [](const auto& v) { return v.is_string(); });
    };
    if (!record.is_object() || !record.contains("name") || !record["name"].is_string() || !record.contains("version") ||
        !record["version"].is_string() || !record.contains("origins") || !isStringArray(record["origins"]) ||
        !record.contains("legacyOrigins") || !isStringArray(record["legacyOrigins"])) {
        return std::nullopt;
    }
    PluginSummary summary;
    summary.name = record["name"].get<std::string>();
    summary.version = record["version"].get<std::string>();
    summary.origins = record["origins"].get<std::vector<std::string>>();
    summary.legacyOrigins = record["legacyOrigins"].get<std::vector<std::string>>();
    // Optional: records of hosts from before enrolment have none.
    if (record.contains("enrollOrigins") && isStringArray(record["enrollOrigins"])) {
        summary.enrollOrigins = record["enrollOrigins"].get<std::vector<std::string>>();
    }
    return summary;
}

constexpr const char* kNotResponding = "notResponding";
constexpr const char* kCrashed = "crashed";

std::optional<TokenFault> faultFromJson(const nlohmann::json& record)
{
    if (!record.is_object() || !record.contains("kind") || !record["kind"].is_string() || !record.contains("call") ||
        !record["call"].is_string() || !record.contains("reason") || !record["reason"].is_string()) {
        return std::nullopt;
    }
    const auto kind = record["kind"].get<std::string>();
    if (kind != kNotResponding && kind != kCrashed) {
        return std::nullopt;
    }
    return TokenFault {kind == kCrashed ? TokenFault::Kind::Crashed : TokenFault::Kind::NotResponding,
                       record["call"].get<std::string>(), record["reason"].get<std::string>()};
}

nlohmann::json readVerdicts(const std::filesystem::path& file)
{
    const auto text = file.empty() ? std::nullopt : readSmallFile(file, kMaxCacheBytes);
    if (!text) {
        return nlohmann::json::object();
    }
    auto json = nlohmann::json::parse(*text, nullptr, false);
    return !json.is_discarded() && json.is_object() ? json : nlohmann::json::object();
}

}  // namespace

std::string pluginIdentity(const PluginDescriptor& descriptor)
{
    const auto libraryStamp = fileStamp(descriptor.library);
    if (!libraryStamp) {
        return {};
    }
    std::string identity = std::string(kVersion) + '\n' + descriptor.library.string() + '=' + *libraryStamp + '\n' +
                           descriptor.config.dump();
    addNamedFiles(descriptor.config, identity, 0);
    // The middleware's environment is part of the build being vouched for (SOFTHSM2_CONF names
    // a file whose changes matter as much as the config's).
    nlohmann::json environment = nlohmann::json::object();
    for (const auto& [name, value] : descriptor.environment) {
        environment[name] = value;
    }
    if (!environment.empty()) {
        identity += '\n' + environment.dump();
        addNamedFiles(environment, identity, 0);
    }
    // FNV-1a, not SHA-256: the first libcrypto call of a process initialises OpenSSL (config
    // file, CPU features), which cost every cold `status` 1-2 ms (bench: 3.65x -> 2.8x of the
    // minimal host); `status` otherwise never calls libcrypto. The verdict file is the user's
    // own, so nothing here needs resisting an adversary; 64 bits keep accidental collisions out
    // of reach for a handful of plugins.
    std::uint64_t hash = 14695981039346656037ULL;
    for (const char c : identity) {
        hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    std::uint8_t bytes[sizeof hash];
    for (std::size_t i = 0; i < sizeof hash; ++i) {
        bytes[i] = static_cast<std::uint8_t>(hash >> (8 * (sizeof hash - 1 - i)));
    }
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    for (const auto byte : bytes) {
        hex += kDigits[byte >> 4];
        hex += kDigits[byte & 0xF];
    }
    return hex;
}

ProbeCache::ProbeCache(std::filesystem::path file) : file_(std::move(file)), stored_(readVerdicts(file_)) {}

std::optional<ProbeVerdict> ProbeCache::find(const std::string& identity)
{
    const auto it = stored_.find(identity);
    if (it == stored_.end() || !it->is_object() || !it->contains("crashed") || !(*it)["crashed"].is_boolean()) {
        return std::nullopt;
    }
    ProbeVerdict verdict;
    verdict.crashed = (*it)["crashed"].get<bool>();
    if (it->contains("reason") && (*it)["reason"].is_string()) {
        verdict.reason = (*it)["reason"].get<std::string>();
    }
    if (!verdict.crashed && it->contains("started")) {
        verdict.started = startedFromJson((*it)["started"]);
    }
    if (verdict.started && it->contains("tokenFault")) {
        verdict.tokenFault = faultFromJson((*it)["tokenFault"]);
    }
    used_[identity] = *it;
    return verdict;
}

void ProbeCache::remember(const std::string& identity, const ProbeVerdict& verdict)
{
    used_[identity] = {{"crashed", verdict.crashed}, {"reason", verdict.reason}};
    if (verdict.started && !verdict.crashed) {
        rememberStarted(identity, *verdict.started);
    }
}

void ProbeCache::rememberStarted(const std::string& identity, const PluginSummary& described)
{
    auto& entry = used_[identity];
    if (!entry.is_object() || !entry.contains("crashed")) {
        entry = {{"crashed", false}, {"reason", ""}};
    }
    entry["started"] = {{"name", described.name},
                        {"version", described.version},
                        {"origins", described.origins},
                        {"legacyOrigins", described.legacyOrigins},
                        {"enrollOrigins", described.enrollOrigins}};
}

void ProbeCache::save() const
{
    if (used_ == stored_ || file_.empty()) {
        return;
    }
    createPrivateDirectories(file_.parent_path());
    if (!replaceFile(file_, used_.dump(1) + '\n')) {
        Logger::warn("cannot replace " + file_.string() + "; plugins will be probed again next start");
    }
}

void rememberTokenFault(const std::filesystem::path& file, const std::string& identity,
                        const std::optional<TokenFault>& fault)
{
    if (file.empty() || identity.empty()) {
        return;
    }
    auto verdicts = readVerdicts(file);
    auto& entry = verdicts[identity];
    if (!fault) {
        if (!entry.is_object() || !entry.contains("tokenFault")) {
            return;
        }
        entry.erase("tokenFault");
    } else {
        if (!entry.is_object() || !entry.contains("crashed")) {
            entry = {{"crashed", false}, {"reason", ""}};
        }
        entry["tokenFault"] = {{"kind", fault->kind == TokenFault::Kind::Crashed ? kCrashed : kNotResponding},
                               {"call", fault->call},
                               {"reason", fault->reason}};
    }
    createPrivateDirectories(file.parent_path());
    if (!replaceFile(file, verdicts.dump(1) + '\n')) {
        Logger::warn("cannot replace " + file.string() + "; a token call's fault is not remembered");
    }
}

}  // namespace cabridge
