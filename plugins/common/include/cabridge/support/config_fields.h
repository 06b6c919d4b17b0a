// Reading the common keys of a vendor plugin's descriptor "config" (id, name,
// string lists such as "modules"/"origins", PIN rules, help texts, OIDs,
// "retryCounter"). Shared by the generic PKCS#11 and the SKF plugin so both
// refuse bad values the same way.
// Every failure throws PluginFailure(CABRIDGE_ERR_INVALID_CONFIG) whose message
// starts with `context` (e.g. "pkcs11-generic config") and names the offending key.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace cabridge {

// The PIN form a vendor declares in its config and describe() passes on (plugin.h
// describe().pin): data only. The host checks PINs against them with its own PinRules.
struct DeclaredPinRules {
    int minLength = 4;
    int maxLength = 16;
    std::string charset = "alnum"; // "digits" | "alnum" | "printable"
};

[[noreturn]] void throwInvalidConfig(std::string_view context, const std::string &what);

// A plugin id: 1 to 32 characters of a-z, 0-9 and '-' (the rule `cabridge plugins add`
// applies to descriptors).
std::string parsePluginId(const nlohmann::json &value, std::string_view context);

// A non-empty string of at most `maxBytes` bytes.
std::string parseNonEmptyString(const nlohmann::json &value, std::string_view context, const std::string &key,
                                std::size_t maxBytes);

// A dotted OID such as "1.2.156.112586.1.4".
std::string parseDottedOid(const nlohmann::json &value, std::string_view context, const std::string &key);

// describe()'s "help": {renew, unlock, lost, reinsert, contact} each {"text", "url"?, "phone"?}
// (url http:// or https://); any other key is refused.
nlohmann::json parseHelp(const nlohmann::json &value, std::string_view context);

// An array of non-empty strings; `allowEmpty` = false refuses [].
std::vector<std::string> parseStringList(const nlohmann::json &value, std::string_view context, const std::string &key,
                                         bool allowEmpty);

// {"minLength": 1..64, "maxLength": 1..64, "charset": ...}; missing keys keep
// the values of `defaults`; unknown keys and min > max are refused.
DeclaredPinRules parsePinRules(const nlohmann::json &value, std::string_view context, const DeclaredPinRules &defaults);

// {"symbol": "<exported function name>"} -> the symbol name.
std::string parseRetryCounter(const nlohmann::json &value, std::string_view context);

// describe()'s "pin" object for `rules`.
nlohmann::json pinRulesToJson(const DeclaredPinRules &rules);

} // namespace cabridge
