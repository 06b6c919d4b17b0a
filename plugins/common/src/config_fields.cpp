#include <cabridge/support/config_fields.h>

#include <cabridge/support/plugin_failure.h>

#include <array>

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

bool isPluginId(const std::string &id) {
    if (id.empty() || id.size() > 32)
        return false;
    for (char c : id)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    return true;
}

bool isDottedOid(const std::string &text) {
    if (text.empty() || text.size() > 128 || text.front() == '.' || text.back() == '.')
        return false;
    char previous = '.';
    for (char c : text) {
        if (c == '.' && previous == '.')
            return false;
        if (c != '.' && (c < '0' || c > '9'))
            return false;
        previous = c;
    }
    return text.find('.') != std::string::npos;
}

// One help entry H = {"text", "url"?, "phone"?}.
nlohmann::json helpEntry(const nlohmann::json &value, std::string_view context, const std::string &kind) {
    const std::string where = "help." + kind;
    if (!value.is_object())
        throwInvalidConfig(context, where + " must be an object {\"text\", \"url\"?, \"phone\"?}");
    nlohmann::json out = nlohmann::json::object();
    for (const auto &[key, item] : value.items()) {
        if (key == "text") {
            out["text"] = parseNonEmptyString(item, context, where + ".text", 1024);
        } else if (key == "url") {
            const std::string url = parseNonEmptyString(item, context, where + ".url", 512);
            if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
                throwInvalidConfig(context, where + ".url must start with https:// or http://");
            out["url"] = url;
        } else if (key == "phone") {
            out["phone"] = parseNonEmptyString(item, context, where + ".phone", 64);
        } else {
            throwInvalidConfig(context, "unknown key " + where + "." + key);
        }
    }
    if (!out.contains("text"))
        throwInvalidConfig(context, where + ".text is required");
    return out;
}

int boundedPinLength(const nlohmann::json &value, std::string_view context, const char *key) {
    if (!value.is_number_integer() || value.get<long long>() < 1 || value.get<long long>() > 64)
        throwInvalidConfig(context, std::string("pin.") + key + " must be an integer from 1 to 64");
    return value.get<int>();
}

} // namespace

std::string parsePluginId(const nlohmann::json &value, std::string_view context) {
    if (!value.is_string() || !isPluginId(value.get<std::string>()))
        throwInvalidConfig(context, "id must be 1 to 32 characters of a-z, 0-9 and '-'");
    return value.get<std::string>();
}

std::string parseNonEmptyString(const nlohmann::json &value, std::string_view context, const std::string &key,
                                std::size_t maxBytes) {
    if (!value.is_string() || value.get_ref<const std::string &>().empty() ||
        value.get_ref<const std::string &>().size() > maxBytes)
        throwInvalidConfig(context,
                           key + " must be a non-empty string of at most " + std::to_string(maxBytes) + " bytes");
    return value.get<std::string>();
}

std::string parseDottedOid(const nlohmann::json &value, std::string_view context, const std::string &key) {
    if (!value.is_string() || !isDottedOid(value.get<std::string>()))
        throwInvalidConfig(context, key + " must be a dotted OID such as \"1.2.156.112586.1.4\"");
    return value.get<std::string>();
}

nlohmann::json parseHelp(const nlohmann::json &value, std::string_view context) {
    static constexpr std::array<std::string_view, 5> kinds{"renew", "unlock", "lost", "reinsert", "contact"};
    if (!value.is_object())
        throwInvalidConfig(context, "help must be an object");
    nlohmann::json out = nlohmann::json::object();
    for (const auto &[key, item] : value.items()) {
        bool known = false;
        for (std::string_view kind : kinds)
            known = known || key == kind;
        if (!known)
            throwInvalidConfig(context,
                               "unknown key help." + key + " (expected renew, unlock, lost, reinsert, contact)");
        out[key] = helpEntry(item, context, key);
    }
    return out;
}

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
