#include <cabridge/support/config_fields.h>

#include <cabridge/support/plugin_failure.h>

namespace cabridge {

void throwInvalidConfig(std::string_view context, const std::string &what) {
    throw PluginFailure(CABRIDGE_ERR_INVALID_CONFIG, std::string(context) + ": " + what);
}

std::vector<std::string> parseStringList(const nlohmann::json &value, std::string_view context, const std::string &key,
                                         bool allowEmpty) {
    if (!value.is_array())
        throwInvalidConfig(context, key + " must be an array of strings");
    std::vector<std::string> out;
    for (const auto &item : value) {
        if (!item.is_string() || item.get_ref<const std::string &>().empty())
            throwInvalidConfig(context, key + " must contain non-empty strings");
        out.push_back(item.get<std::string>());
    }
    if (out.empty() && !allowEmpty)
        throwInvalidConfig(context, key + " must not be empty");
    return out;
}

namespace {

int boundedPinLength(const nlohmann::json &value, std::string_view context, const char *key) {
    if (!value.is_number_integer() || value.get<long long>() < 1 || value.get<long long>() > 64)
        throwInvalidConfig(context, std::string("pin.") + key + " must be an integer from 1 to 64");
    return value.get<int>();
}

} // namespace

DeclaredPinRules parsePinRules(const nlohmann::json &value, std::string_view context,
                               const DeclaredPinRules &defaults) {
    if (!value.is_object())
        throwInvalidConfig(context, "pin must be an object");
    DeclaredPinRules out = defaults;
    for (const auto &[key, item] : value.items()) {
        if (key == "minLength")
            out.minLength = boundedPinLength(item, context, "minLength");
        else if (key == "maxLength")
            out.maxLength = boundedPinLength(item, context, "maxLength");
        else if (key == "charset") {
            if (!item.is_string() || (item != "digits" && item != "alnum" && item != "printable"))
                throwInvalidConfig(context, "pin.charset must be \"digits\", \"alnum\" or \"printable\"");
            out.charset = item.get<std::string>();
        } else
            throwInvalidConfig(context, "unknown key pin." + key);
    }
    if (out.minLength > out.maxLength)
        throwInvalidConfig(context, "pin.minLength is greater than pin.maxLength");
    return out;
}

std::string parseRetryCounter(const nlohmann::json &value, std::string_view context) {
    if (!value.is_object() || value.size() != 1 || !value.contains("symbol") || !value["symbol"].is_string() ||
        value["symbol"].get_ref<const std::string &>().empty())
        throwInvalidConfig(context, "retryCounter must be {\"symbol\": \"<exported function name>\"}");
    return value["symbol"].get<std::string>();
}

nlohmann::json pinRulesToJson(const DeclaredPinRules &rules) {
    return {{"minLength", rules.minLength}, {"maxLength", rules.maxLength}, {"charset", rules.charset}};
}

} // namespace cabridge
