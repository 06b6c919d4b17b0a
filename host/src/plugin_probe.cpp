#include "plugin_probe.h"

#include "logger.h"
#include "plugin.h"

#include <cabridge/common/encoding.h>
#include <cabridge/version.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX leaves it undeclared

namespace cabridge {
namespace {

constexpr std::uintmax_t kMaxCacheBytes = std::uintmax_t {256} * 1024;

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

std::string signalName(int sig)
{
    const char* abbrev = ::sigabbrev_np(sig);
    return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

// /dev/null for all three of the child's standard streams: stdout is the browser's wire, and
// what a crashing plugin (or a sanitizer catching it) prints would read as the host's own
// complaint in the browser's log; the verdict goes to the host log instead.
bool addNullStdio(posix_spawn_file_actions_t& actions)
{
    return ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0) == 0 &&
           ::posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0) == 0 &&
           ::posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0) == 0;
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
    return hexEncode(bytes);
}

ProbeCache::ProbeCache(std::filesystem::path file) : file_(std::move(file))
{
    std::error_code ec;
    const auto size = std::filesystem::file_size(file_, ec);
    if (ec || size > kMaxCacheBytes) {
        return;
    }
    std::ifstream in(file_, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto json = nlohmann::json::parse(text.str(), nullptr, false);
    if (!json.is_discarded() && json.is_object()) {
        stored_ = std::move(json);
    }
}

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
    used_[identity] = *it;
    return verdict;
}

void ProbeCache::remember(const std::string& identity, const ProbeVerdict& verdict)
{
    used_[identity] = {{"crashed", verdict.crashed}, {"reason", verdict.reason}};
}

void ProbeCache::save() const
{
    if (used_ == stored_ || file_.empty()) {
        return;
    }
    std::error_code ec;
    std::filesystem::create_directories(file_.parent_path(), ec);
    // A name of this process's own, so two hosts starting together never write one file.
    const auto temp = file_.parent_path() / (file_.filename().string() + "." + std::to_string(::getpid()) + ".tmp");
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << used_.dump(1) << '\n';
        if (!out) {
            Logger::warn("cannot write " + temp.string() + "; plugins will be probed again next start");
            std::filesystem::remove(temp, ec);
            return;
        }
    }
    std::filesystem::rename(temp, file_, ec);
    if (ec) {
        Logger::warn("cannot replace " + file_.string() + ": " + ec.message());
        std::filesystem::remove(temp, ec);
    }
}

std::optional<ProbeRun> probeInChild(const std::filesystem::path& prober, const PluginDescriptor& descriptor)
{
    posix_spawn_file_actions_t actions;
    if (::posix_spawn_file_actions_init(&actions) != 0) {
        return std::nullopt;
    }
    const bool stdioReady = addNullStdio(actions);
    std::string proberArg = prober.string();
    std::string flag = kProbePluginFlag;
    std::string idArg = descriptor.id;
    std::string libraryArg = descriptor.library.string();
    std::string enumerateArg = std::to_string(descriptor.deadlines.enumerate.count());
    std::string configArg = descriptor.config.dump();
    std::vector<char*> argv {proberArg.data(),    flag.data(),      idArg.data(), libraryArg.data(),
                             enumerateArg.data(), configArg.data(), nullptr};
    pid_t pid = -1;
    const int spawned = stdioReady ? ::posix_spawn(&pid, prober.c_str(), &actions, nullptr, argv.data(), environ)
                                   : EINVAL;
    ::posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        Logger::warn("cannot start " + prober.string() + " to probe plugin " + descriptor.id + ": " +
                     std::strerror(spawned));
        return std::nullopt;
    }

    // Polling keeps this free of SIGCHLD handlers and of anything Linux-only; a probe that
    // starts cleanly takes a few milliseconds.
    const auto deadline = std::chrono::steady_clock::now() + 2 * descriptor.deadlines.enumerate +
                          std::chrono::milliseconds(1000);
    int status = 0;
    for (auto pause = std::chrono::microseconds(200);; pause = std::min(pause * 2, std::chrono::microseconds(20000))) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            break;
        }
        if (done < 0 && errno != EINTR) {
            return std::nullopt;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            return ProbeRun {{true, "did not answer in time (starting in a probe process)"}, false};
        }
        std::this_thread::sleep_for(pause);
    }
    if (WIFSIGNALED(status)) {
        return ProbeRun {{true, "plugin crashed while starting (" + signalName(WTERMSIG(status)) +
                                    "); the host does not load it. Replace or remove the plugin."},
                         true};
    }
    if (WIFEXITED(status) && (WEXITSTATUS(status) == kProbeLoaded || WEXITSTATUS(status) == kProbeRefused)) {
        return ProbeRun {{false, {}}, true};
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == kProbeBadArguments) {
        return std::nullopt;  // a prober that cannot tell; load as without probing
    }
    // Any other exit (a plugin calling exit(), a sanitizer report): as unsafe as a crash.
    return ProbeRun {{true, "plugin ended the process while starting (exit status " +
                                std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                                "); the host does not load it. Replace or remove the plugin."},
                     true};
}

int runPluginProbe(int argc, char** argv)
{
    if (argc != 6 || std::string_view(argv[1]) != kProbePluginFlag) {
        return kProbeBadArguments;
    }
    PluginDescriptor descriptor;
    descriptor.id = argv[2];
    descriptor.name = argv[2];
    descriptor.library = argv[3];
    char* end = nullptr;
    const long enumerateMs = std::strtol(argv[4], &end, 10);
    descriptor.config = nlohmann::json::parse(argv[5], nullptr, false);
    if (end == argv[4] || *end != '\0' || enumerateMs <= 0 || !descriptor.config.is_object()) {
        return kProbeBadArguments;
    }
    descriptor.deadlines.enumerate = std::chrono::milliseconds(enumerateMs);
    const auto plugin = Plugin::load(descriptor);
    return plugin->ok() ? kProbeLoaded : kProbeRefused;
}

}  // namespace cabridge
