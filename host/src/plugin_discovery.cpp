#include "plugin_discovery.h"

#include "file_text.h"
#include "logger.h"

#include <algorithm>
#include <set>

namespace cabridge {
namespace {

constexpr std::size_t kMaxDescriptorBytes = std::size_t {64} * 1024;

DiscoveredDescriptor readDescriptorFile(const std::filesystem::path& file,
                                        const std::vector<std::filesystem::path>& dirs)
{
    DiscoveredDescriptor found {descriptorIdFromFile(file), std::nullopt, {}};
    try {
        const auto text = readSmallFile(file, kMaxDescriptorBytes);
        if (!text) {
            throw DescriptorError("descriptor cannot be read or is larger than 64 KiB");
        }
        auto descriptor = parsePluginDescriptor(file, *text);
        descriptor.library = resolvePluginLibrary(file, descriptor.library.string(), dirs);
        found.usable = std::move(descriptor);
    } catch (const DescriptorError& e) {
        Logger::error("plugin descriptor " + file.string() + ": " + e.what());
        found.error = e.what();
    }
    return found;
}

}  // namespace

std::vector<DiscoveredDescriptor> discoverPluginDescriptors(const std::vector<std::filesystem::path>& dirs)
{
    std::vector<DiscoveredDescriptor> found;
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
            found.push_back(readDescriptorFile(file, dirs));
        }
    }
    return found;
}

}  // namespace cabridge
