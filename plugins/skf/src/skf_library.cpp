#include "skf_library.h"

#include <cabridge/skf.h>
#include <cabridge/support/plugin_failure.h>

#include <dlfcn.h>

#include <algorithm>
#include <limits>
#include <type_traits>

namespace cabridge::skf {

namespace {

struct DlCloser {
    void operator()(void *handle) const noexcept { dlclose(handle); }
};
using DlHandle = std::unique_ptr<void, DlCloser>;

// The calls with ULONG = `Ulong`; BOOL stays a 32-bit int and handles pointers in both widths.
template <class Ulong>
struct SkfFunctions {
    using Bool = std::int32_t;
    Ulong (*enumDev)(Bool, char *, Ulong *) = nullptr;
    Ulong (*connectDev)(char *, Handle *) = nullptr;
    Ulong (*disconnectDev)(Handle) = nullptr;
    Ulong (*getDevInfo)(Handle, void *) = nullptr;
    Ulong (*enumApplication)(Handle, char *, Ulong *) = nullptr;
    Ulong (*openApplication)(Handle, char *, Handle *) = nullptr;
    Ulong (*closeApplication)(Handle) = nullptr;
    Ulong (*getPinInfo)(Handle, Ulong, Ulong *, Ulong *, Bool *) = nullptr;
    Ulong (*verifyPin)(Handle, Ulong, char *, Ulong *) = nullptr;
    Ulong (*changePin)(Handle, Ulong, char *, char *, Ulong *) = nullptr;
    Ulong (*unblockPin)(Handle, char *, char *, Ulong *) = nullptr;
    Ulong (*getUnblockChallenge)(Handle, std::uint8_t *, Ulong *) = nullptr;
    Ulong (*unblockPinByResponse)(Handle, std::uint8_t *, Ulong, char *, Ulong *) = nullptr;
    Ulong (*clearSecureState)(Handle) = nullptr;
    Ulong (*enumContainer)(Handle, char *, Ulong *) = nullptr;
    Ulong (*openContainer)(Handle, char *, Handle *) = nullptr;
    Ulong (*closeContainer)(Handle) = nullptr;
    Ulong (*getContainerType)(Handle, Ulong *) = nullptr;
    Ulong (*exportCertificate)(Handle, Bool, std::uint8_t *, Ulong *) = nullptr;
    Ulong (*eccSignData)(Handle, std::uint8_t *, Ulong, void *) = nullptr;
    Ulong (*rsaSignData)(Handle, std::uint8_t *, Ulong, std::uint8_t *, Ulong *) = nullptr;
    // Enrolment (optional).
    Ulong (*createContainer)(Handle, char *, Handle *) = nullptr;
    Ulong (*deleteContainer)(Handle, char *) = nullptr;
    Ulong (*genEccKeyPair)(Handle, Ulong, void *) = nullptr;
    Ulong (*genRsaKeyPair)(Handle, Ulong, void *) = nullptr;
    Ulong (*importCertificate)(Handle, Bool, std::uint8_t *, Ulong) = nullptr;
    Ulong (*exportPublicKey)(Handle, Bool, std::uint8_t *, Ulong *) = nullptr;
};

// ECCPUBLICKEYBLOB and RSAPUBLICKEYBLOB with the library's ULONG.
#pragma pack(push, 1)
template <class Ulong>
struct EccBlob {
    Ulong bitLength;
    std::uint8_t x[64];
    std::uint8_t y[64];
};
template <class Ulong>
struct RsaBlob {
    Ulong algId;
    Ulong bitLength;
    std::uint8_t modulus[256];
    std::uint8_t exponent[4];
};
#pragma pack(pop)

template <class Ulong>
void copyBlob(const EccBlob<Ulong> &blob, EccPublicKey *key) {
    key->bitLength = blob.bitLength;
    std::copy(std::begin(blob.x), std::end(blob.x), key->x.begin());
    std::copy(std::begin(blob.y), std::end(blob.y), key->y.begin());
}
template <class Ulong>
void copyBlob(const RsaBlob<Ulong> &blob, RsaPublicKey *key) {
    key->bitLength = blob.bitLength;
    std::copy(std::begin(blob.modulus), std::end(blob.modulus), key->modulus.begin());
    std::copy(std::begin(blob.exponent), std::end(blob.exponent), key->exponent.begin());
}

// A result wider than 32 bits is no SAR code the specification knows.
template <class Ulong>
std::uint32_t sar(Ulong rv) noexcept {
    if constexpr (sizeof(Ulong) > sizeof(std::uint32_t)) {
        if (rv > std::numeric_limits<std::uint32_t>::max())
            return SAR_UNKNOWNERR;
    }
    return static_cast<std::uint32_t>(rv);
}

// The library's ULONG for a size, and the size back after the call.
template <class Ulong>
class SizeArg {
public:
    explicit SizeArg(std::size_t *size)
        : size_(size), value_(static_cast<Ulong>(std::min<std::size_t>(*size, std::numeric_limits<Ulong>::max()))) {}
    ~SizeArg() { *size_ = static_cast<std::size_t>(value_); }
    SizeArg(const SizeArg &) = delete;
    SizeArg &operator=(const SizeArg &) = delete;
    Ulong *get() noexcept { return &value_; }

private:
    std::size_t *size_;
    Ulong value_;
};

template <class Ulong>
class BoundSkfLibrary final : public SkfLibrary {
public:
    BoundSkfLibrary(std::string path, DlHandle library, const std::string &unlockChallenge,
                    const std::string &unlockResponse)
        : SkfLibrary(std::move(path)), library_(std::move(library)) {
        bind(fn_.enumDev, "SKF_EnumDev");
        bind(fn_.connectDev, "SKF_ConnectDev");
        bind(fn_.disconnectDev, "SKF_DisConnectDev");
        bind(fn_.getDevInfo, "SKF_GetDevInfo");
        bind(fn_.enumApplication, "SKF_EnumApplication");
        bind(fn_.openApplication, "SKF_OpenApplication");
        bind(fn_.closeApplication, "SKF_CloseApplication");
        bind(fn_.getPinInfo, "SKF_GetPINInfo");
        bind(fn_.verifyPin, "SKF_VerifyPIN");
        bind(fn_.clearSecureState, "SKF_ClearSecureState");
        // Not needed for a login: a library without them still lists and logs in.
        bindOptional(fn_.changePin, "SKF_ChangePIN");
        bindOptional(fn_.unblockPin, "SKF_UnblockPIN");
        // The vendor's own calls, named by the descriptor: absent ones answer SAR_NOTSUPPORTYETERR.
        if (!unlockChallenge.empty() && !unlockResponse.empty()) {
            bindOptional(fn_.getUnblockChallenge, unlockChallenge.c_str());
            bindOptional(fn_.unblockPinByResponse, unlockResponse.c_str());
        }
        bind(fn_.enumContainer, "SKF_EnumContainer");
        bind(fn_.openContainer, "SKF_OpenContainer");
        bind(fn_.closeContainer, "SKF_CloseContainer");
        bind(fn_.getContainerType, "SKF_GetContainerType");
        bind(fn_.exportCertificate, "SKF_ExportCertificate");
        bind(fn_.eccSignData, "SKF_ECCSignData");
        bind(fn_.rsaSignData, "SKF_RSASignData");
        bindOptional(fn_.createContainer, "SKF_CreateContainer");
        bindOptional(fn_.deleteContainer, "SKF_DeleteContainer");
        bindOptional(fn_.genEccKeyPair, "SKF_GenECCKeyPair");
        bindOptional(fn_.genRsaKeyPair, "SKF_GenRSAKeyPair");
        bindOptional(fn_.importCertificate, "SKF_ImportCertificate");
        bindOptional(fn_.exportPublicKey, "SKF_ExportPublicKey");
    }

