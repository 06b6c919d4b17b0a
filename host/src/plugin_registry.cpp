#include "plugin_registry.h"

#include "logger.h"
#include "plugin_probe.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace cabridge {
namespace {

constexpr std::uintmax_t kMaxDescriptorBytes = std::uintmax_t {64} * 1024;

// The reason not to load `descriptor` in this process, or nullopt when it started cleanly in a
// probe (now or remembered from an earlier start) or cannot be probed.
std::optional<std::string> probeRefusal(const PluginDescriptor& descriptor, const PluginProbing& probing,
                                        ProbeCache& cache)
{
    if (probing.prober.empty()) {
        return std::nullopt;
    }
    const std::string identity = pluginIdentity(descriptor);
    if (identity.empty()) {
        return std::nullopt;
    }
    auto verdict = cache.find(identity);
    if (!verdict) {
        const auto run = probeInChild(probing.prober, descriptor);
        if (!run) {
            return std::nullopt;
        }
        if (run->remember) {
            cache.remember(identity, run->verdict);
        }
        verdict = run->verdict;
        Logger::info("plugin " + descriptor.id + " probed in a child process: " +
                     (verdict->crashed ? verdict->reason : std::string("started cleanly")));
    }
    if (verdict->crashed) {
        return verdict->reason;
    }
    return std::nullopt;
}

std::unique_ptr<Plugin> loadFromDescriptorFile(const std::filesystem::path& file,
                                               const std::vector<std::filesystem::path>& dirs,
                                               const PluginProbing& probing, ProbeCache& cache)
{
    const std::string fileId = descriptorIdFromFile(file);
    try {
        std::error_code ec;
        const auto size = std::filesystem::file_size(file, ec);
        if (ec || size > kMaxDescriptorBytes) {
            throw DescriptorError("descriptor cannot be read or is larger than 64 KiB");
        }
        std::ifstream in(file, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        if (!in) {
            throw DescriptorError("descriptor cannot be read");
        }
        auto descriptor = parsePluginDescriptor(file, text.str());
        descriptor.library = resolvePluginLibrary(file, descriptor.library.string(), dirs);
        if (auto refusal = probeRefusal(descriptor, probing, cache)) {
            Logger::error("plugin " + descriptor.id + ": " + *refusal);
            return Plugin::failed(descriptor.id, descriptor.name, std::move(*refusal));
        }
        return Plugin::load(descriptor);
    } catch (const DescriptorError& e) {
        Logger::error("plugin descriptor " + file.string() + ": " + e.what());
        return Plugin::failed(fileId, fileId, e.what());
    }
}

}  // namespace

PluginRegistry PluginRegistry::discover(const std::vector<std::filesystem::path>& dirs, const PluginProbing& probing)
{
    PluginRegistry registry;
    ProbeCache cache(probing.prober.empty() ? std::filesystem::path() : probing.cacheFile);
    std::set<std::string> seen;
    for (const auto& dir : dirs) {
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec)) {
            continue;
        }
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
            if (entry.path().extension() == ".json" && entry.is_regular_file(ec)) {
                files.push_back(entry.path());
            }
        }
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            const std::string id = descriptorIdFromFile(file);
            if (!seen.insert(id).second) {
                Logger::info("plugin descriptor " + file.string() + " ignored: id \"" + id + "\" already found");
                continue;
            }
            registry.plugins_.push_back(loadFromDescriptorFile(file, dirs, probing, cache));
        }
    }
    cache.save();
    return registry;
}

Plugin* PluginRegistry::find(std::string_view id) const
{
    for (const auto& plugin : plugins_) {
        if (plugin->id() == id) {
            return plugin.get();
        }
    }
    return nullptr;
}

}  // namespace cabridge
