// Picks the PKCS#11 module to use from a vendor's candidate paths.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cabridge {

// The first candidate that is an existing regular file (symlinks followed),
// or nullopt when none is.
std::optional<std::string> firstExistingModule(const std::vector<std::string> &candidates);

// "a, b, c" for messages naming the paths that were tried.
std::string joinPaths(const std::vector<std::string> &paths);

} // namespace cabridge
