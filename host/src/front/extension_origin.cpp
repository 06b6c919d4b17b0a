#include "extension_origin.h"

namespace cabridge {

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

}  // namespace cabridge
