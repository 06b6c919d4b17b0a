// cabridge-host: started by the browser as `cabridge-host chrome-extension://<id>/` (Chrome,
// Chromium, Edge) or `cabridge-host <manifest path> <gecko id>` (Firefox).
#include "controller.h"
#include "extension_origin.h"
#include "host_config.h"
#include "logger.h"
#include "plugin_probe.h"
#include "token_engine_loader.h"

#include <cabridge/version.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string_view>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define CABRIDGE_HOST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CABRIDGE_HOST_ASAN 1
#endif
#endif
#ifdef CABRIDGE_HOST_ASAN
#include <sanitizer/lsan_interface.h>
#endif

namespace {

// Empty when it cannot be found; then plugins load without a probe.
// The path execve() was given (AT_EXECFN, from the auxiliary vector) when it is absolute and
// names the executable file itself, checked with one lstat: browsers start hosts by the absolute
// path of their manifest. Anything else (a relative start, a symlink to the executable) asks
// /proc/self/exe, whose first use costs a process about as much as ten plain system calls.
// Directories derived from it go through "..", which the kernel resolves through symlinks.
std::filesystem::path executablePath()
{
    // NOLINTNEXTLINE(performance-no-int-to-ptr): getauxval returns the kernel's pointer as an integer
    const auto* given = reinterpret_cast<const char*>(::getauxval(AT_EXECFN));
    struct stat st {};
    if (given != nullptr && given[0] == '/' && ::lstat(given, &st) == 0 && S_ISREG(st.st_mode)) {
        return given;
    }
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::path() : exe;
}

std::filesystem::path executableDir(const std::filesystem::path& exe)
{
    std::error_code ec;
    return exe.empty() ? std::filesystem::current_path(ec) : exe.parent_path();
}

}  // namespace

int main(int argc, char** argv)
{
    // A browser that went away must not kill us mid-write with SIGPIPE; write() reports it.
    std::signal(SIGPIPE, SIG_IGN);

    const auto exe = executablePath();
    const auto exeDir = executableDir(exe);
    if (argc > 1 && std::string_view(argv[1]) == cabridge::kProbePluginFlag) {
        // The child that starts one plugin for a host (plugin_probe.h), in the token engine.
        // _Exit: see below.
        const auto module = cabridge::loadEngineModule(cabridge::engineModulePath(exeDir));
        const auto* engine = std::get_if<cabridge::EngineModule>(&module);
        std::_Exit(engine != nullptr ? engine->probe(argc, argv) : cabridge::kProbeBadArguments);
    }

    auto config = cabridge::loadHostConfig(exeDir);
    config.pluginProber = exe;
    config.adminStatus = argc > 2 && std::string_view(argv[2]) == cabridge::kAdminStatusFlag;
    cabridge::Logger::open(config.logFile);
    cabridge::Logger::info(std::string("cabridge-host ") + cabridge::kVersion + " started");
    if (config.error) {
        cabridge::Logger::error(*config.error + " (using defaults)");
    }

    const auto extensionId = cabridge::parseCallerExtension(
        std::span<const char* const>(argv, static_cast<std::size_t>(argc)).subspan(1));
    const bool allowed = extensionId && std::find(config.allowedExtensions.begin(), config.allowedExtensions.end(),
                                                  *extensionId) != config.allowedExtensions.end();
    if (!allowed) {
        cabridge::Logger::warn(std::string("caller not allowed: ") + (argc > 1 ? argv[1] : "(no argv[1])") +
                               (argc > 2 ? std::string(" ") + argv[2] : std::string()));
    }

    int status = 0;
    {
        cabridge::Controller controller(config, allowed, STDIN_FILENO, STDOUT_FILENO,
                                        cabridge::moduleEngineFactory(cabridge::engineModulePath(exeDir)));
        status = controller.run();
    }
#ifdef CABRIDGE_HOST_ASAN
    // _Exit skips LeakSanitizer's exit-time check; sanitizer builds (scripts/sanitize.sh) run
    // it here instead, after the controller and every plugin are gone. A report ends the process.
    __lsan_do_leak_check();
#endif
    // _Exit: a plugin call abandoned at its deadline may still be running on a
    // detached thread; running static destructors under it is not safe.
    std::_Exit(status);
}
