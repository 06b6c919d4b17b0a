// The plugin's only exported symbol (everything else is hidden).
#include "generic_plugin.h"

extern "C" CABRIDGE_PLUGIN_EXPORT const cabridge_plugin_api_v1 *cabridge_plugin_v1(uint32_t host_abi_version) {
    return cabridge::pluginApiFor<cabridge::generic::GenericPlugin>(host_abi_version);
}
