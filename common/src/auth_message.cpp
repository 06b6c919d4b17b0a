#include <cabridge/common/auth_message.h>

#include <stdexcept>

namespace cabridge {

namespace {

constexpr std::size_t kMinLegacyChallengeBytes = 8;
constexpr std::size_t kMaxLegacyChallengeBytes = 256;

// Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF). The host has
// the same check for whole messages in its front (host/src/utf8.cpp), which must not link
// this library: a cold `status` loads no OpenSSL.
bool isStrictUtf8(std::span<const std::uint8_t> text) noexcept {
    std::size_t i = 0;
    while (i < text.size()) {
        const std::uint8_t lead = text[i];
        if (lead < 0x80) {
            ++i;
            continue;
        }
        std::size_t extra = 0;
        std::uint32_t code = 0;
        std::uint32_t min = 0;
        if ((lead & 0xE0) == 0xC0) {
            extra = 1;
            code = lead & 0x1Fu;
            min = 0x80;
        } else if ((lead & 0xF0) == 0xE0) {
            extra = 2;
            code = lead & 0x0Fu;
            min = 0x800;
        } else if ((lead & 0xF8) == 0xF0) {
            extra = 3;
            code = lead & 0x07u;
            min = 0x10000;
        } else {
            return false;
        }
        if (text.size() - i <= extra)
            return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            if ((text[i + k] & 0xC0) != 0x80)
                return false;
            code = (code << 6) | (text[i + k] & 0x3Fu);
        }
        if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
            return false;
        i += extra + 1;
    }
    return true;
}

void appendDigest(std::vector<std::uint8_t> &out, const EVP_MD *md, std::span<const std::uint8_t> data) {
    std::uint8_t hash[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (md == nullptr || EVP_Digest(data.data(), data.size(), hash, &length, md, nullptr) != 1)
        throw std::runtime_error("EVP_Digest failed");
    out.insert(out.end(), hash, hash + length);
}

} // namespace

std::vector<std::uint8_t> originBoundMessage(const EVP_MD *md, std::string_view origin,
                                             std::span<const std::uint8_t> challenge) {
    std::vector<std::uint8_t> message(kAuthTokenFormat.begin(), kAuthTokenFormat.end());
    message.push_back(0);
    appendDigest(message, md, {reinterpret_cast<const std::uint8_t *>(origin.data()), origin.size()});
    appendDigest(message, md, challenge);
    return message;
}

bool isLegacyChallengeText(std::span<const std::uint8_t> challenge) noexcept {
    if (challenge.size() < kMinLegacyChallengeBytes || challenge.size() > kMaxLegacyChallengeBytes)
        return false;
    for (const std::uint8_t byte : challenge) {
        if (byte < 0x20 || byte == 0x7F)
            return false;
    }
    return isStrictUtf8(challenge);
}

} // namespace cabridge
