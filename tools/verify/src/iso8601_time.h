// Parsing the CLI's --time argument.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace cabridge::verify::detail {

// "YYYY-MM-DDTHH:MM:SS" followed by "Z" or "+HH:MM"/"-HH:MM" (seconds may carry a fraction,
// which is dropped). Empty for anything else, including impossible dates like 2025-02-30 and
// instants system_clock cannot represent (with libstdc++'s nanoseconds, before 1677 or after 2262).
std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text);

}  // namespace cabridge::verify::detail
