#include "hebca_config.h"

#include <cabridge/support/plugin_error.h>

namespace cabridge::hebca {

namespace {

[[noreturn]] void invalid(const std::string &what) {
    throw PluginError(CABRIDGE_ERR_INVALID_CONFIG, "hebca config: " + what);
}

std::vector<std::string> stringList(const nlohmann::json &value, const char *key, bool allowEmpty) {
    if (!value.is_array())
        invalid(std::string(key) + " must be an array of strings");
    std::vector<std::string> out;
    for (const auto &item : value) {
        if (!item.is_string() || item.get_ref<const std::string &>().empty())
            invalid(std::string(key) + " must contain non-empty strings");
        out.push_back(item.get<std::string>());
    }
    if (out.empty() && !allowEmpty)
        invalid(std::string(key) + " must not be empty");
    return out;
}

int boundedInt(const nlohmann::json &value, const char *key) {
    if (!value.is_number_integer() || value.get<long long>() < 1 || value.get<long long>() > 64)
        invalid(std::string("pin.") + key + " must be an integer from 1 to 64");
    return value.get<int>();
}

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
            out.modules = stringList(value, "modules", false);
        } else if (key == "retryCounter") {
            if (!value.is_object() || value.size() != 1 || !value.contains("symbol") ||
                !value["symbol"].is_string() || value["symbol"].get_ref<const std::string &>().empty())
                invalid("retryCounter must be {\"symbol\": \"<exported function name>\"}");
            out.retryCounterSymbol = value["symbol"].get<std::string>();
        } else if (key == "origins") {
            out.origins = stringList(value, "origins", true);
        } else if (key == "legacyOrigins") {
            out.legacyOrigins = stringList(value, "legacyOrigins", true);
        } else if (key == "pin") {
            if (!value.is_object())
                invalid("pin must be an object");
            for (const auto &[pinKey, pinValue] : value.items()) {
                if (pinKey == "minLength")
                    out.pin.minLength = boundedInt(pinValue, "minLength");
                else if (pinKey == "maxLength")
                    out.pin.maxLength = boundedInt(pinValue, "maxLength");
                else if (pinKey == "charset") {
                    if (!pinValue.is_string() ||
                        (pinValue != "digits" && pinValue != "alnum" && pinValue != "printable"))
                        invalid("pin.charset must be \"digits\", \"alnum\" or \"printable\"");
                    out.pin.charset = pinValue.get<std::string>();
                } else
                    invalid("unknown key pin." + pinKey);
            }
            if (out.pin.minLength > out.pin.maxLength)
                invalid("pin.minLength is greater than pin.maxLength");
        } else {
            invalid("unknown key " + key);
        }
    }
    return out;
}

} // namespace cabridge::hebca
