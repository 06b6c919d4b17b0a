// The generic PKCS#11 plugin's configuration: everything that makes it one
// particular vendor comes from the descriptor's "config" object (docs/plugins.md).
// Required: "id", "name", "modules". Unknown keys are refused so an
// administrator's typo fails loudly instead of being ignored.
#pragma once

#include <cabridge/support/config_fields.h>
#include <cabridge/support/pkcs11_sm2_mechanism.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cabridge::generic {

// Which identity profile identify() applies.
enum class IdentityProfile {
    ChineseOrganisation, // "cn-org": credit code / resident ID (plugins/common identity.h)
    None,                // "none": identify() always gives {}
};

struct GenericConfig {
    std::string id;                   // must equal the descriptor's id
    std::string name;                 // display name, e.g. "演示 CA"
    std::vector<std::string> modules; // candidate PKCS#11 modules, first existing wins
    std::vector<std::string> origins; // default portal origins (may be empty)
    std::vector<std::string> legacyOrigins;
    // The CA's own sites that may enrol keys (describe "enrollOrigins") and the CA
    // certificates an enrolled certificate must chain to ("enrollCAs": absolute paths of PEM or
    // DER files, or base64 DER), both handed to the host as they are.
    std::vector<std::string> enrollOrigins;
    std::vector<std::string> enrollCAs;
    DeclaredPinRules pin;
    nlohmann::json help = nlohmann::json::object(); // {renew, unlock, lost, reinsert, contact}: H
    IdentityProfile identity = IdentityProfile::ChineseOrganisation;
    std::string uniqueIdOid;        // vendor unique-id extension for "cn-org", empty for none
    std::string retryCounterSymbol; // empty: none
    // Only tokens with one of these labels belong to this vendor (empty: all
    // tokens of the module). Lets one module serve several CAs.
    std::vector<std::string> tokenLabels;
    // How the module signs SM2 keys ("sm2"); none: SM2-SM3 is UNSUPPORTED.
    std::optional<Sm2Mechanism> sm2;
};

// Parses the config; throws PluginFailure(CABRIDGE_ERR_INVALID_CONFIG) naming
// the missing or offending key.
GenericConfig parseGenericConfig(const nlohmann::json &config);

} // namespace cabridge::generic
