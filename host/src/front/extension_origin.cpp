#include "extension_origin.h"

#include <algorithm>

namespace cabridge {

namespace {

bool isHex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool isGeckoNameChar(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' ||
           c == '_';
}

// "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}"
bool isGeckoGuid(std::string_view id)
{
    constexpr std::string_view shape = "{########-####-####-####-############}";
    if (id.size() != shape.size()) {
        return false;
    }
    for (std::size_t i = 0; i < id.size(); ++i) {
        if (shape[i] == '#' ? !isHex(id[i]) : id[i] != shape[i]) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::optional<std::string> parseExtensionOrigin(std::string_view arg)
{
    constexpr std::string_view prefix = "chrome-extension://";
    if (!arg.starts_with(prefix) || !arg.ends_with("/")) {
        return std::nullopt;
    }
    const std::string_view id = arg.substr(prefix.size(), arg.size() - prefix.size() - 1);
    if (id.size() != 32) {
        return std::nullopt;
    }
    for (const char c : id) {
        if (c < 'a' || c > 'p') {
            return std::nullopt;
        }
    }
    return std::string(id);
}

bool isGeckoId(std::string_view id)
{
    constexpr std::size_t kMaxLength = 80;
    if (id.empty() || id.size() > kMaxLength) {
        return false;
    }
    if (id.front() == '{') {
        return isGeckoGuid(id);
    }
    const auto at = id.find('@');
    if (at == std::string_view::npos || at + 1 == id.size()) {
        return false;
    }
    const auto name = id.substr(0, at);
    const auto domain = id.substr(at + 1);
    return std::all_of(name.begin(), name.end(), isGeckoNameChar) &&
           std::all_of(domain.begin(), domain.end(), isGeckoNameChar);
}

std::optional<std::string> parseCallerExtension(std::span<const char* const> args)
{
    if (args.empty() || args[0] == nullptr) {
        return std::nullopt;
    }
    const std::string_view first = args[0];
    if (auto id = parseExtensionOrigin(first)) {
        return id;
    }
    if (args.size() < 2 || args[1] == nullptr || !first.starts_with('/') || !first.ends_with(".json")) {
        return std::nullopt;
    }
    const std::string_view second = args[1];
    if (!isGeckoId(second)) {
        return std::nullopt;
    }
    return std::string(second);
}

}  // namespace cabridge
