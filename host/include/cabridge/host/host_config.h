// Host configuration (docs/architecture.md "Host configuration").
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cabridge {

// The argument `cabridge doctor` passes after the extension origin (argv[2]) to get the
// full `status`. Browsers pass nothing there on Linux (Chrome) or an add-on id (Firefox).
inline constexpr const char* kAdminStatusFlag = "--admin-status";

struct HostConfig {
    std::vector<std::filesystem::path> pluginDirs;
    std::vector<std::string> allowedExtensions;
    std::filesystem::path policyFile;
    std::filesystem::path logFile;
    // Not read from the file: main() sets it to the host executable, which starts new plugin
    // builds in a child first (plugin_probe.h). Empty (tests of the controller): no probing.
    std::filesystem::path pluginProber;
    // Not read from the file: main() sets it when started by the admin tool
    // (kAdminStatusFlag after the extension origin). `status` then names the plugins and the
    // policy state whatever the origin. A page cannot set it: it chooses no argument.
    bool adminStatus = false;
    std::filesystem::path source;      // the file read, empty when defaults
    std::optional<std::string> error;  // why the file was refused (defaults used instead)
};

// Reads $CABRIDGE_CONFIG if set, else /etc/cabridge/host.json if present, else
// defaults. `exeDir` is the directory of the running executable (for the bundled
// plugin dir). A malformed file (not an object, unknown key, wrong type) is
// refused whole and the defaults are used, with `error` saying why.
HostConfig loadHostConfig(const std::filesystem::path& exeDir);

// Same, from an explicit file (used by loadHostConfig and tests).
HostConfig loadHostConfigFile(const std::filesystem::path& file, const std::filesystem::path& exeDir);

// The defaults, honouring $CABRIDGE_PLUGIN_PATH, $CABRIDGE_LOG, $XDG_STATE_HOME, $HOME.
HostConfig defaultHostConfig(const std::filesystem::path& exeDir);

}  // namespace cabridge
