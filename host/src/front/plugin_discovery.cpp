#include "plugin_discovery.h"

#include "file_text.h"
#include "logger.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <set>
#include <string_view>

namespace cabridge {
namespace {

constexpr std::size_t kMaxDescriptorBytes = std::size_t {64} * 1024;
constexpr std::string_view kDescriptorSuffix = ".json";

DiscoveredDescriptor readDescriptorFile(const std::filesystem::path& file, std::string id,
                                        const std::vector<DirIdentity>& dirs, FileTrust& trust)
{
    DiscoveredDescriptor found {std::move(id), std::nullopt, {}};
    try {
        // A descriptor chooses the code the host runs: trusted like the policy file.
        if (auto untrusted = trust.check(file)) {
            throw DescriptorError("descriptor not trusted: " + *untrusted);
        }
        const auto text = readSmallFile(file, kMaxDescriptorBytes);
        if (!text) {
            throw DescriptorError("descriptor cannot be read or is larger than 64 KiB");
        }
        auto descriptor = parsePluginDescriptor(file, *text);
        descriptor.library = resolvePluginLibrary(file, descriptor.library.string(), dirs);
        if (auto untrusted = trust.check(descriptor.library)) {
            throw DescriptorError("plugin library not trusted: " + *untrusted);
        }
        found.usable = std::move(descriptor);
    } catch (const DescriptorError& e) {
        Logger::error("plugin descriptor " + file.string() + ": " + e.what());
        found.error = e.what();
    }
    return found;
}

// The "*.json" regular files of one plugin directory, sorted (its identity goes to the list
// every library is checked against).
struct ScannedDir {
    std::filesystem::path path;
    std::vector<std::string> descriptors;
};

// One open, one fstat and the getdents64 calls of the listing: a cold `status` pays a few
// microseconds per system call, and std::filesystem's iterator and path checks took twice
// as many (docs/performance.md). Directories that are missing or not directories are skipped;
// one that exists but cannot be listed still counts as a plugin directory.
std::optional<ScannedDir> scanDirectory(const std::filesystem::path& dir, std::vector<DirIdentity>& identities)
{
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == EACCES) {
            if (auto identity = dirIdentity(dir)) {
                identities.push_back(*identity);
            }
        }
        return std::nullopt;
    }
    ScannedDir scanned {dir, {}};
    struct stat st {};
    if (::fstat(fd, &st) == 0) {
        identities.push_back({st.st_dev, st.st_ino});
    }
    alignas(struct dirent64) std::array<char, std::size_t {32} * 1024> buffer {};
    for (;;) {
        const ssize_t n = ::getdents64(fd, buffer.data(), buffer.size());
        if (n <= 0) {
            break;  // end, or an error: what was listed so far is what there is
        }
        for (ssize_t at = 0; at < n;) {
            const auto* entry = reinterpret_cast<const struct dirent64*>(buffer.data() + at);
            at += entry->d_reclen;
            const std::string_view name(entry->d_name);
            if (name.size() <= kDescriptorSuffix.size() || !name.ends_with(kDescriptorSuffix)) {
                continue;
            }
            bool regular = entry->d_type == DT_REG;
            if (entry->d_type == DT_LNK || entry->d_type == DT_UNKNOWN) {
                struct stat target {};
                regular = ::fstatat(fd, entry->d_name, &target, 0) == 0 && S_ISREG(target.st_mode);
            }
            if (regular) {
                scanned.descriptors.emplace_back(name);
            }
        }
    }
    ::close(fd);
    std::sort(scanned.descriptors.begin(), scanned.descriptors.end());
    return scanned;
}

}  // namespace

std::vector<DiscoveredDescriptor> discoverPluginDescriptors(const std::vector<std::filesystem::path>& dirs)
{
    FileTrust trust;
    return discoverPluginDescriptors(dirs, trust);
}

std::vector<DiscoveredDescriptor> discoverPluginDescriptors(const std::vector<std::filesystem::path>& dirs,
                                                            FileTrust& trust)
{
    // Every directory first: a descriptor in one may name a library in another.
    std::vector<DirIdentity> identities;
    std::vector<ScannedDir> scanned;
    for (const auto& dir : dirs) {
        if (auto listing = scanDirectory(dir, identities)) {
            scanned.push_back(std::move(*listing));
        }
    }
    std::vector<DiscoveredDescriptor> found;
    std::set<std::string> seen;
    for (const auto& dir : scanned) {
        for (const auto& name : dir.descriptors) {
            const auto file = dir.path / name;
            std::string id = descriptorIdFromFile(file);
            if (!seen.insert(id).second) {
                Logger::info("plugin descriptor " + file.string() + " ignored: id \"" + id + "\" already found");
                continue;
            }
            found.push_back(readDescriptorFile(file, std::move(id), identities, trust));
        }
    }
    return found;
}

}  // namespace cabridge
