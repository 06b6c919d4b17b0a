// The HeBCA plugin's configuration: the descriptor's "config" object.
// Every key is optional; unknown keys are refused so an administrator's typo
// fails loudly instead of being ignored.
#pragma once

#include <cabridge/support/config_fields.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace cabridge::hebca {

using cabridge::PinRules; // 4..16, "alnum" by default

struct HebcaConfig {
    // Candidate PKCS#11 modules of the HeBCA key middleware, first existing wins.
    std::vector<std::string> modules;
    // Optional module export giving exact PIN tries left (empty: none).
    std::string retryCounterSymbol;
    std::vector<std::string> origins;
    std::vector<std::string> legacyOrigins;
    PinRules pin;
};

// Default candidate paths. Guesses at where HeBCA's Linux middleware installs
// its PKCS#11 library; an administrator sets "modules" for the real one.
std::vector<std::string> defaultHebcaModules();

// Parses the config; throws PluginError(CABRIDGE_ERR_INVALID_CONFIG) naming
// the offending key.
HebcaConfig parseHebcaConfig(const nlohmann::json &config);

} // namespace cabridge::hebca