    std::uint32_t enumDev(bool present, char *list, std::size_t *size) override {
        SizeArg<Ulong> n(size);
        return sar(fn_.enumDev(present ? TRUE : FALSE, list, n.get()));
    }
    std::uint32_t connectDev(const char *name, Handle *device) override {
        // LPSTR in the specification; the library only reads it.
        return sar(fn_.connectDev(const_cast<char *>(name), device));
    }
    std::uint32_t disconnectDev(Handle device) override { return sar(fn_.disconnectDev(device)); }
    std::uint32_t getDevInfo(Handle device, std::uint8_t *info) override { return sar(fn_.getDevInfo(device, info)); }
    std::uint32_t enumApplication(Handle device, char *list, std::size_t *size) override {
        SizeArg<Ulong> n(size);
        return sar(fn_.enumApplication(device, list, n.get()));
    }
    std::uint32_t openApplication(Handle device, const char *name, Handle *application) override {
        return sar(fn_.openApplication(device, const_cast<char *>(name), application));
    }
    std::uint32_t closeApplication(Handle application) override { return sar(fn_.closeApplication(application)); }
    std::uint32_t getPinInfo(Handle application, std::uint32_t pinType, std::uint64_t *maxRetry,
                             std::uint64_t *remainingRetry, bool *isDefault) override {
        Ulong max = 0;
        Ulong remaining = 0;
        std::int32_t isDefaultPin = FALSE;
        const std::uint32_t rv = sar(fn_.getPinInfo(application, pinType, &max, &remaining, &isDefaultPin));
        *maxRetry = max;
        *remainingRetry = remaining;
        *isDefault = isDefaultPin != FALSE;
        return rv;
    }
    std::uint32_t verifyPin(Handle application, std::uint32_t pinType, const char *pin, std::uint64_t *retry) override {
        Ulong left = 0;
        const std::uint32_t rv = sar(fn_.verifyPin(application, pinType, const_cast<char *>(pin), &left));
        *retry = left;
        return rv;
    }
    std::uint32_t changePin(Handle application, std::uint32_t pinType, const char *oldPin, const char *newPin,
                            std::uint64_t *retry) override {
        if (fn_.changePin == nullptr)
            return SAR_NOTSUPPORTYETERR;
        Ulong left = 0;
        // LPSTR in the specification; the library only reads the PINs.
        const std::uint32_t rv = sar(
            fn_.changePin(application, pinType, const_cast<char *>(oldPin), const_cast<char *>(newPin), &left));
        *retry = left;
        return rv;
    }
    std::uint32_t unblockPin(Handle application, const char *adminPin, const char *newUserPin,
                             std::uint64_t *retry) override {
        if (fn_.unblockPin == nullptr)
            return SAR_NOTSUPPORTYETERR;
        Ulong left = 0;
        const std::uint32_t rv = sar(
            fn_.unblockPin(application, const_cast<char *>(adminPin), const_cast<char *>(newUserPin), &left));
        *retry = left;
        return rv;
    }
    std::uint32_t getUnblockChallenge(Handle application, std::uint8_t *challenge, std::size_t *size) override {
        if (fn_.getUnblockChallenge == nullptr || fn_.unblockPinByResponse == nullptr)
            return SAR_NOTSUPPORTYETERR;
        SizeArg<Ulong> n(size);
        return sar(fn_.getUnblockChallenge(application, challenge, n.get()));
    }
    std::uint32_t unblockPinByResponse(Handle application, const std::uint8_t *response, std::size_t responseLength,
                                       const char *newUserPin, std::uint64_t *retry) override {
        if (fn_.getUnblockChallenge == nullptr || fn_.unblockPinByResponse == nullptr)
            return SAR_NOTSUPPORTYETERR;
        Ulong left = 0;
        // BYTE * and LPSTR in the vendor's header; the library only reads them.
        const std::uint32_t rv = sar(fn_.unblockPinByResponse(application, const_cast<std::uint8_t *>(response),
                                                              static_cast<Ulong>(responseLength),
                                                              const_cast<char *>(newUserPin), &left));
        *retry = left;
        return rv;
    }
    std::uint32_t clearSecureState(Handle application) override { return sar(fn_.clearSecureState(application)); }
    std::uint32_t enumContainer(Handle application, char *list, std::size_t *size) override {
        SizeArg<Ulong> n(size);
        return sar(fn_.enumContainer(application, list, n.get()));
    }
    std::uint32_t openContainer(Handle application, const char *name, Handle *container) override {
        return sar(fn_.openContainer(application, const_cast<char *>(name), container));
    }
    std::uint32_t closeContainer(Handle container) override { return sar(fn_.closeContainer(container)); }
    std::uint32_t getContainerType(Handle container, std::uint64_t *type) override {
        Ulong value = 0;
        const std::uint32_t rv = sar(fn_.getContainerType(container, &value));
        *type = value;
        return rv;
    }
    std::uint32_t exportCertificate(Handle container, bool signing, std::uint8_t *der, std::size_t *size) override {
        SizeArg<Ulong> n(size);
        return sar(fn_.exportCertificate(container, signing ? TRUE : FALSE, der, n.get()));
    }
    std::uint32_t eccSignData(Handle container, const std::uint8_t *digest, std::size_t digestLength,
                              std::uint8_t *blob) override {
        return sar(
            fn_.eccSignData(container, const_cast<std::uint8_t *>(digest), static_cast<Ulong>(digestLength), blob));
    }
    std::uint32_t rsaSignData(Handle container, const std::uint8_t *data, std::size_t dataLength,
                              std::uint8_t *signature, std::size_t *size) override {
        SizeArg<Ulong> n(size);
        return sar(fn_.rsaSignData(container, const_cast<std::uint8_t *>(data), static_cast<Ulong>(dataLength),
                                   signature, n.get()));
    }

