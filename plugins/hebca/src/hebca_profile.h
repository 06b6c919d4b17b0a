// What HeBCA (河北 CA) is to the host: the describe() object and the
// identity profile of its certificates.
#pragma once

#include "hebca_config.h"

#include <nlohmann/json.hpp>

namespace cabridge::hebca {

// HeBCA's unique id extension (values like "2@6021SF0" + 18 characters).
inline constexpr const char *kUniqueIdOid = "1.2.156.112586.1.4";

// The plugin.h describe() object for this configuration, with HeBCA's help
// texts (renew, unlock, lost key, re-insert, contact) in Chinese.
nlohmann::json describeHebca(const HebcaConfig &config);

} // namespace cabridge::hebca
