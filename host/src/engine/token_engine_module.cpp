// The entry points of lib/cabridge/cabridge-host-engine.so (token_engine.h). The module is built
// from this tree with the same compiler as cabridge-host and only ever loaded by it, so C++
// types cross here; extern "C" only keeps the names stable for dlsym. Everything else the
// module uses of the host (log, framing, errors, policy) it takes from the executable, which
// exports those symbols, so there is one logger and one copy of each piece in the process.
#include "plugin_probe.h"
#include "token_engine_loader.h"

#include "logger.h"

#include <exception>

extern "C" {

// Creates the engine into `out`; leaves it empty (and logs) if that throws.
__attribute__((visibility("default"))) void cabridge_host_engine_create(
    const cabridge::TokenEngineSetup& setup, std::unique_ptr<cabridge::TokenEngine>& out) noexcept
{
    try {
        out = cabridge::createTokenEngine(setup);
    } catch (const std::exception& e) {
        cabridge::Logger::error(std::string("token engine cannot start: ") + e.what());
        out.reset();
    }
}

// The probing child's work (plugin_probe.h: runPluginProbe), given main()'s arguments.
__attribute__((visibility("default"))) int cabridge_host_engine_probe(int argc, char** argv) noexcept
{
    try {
        return cabridge::runPluginProbe(argc, argv);
    } catch (const std::exception&) {
        return cabridge::kProbeRefused;
    }
}

}  // extern "C"

// The loader names the entry points it looks up; a mismatch would only show at run time.
static_assert(std::is_same_v<decltype(&cabridge_host_engine_create), cabridge::EngineCreateEntry>);
static_assert(std::is_same_v<decltype(&cabridge_host_engine_probe), cabridge::EngineProbeEntry>);
