#include "token_engine_loader.h"

#include "error.h"
#include "logger.h"

#include <dlfcn.h>

namespace cabridge {

std::filesystem::path engineModulePath(const std::filesystem::path& exeDir)
{
    // "..", not parent_path(): resolved by the kernel, so a symlinked bin directory leads to
    // the lib directory beside its target.
    return exeDir / ".." / "lib" / "cabridge" / "cabridge-host-engine.so";
}

std::variant<EngineModule, std::string> loadEngineModule(const std::filesystem::path& module)
{
    // RTLD_NOW: an engine that does not match this executable fails here, with a reason,
    // rather than at the first call into a missing symbol. Never dlclose()d: plugin threads
    // abandoned at a deadline may still run engine code.
    void* handle = ::dlopen(module.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* why = ::dlerror();
        return std::string(why != nullptr ? why : "dlopen failed");
    }
    EngineModule entries;
    entries.create = reinterpret_cast<EngineCreateEntry>(::dlsym(handle, kEngineCreateSymbol));
    entries.probe = reinterpret_cast<EngineProbeEntry>(::dlsym(handle, kEngineProbeSymbol));
    if (entries.create == nullptr || entries.probe == nullptr) {
        return module.string() + " is not a cabridge host engine (entry points missing)";
    }
    return entries;
}

TokenEngineFactory moduleEngineFactory(std::filesystem::path module)
{
    return [module = std::move(module)](const TokenEngineSetup& setup) {
        const auto loaded = loadEngineModule(module);
        if (const auto* why = std::get_if<std::string>(&loaded)) {
            Logger::error("token engine " + module.string() + " cannot be loaded: " + *why);
            throw HostError(ErrorCode::InternalError, "token engine cannot be loaded: " + *why,
                            {{"reason", "cabridge installation incomplete: reinstall cabridge"}});
        }
        std::unique_ptr<TokenEngine> engine;
        std::get<EngineModule>(loaded).create(setup, engine);
        if (!engine) {
            throw HostError(ErrorCode::InternalError, "token engine cannot start",
                            {{"reason", "token engine cannot start"}});
        }
        return engine;
    };
}

}  // namespace cabridge
