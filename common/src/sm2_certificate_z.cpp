#include <cabridge/common/sm2_certificate_z.h>

#include <cabridge/common/openssl_ptr.h>

#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace cabridge::sm2 {

namespace {

// A user has one or two keys; a few entries cover every certificate a host signs with.
constexpr std::size_t kEntries = 8;

struct Entry {
    std::vector<std::uint8_t> der;
    std::string signerId;
    Digest z{};
};

class ZMemo {
public:
    std::optional<Digest> find(std::span<const std::uint8_t> der, std::string_view signerId) {
        const std::lock_guard lock(mutex_);
        for (const Entry &entry : entries_)
            if (entry.signerId == signerId && std::equal(entry.der.begin(), entry.der.end(), der.begin(), der.end()))
                return entry.z;
        return std::nullopt;
    }

    void remember(std::span<const std::uint8_t> der, std::string_view signerId, const Digest &z) {
        const std::lock_guard lock(mutex_);
        Entry &slot = entries_[next_];
        next_ = (next_ + 1) % entries_.size();
        slot.der.assign(der.begin(), der.end());
        slot.signerId.assign(signerId);
        slot.z = z;
    }

private:
    std::mutex mutex_;
    std::array<Entry, kEntries> entries_{};
    std::size_t next_ = 0;
};

ZMemo &memo() {
    static ZMemo instance;
    return instance;
}

// Z of the certificate, or nullopt if the bytes are not one certificate with an SM2 key.
std::optional<Digest> parseAndComputeZ(std::span<const std::uint8_t> der, std::string_view signerId) {
    const unsigned char *cursor = der.data();
    const X509Ptr certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
    if (!certificate || cursor != der.data() + der.size())
        return std::nullopt;
    const EVP_PKEY *key = X509_get0_pubkey(certificate.get());
    if (key == nullptr || !isSm2Key(key))
        return std::nullopt;
    return computeZ(key, signerId);
}

} // namespace

std::optional<Digest> certificateE(std::span<const std::uint8_t> certificateDer, std::span<const std::uint8_t> message,
                                   std::string_view signerId) {
    std::optional<Digest> z = memo().find(certificateDer, signerId);
    if (!z) {
        z = parseAndComputeZ(certificateDer, signerId);
        if (!z)
            return std::nullopt;
        memo().remember(certificateDer, signerId, *z);
    }
    return computeEWithZ(*z, message);
}

} // namespace cabridge::sm2
