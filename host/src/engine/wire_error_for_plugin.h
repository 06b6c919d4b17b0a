// Maps a failed plugin call to the wire error (plugin.h says which code is which),
// attaching the vendor's help where the person can do something about it.
#pragma once

#include "error.h"
#include "loaded_plugin.h"

namespace cabridge {

HostError toHostError(const PluginCallFailure& failure, const LoadedPlugin& plugin);

// details for PIN_LOCKED/NO_TOKEN/...: {"help": H} when the vendor gave H, else {}.
nlohmann::json helpDetails(const LoadedPlugin& plugin, std::string_view kind);

}  // namespace cabridge
