#include <cabridge/common/encoding.h>

#include <openssl/evp.h>

#include <limits>
#include <stdexcept>

namespace cabridge {

namespace {

bool isBase64Char(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

} // namespace

std::string base64Encode(std::span<const std::uint8_t> bytes) {
    if (bytes.empty())
        return {};
    // EVP_EncodeBlock takes an int length; nothing we encode comes near it.
    if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) / 4 * 3)
        throw std::length_error("base64Encode: input too large");
    std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0'); // + the NUL EVP_EncodeBlock writes
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()), bytes.data(),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::optional<std::vector<std::uint8_t>> base64Decode(std::string_view text) {
    if (text.empty())
        return std::vector<std::uint8_t>{};
    if (text.size() % 4 != 0 || text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        return std::nullopt;
    // EVP_DecodeBlock skips leading and trailing whitespace and accepts '='
    // in odd places, so the shape is checked here first: alphabet only, then
    // at most two '=' at the very end.
    std::size_t padding = 0;
    while (padding < 2 && text[text.size() - 1 - padding] == '=')
        ++padding;
    for (std::size_t i = 0; i < text.size() - padding; ++i) {
        if (!isBase64Char(text[i]))
            return std::nullopt;
    }
    std::vector<std::uint8_t> out(text.size() / 4 * 3);
    const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char *>(text.data()),
                                  static_cast<int>(text.size()));
    if (n < 0 || static_cast<std::size_t>(n) != out.size())
        return std::nullopt;
    // EVP_DecodeBlock counts the padding as zero bytes: drop one per '='.
    out.resize(out.size() - padding);
    // Canonical form: the bits under the padding must be zero. They are iff
    // re-encoding gives back the same last character before the '='.
    if (padding > 0) {
        const std::size_t lastGroup = text.size() - 4;
        const auto tail = base64Encode(std::span(out).subspan(lastGroup / 4 * 3));
        if (tail != text.substr(lastGroup))
            return std::nullopt;
    }
    return out;
}

std::string hexEncode(std::span<const std::uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (std::uint8_t b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

std::optional<std::vector<std::uint8_t>> hexDecode(std::string_view text) {
    if (text.size() % 2 != 0)
        return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        return -1;
    };
    std::vector<std::uint8_t> out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int high = nibble(text[i]);
        const int low = nibble(text[i + 1]);
        if (high < 0 || low < 0)
            return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(high << 4 | low));
    }
    return out;
}

} // namespace cabridge
