// Finding and loading the token engine module (token_engine.h) in the installed host:
// <exe dir>/../lib/cabridge/cabridge-host-engine.so, the same layout in the build tree and in an
// installation, like the plugins. Loaded once per process and never unloaded.
#pragma once

#include "token_engine.h"

#include <filesystem>
#include <memory>
#include <string>
#include <variant>

namespace cabridge {

// The module's entry points (token_engine_module.cpp).
using EngineCreateEntry = void (*)(const TokenEngineSetup&, std::unique_ptr<TokenEngine>&) noexcept;
using EngineProbeEntry = int (*)(int, char**) noexcept;
inline constexpr const char* kEngineCreateSymbol = "cabridge_host_engine_create";
inline constexpr const char* kEngineProbeSymbol = "cabridge_host_engine_probe";

// Where the host executable in `exeDir` expects its engine module.
std::filesystem::path engineModulePath(const std::filesystem::path& exeDir);

struct EngineModule {
    EngineCreateEntry create = nullptr;
    EngineProbeEntry probe = nullptr;
};

// The module's entry points, or why it cannot be used (missing file, unresolved symbol: an
// installation whose parts do not match). Loads it on the first call only.
std::variant<EngineModule, std::string> loadEngineModule(const std::filesystem::path& module);

// A factory for the controller: creates the engine from the module, or throws HostError
// INTERNAL_ERROR saying the installation is incomplete.
TokenEngineFactory moduleEngineFactory(std::filesystem::path module);

}  // namespace cabridge
