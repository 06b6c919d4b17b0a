#include "skf_config.h"

#include <cabridge/skf.h>

namespace cabridge::skf {

namespace {

constexpr std::string_view kContext = "skf config";

[[noreturn]] void invalid(const std::string &what) { throwInvalidConfig(kContext, what); }

std::string printableAscii(const nlohmann::json &value, const std::string &key, std::size_t maxBytes) {
    std::string text = parseNonEmptyString(value, kContext, key, maxBytes);
    for (char c : text)
        if (c < 0x20 || c > 0x7E)
            invalid(key + " must be printable ASCII");
    return text;
}

// A C identifier: what dlsym can find and nothing a path or shell could read otherwise.
std::string symbolName(const nlohmann::json &value, const std::string &key) {
    std::string name = parseNonEmptyString(value, kContext, key, 64);
    const auto word = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
    for (char c : name)
        if (!word(c) && (c < '0' || c > '9'))
            invalid(key + " must be a C symbol name");
    if (!word(name.front()))
        invalid(key + " must be a C symbol name");
    return name;
}

OnlineUnlockCalls parseOnlineUnlock(const nlohmann::json &value) {
    if (!value.is_object())
        invalid("onlineUnlock must be an object {\"challenge\": symbol, \"response\": symbol}");
    for (const char *required : {"challenge", "response"})
        if (!value.contains(required))
            invalid(std::string("onlineUnlock is missing ") + required);
    OnlineUnlockCalls calls;
    for (const auto &[key, symbol] : value.items()) {
        if (key == "challenge")
            calls.challenge = symbolName(symbol, "onlineUnlock.challenge");
        else if (key == "response")
            calls.response = symbolName(symbol, "onlineUnlock.response");
        else
            invalid("unknown key onlineUnlock." + key);
    }
    return calls;
}

} // namespace

SkfConfig parseSkfConfig(const nlohmann::json &config) {
    if (!config.is_object())
        invalid("config must be a JSON object");
    for (const char *required : {"id", "name", "libraries"})
        if (!config.contains(required))
            invalid(std::string("missing required key ") + required);

    SkfConfig out;
    for (const auto &[key, value] : config.items()) {
        if (key == "id") {
            out.id = parsePluginId(value, kContext);
        } else if (key == "name") {
            out.name = parseNonEmptyString(value, kContext, "name", 128);
        } else if (key == "libraries") {
            out.libraries = parseStringList(value, kContext, "libraries", false);
        } else if (key == "ulongBits") {
            if (value != 32 && value != 64)
                invalid("ulongBits must be 32 or 64");
            out.ulongBits = value.get<int>();
        } else if (key == "algorithmIds") {
            if (value == "A")
                out.algorithmIds = AlgorithmIdFamily::A;
            else if (value == "B")
                out.algorithmIds = AlgorithmIdFamily::B;
            else
                invalid("algorithmIds must be \"A\" (SGD_SM2_1 0x00020200) or \"B\" (SGD_SM2_1 0x00020100)");
        } else if (key == "applications") {
            out.applications = parseStringList(value, kContext, "applications", false);
            for (const std::string &name : out.applications)
                if (name.size() > 64)
                    invalid("applications entry \"" + name.substr(0, 40) + "\" is longer than 64 bytes");
        } else if (key == "signerId") {
            out.signerId = printableAscii(value, "signerId", 64);
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
        } else if (key == "uniqueIdOid") {
            out.uniqueIdOid = parseDottedOid(value, kContext, "uniqueIdOid");
        } else if (key == "onlineUnlock") {
            out.onlineUnlock = parseOnlineUnlock(value);
        } else {
            invalid("unknown key " + key);
        }
    }
    return out;
}

std::uint32_t sm2SignatureAlgId(AlgorithmIdFamily family) noexcept {
    return family == AlgorithmIdFamily::A ? SKF_SGD_FAMILY_A_SM2_1 : SKF_SGD_FAMILY_B_SM2_1;
}

} // namespace cabridge::skf
