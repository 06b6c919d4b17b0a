#include <cabridge/support/module_locator.h>

#include <filesystem>
#include <system_error>

namespace cabridge {

std::optional<std::string> firstExistingModule(const std::vector<std::string> &candidates) {
    for (const std::string &path : candidates) {
        std::error_code ec;
        if (!path.empty() && std::filesystem::is_regular_file(path, ec))
            return path;
    }
    return std::nullopt;
}

std::string joinPaths(const std::vector<std::string> &paths) {
    std::string out;
    for (const std::string &path : paths) {
        if (!out.empty())
            out += ", ";
        out += path;
    }
    return out;
}

} // namespace cabridge
