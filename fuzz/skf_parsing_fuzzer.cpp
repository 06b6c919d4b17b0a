// Fuzz target: what the SKF plugin reads from a vendor's SKF library (plugins/skf/src/
// skf_parsing.*: the multi-string name lists of SKF_EnumDev, SKF_EnumApplication and
// SKF_EnumContainer, DEVINFO at both ULONG widths) and the ECCSIGNATUREBLOB an SM2 key signs
// into (common/ sm2.*: device signature to DER and back). The plugin takes a key's public half
// from its certificate, never from ECCPUBLICKEYBLOB or RSAPUBLICKEYBLOB, so those have no reader
// here. The same bytes go to every reader.
// Checks the documented promises: names are non-empty, NUL-free, at most 256 and inside the
// buffer; DEVINFO is refused exactly when short and its text fields have no NUL, no trailing
// space and fit their field; a signature blob accepted as DER reads back to the same r and s.
#include "fuzz_target.h"

#include "skf_parsing.h"

#include <cabridge/common/sm2.h>

#include <algorithm>
#include <span>
#include <stdexcept>
#include <string>

namespace {

using cabridge::fuzz::require;

// sizeof(DEVINFO) for 32- and 64-bit ULONGs: 198 bytes of fixed fields, 8 ULONGs, 64 reserved.
constexpr std::size_t kDevInfo32Bytes = 198 + 8 * 4 + 64;
constexpr std::size_t kDevInfo64Bytes = 198 + 8 * 8 + 64;

void checkNameList(std::span<const std::uint8_t> bytes)
{
    const std::span<const char> list(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    const auto names = cabridge::skf::parseNameList(list);
    require(names.size() <= 256, "more than 256 names");
    std::size_t used = 0;
    for (const auto& name : names) {
        require(!name.empty(), "an empty name");
        require(name.find('\0') == std::string::npos, "a name holds a NUL");
        used += name.size() + 1;
    }
    // Every name but possibly the last is followed by its NUL inside the buffer.
    require(used <= bytes.size() + 1, "names longer than the buffer");
    if (!names.empty()) {
        require(std::equal(names[0].begin(), names[0].end(), list.begin()), "the first name is not the buffer's start");
    }
}

bool hasTrailingSpaceOrNul(const std::string& text)
{
    return text.find('\0') != std::string::npos || (!text.empty() && text.back() == ' ');
}

void checkDevInfo(std::span<const std::uint8_t> bytes, int ulongBits)
{
    const std::size_t needed = ulongBits == 64 ? kDevInfo64Bytes : kDevInfo32Bytes;
    cabridge::skf::DeviceInfo info;
    try {
        info = cabridge::skf::parseDevInfo(bytes, ulongBits);
    } catch (const std::invalid_argument&) {
        require(bytes.size() < needed, "a whole DEVINFO refused");
        return;
    }
    require(bytes.size() >= needed, "a short DEVINFO accepted");
    require(info.manufacturer.size() <= 64 && info.issuer.size() <= 64, "manufacturer or issuer overran its field");
    require(info.label.size() <= 32 && info.serial.size() <= 32, "label or serial overran its field");
    for (const auto* field : {&info.manufacturer, &info.issuer, &info.label, &info.serial}) {
        require(!hasTrailingSpaceOrNul(*field), "a text field kept a NUL or a trailing space");
    }
    if (ulongBits == 32) {
        require(info.algAsymCap <= 0xffffffffU, "a 32-bit AlgAsymCap above 2^32");
    }
}

void checkSignature(std::span<const std::uint8_t> bytes)
{
    namespace sm2 = cabridge::sm2;
    // As a device's signature (raw r || s or ECCSIGNATUREBLOB): DER that reads back the same.
    if (const auto der = sm2::derFromDeviceSignature(bytes)) {
        require(bytes.size() == sm2::kRawSignatureBytes || bytes.size() == sm2::kPaddedSignatureBytes,
                "a device signature of another length accepted");
        const auto raw = sm2::rawFromDer(*der);
        require(raw.has_value(), "derFromDeviceSignature wrote DER that rawFromDer refuses");
        const auto padded = sm2::paddedFromDer(*der);
        require(padded.has_value(), "derFromDeviceSignature wrote DER that paddedFromDer refuses");
        const auto tail = bytes.size() == sm2::kRawSignatureBytes ? bytes : bytes.subspan(32, 32);
        require(std::equal(tail.begin(), tail.end(), raw->begin()), "r changed on the way through DER");
        const auto sTail = bytes.size() == sm2::kRawSignatureBytes ? bytes.subspan(32) : bytes.subspan(96);
        require(std::equal(sTail.begin(), sTail.end(), raw->begin() + 32), "s changed on the way through DER");
    }
    // As DER (a PKCS#11 module's or the token's signature): canonical DER survives the round trip.
    if (const auto raw = sm2::rawFromDer(bytes)) {
        const auto der = sm2::derFromDeviceSignature(*raw);
        require(der.has_value(), "rawFromDer gave r or s that derFromDeviceSignature refuses");
        require(std::equal(der->begin(), der->end(), bytes.begin(), bytes.end()), "canonical DER did not round-trip");
        const auto padded = sm2::paddedFromDer(bytes);
        require(padded.has_value() && std::equal(raw->begin(), raw->begin() + 32, padded->begin() + 32) &&
                    std::equal(raw->begin() + 32, raw->end(), padded->begin() + 96),
                "paddedFromDer disagrees with rawFromDer");
    } else {
        require(!sm2::paddedFromDer(bytes).has_value(), "paddedFromDer accepted what rawFromDer refuses");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::uint8_t> bytes(data, size);
    checkNameList(bytes);
    checkDevInfo(bytes, 32);
    checkDevInfo(bytes, 64);
    checkSignature(bytes);
    return 0;
}
