// The caller the browser names in argv[1]: "chrome-extension://<id>/".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cabridge {

// Returns the 32-letter extension id (letters a-p) or nullopt if `arg` is not
// exactly "chrome-extension://<id>/".
std::optional<std::string> parseExtensionOrigin(std::string_view arg);

}  // namespace cabridge
