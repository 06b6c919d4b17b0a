#include "hebca_config.h"

#include <string_view>

namespace cabridge::hebca {

namespace {

constexpr std::string_view kContext = "hebca config";

[[noreturn]] void invalid(const std::string &what) { throwInvalidConfig(kContext, what); }

} // namespace

std::vector<std::string> defaultHebcaModules() {
    return {
        "/usr/lib/libhebca_p11.so",
        "/usr/lib/libhebca_pkcs11.so",
        "/usr/lib/x86_64-linux-gnu/libhebca_p11.so",
        "/usr/lib/x86_64-linux-gnu/libhebca_pkcs11.so",
        "/usr/local/lib/libhebca_p11.so",
        "/opt/hebca/lib/libHebcaP11.so",
        "/opt/hebca/lib/libhebca_pkcs11.so",
        "/opt/HEBCA/lib/libHebcaP11.so",
    };
}

HebcaConfig parseHebcaConfig(const nlohmann::json &config) {
    if (!config.is_object())
        invalid("config must be a JSON object");
    HebcaConfig out;
    out.modules = defaultHebcaModules();
    out.origins = {"http://222.222.31.183:25688"};

    for (const auto &[key, value] : config.items()) {
        if (key == "modules") {
            out.modules = parseStringList(value, kContext, "modules", false);
        } else if (key == "retryCounter") {
            out.retryCounterSymbol = parseRetryCounter(value, kContext);
        } else if (key == "origins") {
            out.origins = parseStringList(value, kContext, "origins", true);
        } else if (key == "legacyOrigins") {
            out.legacyOrigins = parseStringList(value, kContext, "legacyOrigins", true);
        } else if (key == "pin") {
            out.pin = parsePinRules(value, kContext, out.pin);
        } else {
            invalid("unknown key " + key);
        }
    }
    return out;
}

} // namespace cabridge::hebca
