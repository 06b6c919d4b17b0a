// What each SKF result code (SAR_*, GM/T 0016-2012) means for the plugin ABI: the status a
// call reports when the vendor library answers with it.
#pragma once

#include <cabridge/plugin.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace cabridge::skf {

// The cabridge_status for `sar`. A code the specification does not list is a vendor's own
// device failure: CABRIDGE_ERR_DEVICE.
cabridge_status statusForSar(std::uint32_t sar) noexcept;

// "SAR_PIN_INCORRECT (0x0A000024)", or "0x0A0000FF" for a code without a name.
std::string sarName(std::uint32_t sar);

// Throws PluginFailure(statusForSar(sar)) naming `call` and the code unless `sar` is SAR_OK.
void throwUnlessOk(std::uint32_t sar, std::string_view call);

} // namespace cabridge::skf
