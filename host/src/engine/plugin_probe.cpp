#include "plugin_probe.h"

#include "logger.h"
#include "loaded_plugin.h"

#include <cabridge/version.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX leaves it undeclared

namespace cabridge {
namespace {

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

// The child's environment: this process's, with the descriptor's "environment" on top (the
// child loads the plugin from its arguments and knows nothing of the descriptor).
std::vector<std::string> childEnvironment(const PluginDescriptor& descriptor)
{
    std::vector<std::string> out;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const auto name = text.substr(0, text.find('='));
        const bool replaced = std::any_of(descriptor.environment.begin(), descriptor.environment.end(),
                                          [&](const auto& variable) { return variable.first == name; });
        if (!replaced) {
            out.emplace_back(text);
        }
    }
    for (const auto& [name, value] : descriptor.environment) {
        out.push_back(name + "=" + value);
    }
    return out;
}

}  // namespace

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
    std::vector<std::string> environment = childEnvironment(descriptor);
    std::vector<char*> envp;
    envp.reserve(environment.size() + 1);
    for (auto& entry : environment) {
        envp.push_back(entry.data());
    }
    envp.push_back(nullptr);
    pid_t pid = -1;
    const int spawned = stdioReady ? ::posix_spawn(&pid, prober.c_str(), &actions, nullptr, argv.data(), envp.data())
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
            return ProbeRun {{true, "did not answer in time (starting in a probe process)", std::nullopt, std::nullopt},
                             false};
        }
        std::this_thread::sleep_for(pause);
    }
    if (WIFSIGNALED(status)) {
        return ProbeRun {{true,
                          "plugin crashed while starting (" + signalName(WTERMSIG(status)) +
                              "); the host does not load it. Replace or remove the plugin.",
                          std::nullopt, std::nullopt},
                         true};
    }
    if (WIFEXITED(status) && (WEXITSTATUS(status) == kProbeLoaded || WEXITSTATUS(status) == kProbeRefused)) {
        return ProbeRun {{false, {}, std::nullopt, std::nullopt}, true};
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == kProbeBadArguments) {
        return std::nullopt;  // a prober that cannot tell; load as without probing
    }
    // Any other exit (a plugin calling exit(), a sanitizer report): as unsafe as a crash.
    return ProbeRun {{true,
                      "plugin ended the process while starting (exit status " +
                          std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                          "); the host does not load it. Replace or remove the plugin.",
                      std::nullopt, std::nullopt},
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
    const auto plugin = LoadedPlugin::load(descriptor);
    return plugin->ok() ? kProbeLoaded : kProbeRefused;
}

}  // namespace cabridge
