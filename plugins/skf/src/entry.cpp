// The plugin's only exported symbol (everything else is hidden).
#include "skf_plugin.h"

// The glue offers check_certificate and authenticate only to a class whose members have the
// expected signatures; a drifted signature must not silently drop them.
static_assert(cabridge::ChecksCertificates<cabridge::skf::SkfPlugin>);
static_assert(cabridge::Authenticates<cabridge::skf::SkfPlugin>);
static_assert(cabridge::ChangesPin<cabridge::skf::SkfPlugin>);
static_assert(cabridge::UnblocksPin<cabridge::skf::SkfPlugin>);
static_assert(cabridge::UnblocksOnline<cabridge::skf::SkfPlugin>);

extern "C" CABRIDGE_PLUGIN_EXPORT const cabridge_plugin_api_v1 *cabridge_plugin_v1(uint32_t host_abi_version) {
    return cabridge::pluginApiFor<cabridge::skf::SkfPlugin>(host_abi_version);
}