    std::uint32_t createContainer(Handle application, const char *name, Handle *container) override {
        if (fn_.createContainer == nullptr)
            return SAR_NOTSUPPORTYETERR;
        return sar(fn_.createContainer(application, const_cast<char *>(name), container));
    }
    std::uint32_t deleteContainer(Handle application, const char *name) override {
        if (fn_.deleteContainer == nullptr)
            return SAR_NOTSUPPORTYETERR;
        return sar(fn_.deleteContainer(application, const_cast<char *>(name)));
    }
    std::uint32_t genEccKeyPair(Handle container, std::uint32_t algId, EccPublicKey *key) override {
        if (fn_.genEccKeyPair == nullptr)
            return SAR_NOTSUPPORTYETERR;
        EccBlob<Ulong> blob{};
        const std::uint32_t rv = sar(fn_.genEccKeyPair(container, algId, &blob));
        copyBlob(blob, key);
        return rv;
    }
    std::uint32_t genRsaKeyPair(Handle container, std::uint32_t bits, RsaPublicKey *key) override {
        if (fn_.genRsaKeyPair == nullptr)
            return SAR_NOTSUPPORTYETERR;
        RsaBlob<Ulong> blob{};
        const std::uint32_t rv = sar(fn_.genRsaKeyPair(container, bits, &blob));
        copyBlob(blob, key);
        return rv;
    }
    std::uint32_t importCertificate(Handle container, bool signing, const std::uint8_t *der,
                                    std::size_t length) override {
        if (fn_.importCertificate == nullptr)
            return SAR_NOTSUPPORTYETERR;
        return sar(fn_.importCertificate(container, signing ? TRUE : FALSE, const_cast<std::uint8_t *>(der),
                                         static_cast<Ulong>(length)));
    }
    std::uint32_t exportEccPublicKey(Handle container, bool signing, EccPublicKey *key) override {
        EccBlob<Ulong> blob{};
        const std::uint32_t rv = exportBlob(container, signing, &blob, sizeof blob);
        copyBlob(blob, key);
        return rv;
    }
    std::uint32_t exportRsaPublicKey(Handle container, bool signing, RsaPublicKey *key) override {
        RsaBlob<Ulong> blob{};
        const std::uint32_t rv = exportBlob(container, signing, &blob, sizeof blob);
        copyBlob(blob, key);
        return rv;
    }

private:
    std::uint32_t exportBlob(Handle container, bool signing, void *blob, std::size_t size) {
        if (fn_.exportPublicKey == nullptr)
            return SAR_NOTSUPPORTYETERR;
        auto length = static_cast<Ulong>(size);
        const std::uint32_t rv = sar(
            fn_.exportPublicKey(container, signing ? TRUE : FALSE, static_cast<std::uint8_t *>(blob), &length));
        return rv == SAR_OK && length != size ? SAR_INDATALENERR : rv;
    }

