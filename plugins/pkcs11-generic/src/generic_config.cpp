#include "generic_config.h"

#include <string_view>

namespace cabridge::generic {

namespace {

constexpr std::string_view kContext = "pkcs11-generic config";

[[noreturn]] void invalid(const std::string &what) { throwInvalidConfig(kContext, what); }

} // namespace

GenericConfig parseGenericConfig(const nlohmann::json &config) {
    if (!config.is_object())
        invalid("config must be a JSON object");
    for (const char *required : {"id", "name", "modules"})
        if (!config.contains(required))
            invalid(std::string("missing required key ") + required);

    GenericConfig out;
    for (const auto &[key, value] : config.items()) {
        if (key == "id") {
            out.id = parsePluginId(value, kContext);
        } else if (key == "name") {
            out.name = parseNonEmptyString(value, kContext, "name", 128);
        } else if (key == "modules") {
            out.modules = parseStringList(value, kContext, "modules", false);
        } else if (key == "origins") {
            out.origins = parseStringList(value, kContext, "origins", true);
        } else if (key == "legacyOrigins") {
            out.legacyOrigins = parseStringList(value, kContext, "legacyOrigins", true);
        } else if (key == "enrollOrigins") {
            out.enrollOrigins = parseStringList(value, kContext, "enrollOrigins", true);
        } else if (key == "enrollCAs") {
            out.enrollCAs = parseStringList(value, kContext, "enrollCAs", true);
        } else if (key == "pin") {
            out.pin = parsePinRules(value, kContext, DeclaredPinRules{});
        } else if (key == "help") {
            out.help = parseHelp(value, kContext);
        } else if (key == "identity") {
            if (value == "cn-org")
                out.identity = IdentityProfile::ChineseOrganisation;
            else if (value == "none")
                out.identity = IdentityProfile::None;
            else
                invalid("identity must be \"cn-org\" or \"none\"");
        } else if (key == "uniqueIdOid") {
            out.uniqueIdOid = parseDottedOid(value, kContext, "uniqueIdOid");
        } else if (key == "retryCounter") {
            out.retryCounterSymbol = parseRetryCounter(value, kContext);
        } else if (key == "tokenLabels") {
            out.tokenLabels = parseStringList(value, kContext, "tokenLabels", false);
            for (const std::string &label : out.tokenLabels)
                if (label.size() > 32)
                    invalid("tokenLabels entry \"" + label.substr(0, 40) +
                            "\" is longer than 32 bytes (PKCS#11 limit)");
        } else if (key == "sm2") {
            out.sm2 = parseSm2Mechanism(value, kContext);
        } else {
            invalid("unknown key " + key);
        }
    }
    if (out.identity == IdentityProfile::None && !out.uniqueIdOid.empty())
        invalid("uniqueIdOid needs identity \"cn-org\"");
    return out;
}

} // namespace cabridge::generic
