// The plugin's only exported symbol (everything else is hidden).
#include "generic_plugin.h"

// The glue offers check_certificate only to a class whose checkCertificate has the expected
// signature; a drifted signature must not silently drop the warm-login check.
static_assert(cabridge::ChecksCertificates<cabridge::generic::GenericPlugin>);
static_assert(cabridge::ChangesPin<cabridge::generic::GenericPlugin>);
static_assert(cabridge::UnblocksPin<cabridge::generic::GenericPlugin>);

extern "C" CABRIDGE_PLUGIN_EXPORT const cabridge_plugin_api_v1 *cabridge_plugin_v1(uint32_t host_abi_version) {
    return cabridge::pluginApiFor<cabridge::generic::GenericPlugin>(host_abi_version);
}
