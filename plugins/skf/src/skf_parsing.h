// Reading what an SKF library writes into the caller's buffers: name lists (multi-strings) and
// DEVINFO. Both come from vendor code, so every read is bounded by the buffer, never by a NUL
// the library may have left out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cabridge::skf {

// The names of a multi-string ("a\0b\0\0"): up to the first empty name or the end of `list`,
// whichever comes first; a last name without its NUL still counts. At most 256 names.
std::vector<std::string> parseNameList(std::span<const char> list);

struct DeviceInfo {
    std::string manufacturer;
    std::string issuer;
    std::string label;
    std::string serial;
    std::uint64_t algAsymCap = 0;
};

// The fields of a packed DEVINFO written with `ulongBits`-wide ULONGs (32 or 64). Text fields
// end at their first NUL or their field's end; trailing spaces (some vendors pad) are cut.
// `info` must hold the whole structure for that width (throws std::invalid_argument if not).
DeviceInfo parseDevInfo(std::span<const std::uint8_t> info, int ulongBits);

} // namespace cabridge::skf