    template <class Fn>
    void bind(Fn &slot, const char *name) {
        void *symbol = dlsym(library_.get(), name);
        if (symbol == nullptr)
            throw PluginFailure(CABRIDGE_ERR_DEVICE, "skf: " + path() + " has no " + name + " (not an SKF library?)");
        slot = reinterpret_cast<Fn>(symbol);
    }

    template <class Fn>
    void bindOptional(Fn &slot, const char *name) {
        slot = reinterpret_cast<Fn>(dlsym(library_.get(), name));
    }

    DlHandle library_;
    SkfFunctions<Ulong> fn_;
};

} // namespace

std::unique_ptr<SkfLibrary> SkfLibrary::load(const std::string &path, int ulongBits, const std::string &unlockChallenge,
                                             const std::string &unlockResponse) {
    // RTLD_LOCAL: the vendor's symbols stay out of the host and the other plugins.
    DlHandle library(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL));
    if (!library) {
        const char *why = dlerror();
        throw PluginFailure(CABRIDGE_ERR_DEVICE, "skf: cannot load " + path + ": " + (why != nullptr ? why : "?"));
    }
    if (ulongBits == 64)
        return std::make_unique<BoundSkfLibrary<std::uint64_t>>(path, std::move(library), unlockChallenge,
                                                                unlockResponse);
    return std::make_unique<BoundSkfLibrary<std::uint32_t>>(path, std::move(library), unlockChallenge, unlockResponse);
}

} // namespace cabridge::skf
