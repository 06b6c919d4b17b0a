#include "skf_parsing.h"

#include <stdexcept>

namespace cabridge::skf {

namespace {

constexpr std::size_t kMaxNames = 256;

// DEVINFO: Version(2) Manufacturer[64] Issuer[64] Label[32] SerialNumber[32] HWVersion(2)
// FirmwareVersion(2), then ULONGs AlgSymCap AlgAsymCap AlgHashCap DevAuthAlgId TotalSpace
// FreeSpace MaxECCBufferSize MaxBufferSize, then Reserved[64].
constexpr std::size_t kManufacturerAt = 2;
constexpr std::size_t kIssuerAt = 66;
constexpr std::size_t kLabelAt = 130;
constexpr std::size_t kSerialAt = 162;
constexpr std::size_t kFirstUlongAt = 198;
constexpr std::size_t kUlongCount = 8;
constexpr std::size_t kReservedBytes = 64;

std::string textField(std::span<const std::uint8_t> info, std::size_t at, std::size_t size) {
    const auto field = info.subspan(at, size);
    std::size_t length = 0;
    while (length < field.size() && field[length] != 0)
        ++length;
    while (length > 0 && field[length - 1] == ' ')
        --length;
    return {reinterpret_cast<const char *>(field.data()), length};
}

} // namespace

std::vector<std::string> parseNameList(std::span<const char> list) {
    std::vector<std::string> names;
    std::size_t at = 0;
    while (at < list.size() && names.size() < kMaxNames) {
        std::size_t end = at;
        while (end < list.size() && list[end] != '\0')
            ++end;
        if (end == at)
            break; // the empty name that ends the list
        names.emplace_back(list.data() + at, end - at);
        at = end + 1;
    }
    return names;
}

DeviceInfo parseDevInfo(std::span<const std::uint8_t> info, int ulongBits) {
    const std::size_t ulongBytes = ulongBits == 64 ? 8 : 4;
    if (info.size() < kFirstUlongAt + kUlongCount * ulongBytes + kReservedBytes)
        throw std::invalid_argument("DEVINFO buffer too short");
    DeviceInfo out;
    out.manufacturer = textField(info, kManufacturerAt, 64);
    out.issuer = textField(info, kIssuerAt, 64);
    out.label = textField(info, kLabelAt, 32);
    out.serial = textField(info, kSerialAt, 32);
    // ULONGs are in the library's native (little-endian on every platform cabridge runs on) order.
    const std::size_t asymAt = kFirstUlongAt + ulongBytes;
    for (std::size_t i = ulongBytes; i > 0; --i)
        out.algAsymCap = (out.algAsymCap << 8) | info[asymAt + i - 1];
    return out;
}

} // namespace cabridge::skf
