#include "generic_config.h"

#include <array>
#include <string_view>

namespace cabridge::generic {

namespace {

constexpr std::string_view kContext = "pkcs11-generic config";

[[noreturn]] void invalid(const std::string &what) { throwInvalidConfig(kContext, what); }

// The same id rule `cabridge plugins add` applies to descriptors.
bool isPluginId(const std::string &id) {
    if (id.empty() || id.size() > 32)
        return false;
    for (char c : id)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    return true;
}

std::string nonEmptyString(const nlohmann::json &value, const std::string &key, std::size_t maxBytes) {
    if (!value.is_string() || value.get_ref<const std::string &>().empty() ||
        value.get_ref<const std::string &>().size() > maxBytes)
        invalid(key + " must be a non-empty string of at most " + std::to_string(maxBytes) + " bytes");
    return value.get<std::string>();
}

// One help entry H = {"text", "url"?, "phone"?}.
nlohmann::json helpEntry(const nlohmann::json &value, const std::string &kind) {
    const std::string where = "help." + kind;
    if (!value.is_object())
        invalid(where + " must be an object {\"text\", \"url\"?, \"phone\"?}");
    nlohmann::json out = nlohmann::json::object();
    for (const auto &[key, item] : value.items()) {
        if (key == "text") {
            out["text"] = nonEmptyString(item, where + ".text", 1024);
        } else if (key == "url") {
            const std::string url = nonEmptyString(item, where + ".url", 512);
            if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
                invalid(where + ".url must start with https:// or http://");
            out["url"] = url;
        } else if (key == "phone") {
            out["phone"] = nonEmptyString(item, where + ".phone", 64);
        } else {
            invalid("unknown key " + where + "." + key);
        }
    }
    if (!out.contains("text"))
        invalid(where + ".text is required");
    return out;
}

nlohmann::json helpObject(const nlohmann::json &value) {
    static constexpr std::array<std::string_view, 5> kinds{"renew", "unlock", "lost", "reinsert", "contact"};
    if (!value.is_object())
        invalid("help must be an object");
    nlohmann::json out = nlohmann::json::object();
    for (const auto &[key, item] : value.items()) {
        bool known = false;
        for (std::string_view kind : kinds)
            known = known || key == kind;
        if (!known)
            invalid("unknown key help." + key + " (expected renew, unlock, lost, reinsert, contact)");
        out[key] = helpEntry(item, key);
    }
    return out;
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
            if (!value.is_string() || !isPluginId(value.get<std::string>()))
                invalid("id must be 1 to 32 characters of a-z, 0-9 and '-'");
            out.id = value.get<std::string>();
        } else if (key == "name") {
            out.name = nonEmptyString(value, "name", 128);
        } else if (key == "modules") {
            out.modules = parseStringList(value, kContext, "modules", false);
        } else if (key == "origins") {
            out.origins = parseStringList(value, kContext, "origins", true);
        } else if (key == "legacyOrigins") {
            out.legacyOrigins = parseStringList(value, kContext, "legacyOrigins", true);
        } else if (key == "pin") {
            out.pin = parsePinRules(value, kContext, DeclaredPinRules{});
        } else if (key == "help") {
            out.help = helpObject(value);
        } else if (key == "identity") {
            if (value == "cn-org")
                out.identity = IdentityProfile::ChineseOrganisation;
            else if (value == "none")
                out.identity = IdentityProfile::None;
            else
                invalid("identity must be \"cn-org\" or \"none\"");
        } else if (key == "uniqueIdOid") {
            if (!value.is_string() || !isDottedOid(value.get<std::string>()))
                invalid("uniqueIdOid must be a dotted OID such as \"1.2.156.112586.1.4\"");
            out.uniqueIdOid = value.get<std::string>();
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
