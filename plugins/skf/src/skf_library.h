// A vendor's SKF library (GM/T 0016-2012) loaded with dlopen and bound by name, with the ULONG
// width the descriptor gives (32 bits in the public Linux headers, 64 in some vendors'): every
// ULONG a call reads or writes goes through that width, so a 64-bit library never writes
// 8 bytes into a 4-byte variable. Calls return the library's SAR code as it is.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace cabridge::skf {

// Big enough for DEVINFO with either ULONG width (294 bytes with 32-bit, 326 with 64-bit).
inline constexpr std::size_t kDevInfoBufferBytes = 512;
// ECCSIGNATUREBLOB: r[64] s[64], no ULONG in it.
inline constexpr std::size_t kEccSignatureBlobBytes = 128;

using Handle = void *;

// Public key blobs with the ULONG fields read at the library's width (skf.h).
struct EccPublicKey {
    std::uint64_t bitLength = 0;
    std::array<std::uint8_t, 64> x{}; // right-aligned
    std::array<std::uint8_t, 64> y{};
};
struct RsaPublicKey {
    std::uint64_t bitLength = 0;
    std::array<std::uint8_t, 256> modulus{}; // right-aligned
    std::array<std::uint8_t, 4> exponent{};
};

class SkfLibrary {
public:
    // Loads `path` and binds the calls a login needs. Throws PluginFailure(CABRIDGE_ERR_DEVICE)
    // naming the library and the missing call when it cannot. `ulongBits` is 32 or 64.
    // `unlockChallenge` / `unlockResponse`: the symbol names of the vendor's online-unlock calls
    // (skf_config.h OnlineUnlockCalls), bound when present; empty: none.
    static std::unique_ptr<SkfLibrary> load(const std::string &path, int ulongBits,
                                            const std::string &unlockChallenge = {},
                                            const std::string &unlockResponse = {});

    virtual ~SkfLibrary() = default;
    SkfLibrary(const SkfLibrary &) = delete;
    SkfLibrary &operator=(const SkfLibrary &) = delete;

    // Name lists (multi-strings) and output buffers follow the size-query convention: a null
    // buffer stores the size needed in *size.
    virtual std::uint32_t enumDev(bool present, char *list, std::size_t *size) = 0;
    virtual std::uint32_t connectDev(const char *name, Handle *device) = 0;
    virtual std::uint32_t disconnectDev(Handle device) = 0;
    // `info` holds kDevInfoBufferBytes.
    virtual std::uint32_t getDevInfo(Handle device, std::uint8_t *info) = 0;
    virtual std::uint32_t enumApplication(Handle device, char *list, std::size_t *size) = 0;
    virtual std::uint32_t openApplication(Handle device, const char *name, Handle *application) = 0;
    virtual std::uint32_t closeApplication(Handle application) = 0;
    virtual std::uint32_t getPinInfo(Handle application, std::uint32_t pinType, std::uint64_t *maxRetry,
                                     std::uint64_t *remainingRetry, bool *isDefault) = 0;
    // `pin` is NUL-terminated.
    virtual std::uint32_t verifyPin(Handle application, std::uint32_t pinType, const char *pin,
                                    std::uint64_t *retry) = 0;
    // SKF_ChangePIN and SKF_UnblockPIN (PINs NUL-terminated; `retry` receives the tries left of
    // the PIN that was tried). Optional in the library: SAR_NOTSUPPORTYETERR when it lacks them.
    virtual std::uint32_t changePin(Handle application, std::uint32_t pinType, const char *oldPin, const char *newPin,
                                    std::uint64_t *retry) = 0;
    virtual std::uint32_t unblockPin(Handle application, const char *adminPin, const char *newUserPin,
                                     std::uint64_t *retry) = 0;
    // The vendor's online-unlock calls (skf_config.h OnlineUnlockCalls): a challenge into
    // `challenge` (size-query convention), and the CA's response with the new user PIN
    // (NUL-terminated; `retry` receives the refused responses left). SAR_NOTSUPPORTYETERR when the
    // library has no such calls.
    virtual std::uint32_t getUnblockChallenge(Handle application, std::uint8_t *challenge, std::size_t *size) = 0;
    virtual std::uint32_t unblockPinByResponse(Handle application, const std::uint8_t *response,
                                               std::size_t responseLength, const char *newUserPin,
                                               std::uint64_t *retry) = 0;
    virtual std::uint32_t clearSecureState(Handle application) = 0;
    virtual std::uint32_t enumContainer(Handle application, char *list, std::size_t *size) = 0;
    virtual std::uint32_t openContainer(Handle application, const char *name, Handle *container) = 0;
    virtual std::uint32_t closeContainer(Handle container) = 0;
    virtual std::uint32_t getContainerType(Handle container, std::uint64_t *type) = 0;
    virtual std::uint32_t exportCertificate(Handle container, bool signing, std::uint8_t *der, std::size_t *size) = 0;
    // `blob` holds kEccSignatureBlobBytes.
    virtual std::uint32_t eccSignData(Handle container, const std::uint8_t *digest, std::size_t digestLength,
                                      std::uint8_t *blob) = 0;
    virtual std::uint32_t rsaSignData(Handle container, const std::uint8_t *data, std::size_t dataLength,
                                      std::uint8_t *signature, std::size_t *size) = 0;

    // Enrolment (plugin.h generate_key ..): optional in the library, SAR_NOTSUPPORTYETERR when
    // it lacks a call. Names are NUL-terminated.
    virtual std::uint32_t createContainer(Handle application, const char *name, Handle *container) = 0;
    virtual std::uint32_t deleteContainer(Handle application, const char *name) = 0;
    virtual std::uint32_t genEccKeyPair(Handle container, std::uint32_t algId, EccPublicKey *key) = 0;
    virtual std::uint32_t genRsaKeyPair(Handle container, std::uint32_t bits, RsaPublicKey *key) = 0;
    virtual std::uint32_t importCertificate(Handle container, bool signing, const std::uint8_t *der,
                                            std::size_t length) = 0;
    // The container's signing public key; `type` says which blob (SKF_CONTAINER_ECC / _RSA).
    virtual std::uint32_t exportEccPublicKey(Handle container, bool signing, EccPublicKey *key) = 0;
    virtual std::uint32_t exportRsaPublicKey(Handle container, bool signing, RsaPublicKey *key) = 0;

    const std::string &path() const noexcept { return path_; }

protected:
    explicit SkfLibrary(std::string path) : path_(std::move(path)) {}

private:
    std::string path_;
};

} // namespace cabridge::skf
