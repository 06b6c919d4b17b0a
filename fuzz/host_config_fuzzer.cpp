// Fuzz target: the host configuration file (host/src/front/host_config.*), which names the
// plugin directories, the extensions allowed to start the host, the policy file and
// the log. loadHostConfigFile insists on a path, so the input goes to one private
// scratch file (written in place per input, never re-created). A refused file must
// fall back to the defaults; an accepted one must not hold empty paths or ids.
#include "fuzz_target.h"
#include "scratch_file.h"

#include <cabridge/host/host_config.h>

#include <algorithm>
#include <filesystem>
#include <string>

namespace {

using cabridge::fuzz::require;

struct Fixture {
    std::filesystem::path exeDir = "/nonexistent-cabridge-fuzz/bin";
    cabridge::fuzz::ScratchFile file {"cabridge-fuzz-host-config"};
    // The fallback does not depend on the input: computed once, not per input.
    cabridge::HostConfig defaults = cabridge::defaultHostConfig(exeDir);
};

Fixture& fixture()
{
    static Fixture f;
    return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto& f = fixture();
    f.file.write(data, size);
    const auto config = cabridge::loadHostConfigFile(f.file.path(), f.exeDir);
    if (config.error) {
        require(config.pluginDirs == f.defaults.pluginDirs &&
                    config.allowedExtensions == f.defaults.allowedExtensions &&
                    config.policyFile == f.defaults.policyFile,
                "a refused host config did not fall back to the defaults");
        return 0;
    }
    require(!config.policyFile.empty() && !config.logFile.empty(), "accepted host config has an empty path");
    require(std::none_of(config.allowedExtensions.begin(), config.allowedExtensions.end(),
                         [](const std::string& id) { return id.empty(); }),
            "accepted host config has an empty extension id");
    return 0;
}
