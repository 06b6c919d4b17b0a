#include <cabridge/support/pkcs11_module.h>
#include <cabridge/support/plugin_failure.h>

#include <openssl/err.h>

#include <dlfcn.h>

#include <map>
#include <memory>
#include <mutex>

namespace cabridge {

namespace {

std::mutex registryMutex;

// Holds every loaded module until the process exits. Deliberately never
// destroyed, not even at exit: destroying would unload (see header).
std::map<std::string, Pkcs11Module *> &registry() {
    // NOLINTNEXTLINE(cppcoreguidelines-owning-memory): leaked on purpose, owned by no one (see above)
    static auto *modules = new std::map<std::string, Pkcs11Module *>();
    return *modules;
}

} // namespace

Pkcs11Module &Pkcs11Module::forPath(const std::string &path) {
    std::lock_guard lock(registryMutex);
    auto &modules = registry();
    if (auto it = modules.find(path); it != modules.end())
        return *it->second;
    // Construct fully before registering, so a failed load can be retried later.
    auto module = std::unique_ptr<Pkcs11Module>(new Pkcs11Module(path));
    Pkcs11Module *kept = module.release(); // owned by the immortal registry from here
    modules.emplace(path, kept);
    return *kept;
}

Pkcs11Module::Pkcs11Module(std::string path) : path_(std::move(path)) {
    PKCS11_CTX *ctx = PKCS11_CTX_new();
    if (ctx == nullptr)
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "PKCS11_CTX_new failed");
    if (PKCS11_CTX_load(ctx, path_.c_str()) != 0) {
        ERR_clear_error();
        // A context whose load failed has nothing loaded; freeing it is safe.
        PKCS11_CTX_free(ctx);
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "cannot load PKCS#11 module " + path_);
    }
    // SoftHSM (and others) leave unrelated errors behind while loading; they
    // would otherwise be mistaken for the CKR of the next failing call.
    ERR_clear_error();
    ctx_ = ctx;

    // The module is already loaded and initialised by libp11; this only takes
    // a second reference to reach C_GetFunctionList and vendor symbols.
    handle_ = dlopen(path_.c_str(), RTLD_NOW | RTLD_NOLOAD);
    if (handle_ == nullptr)
        handle_ = dlopen(path_.c_str(), RTLD_NOW);
    if (handle_ != nullptr) {
        auto getList = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle_, "C_GetFunctionList"));
        if (getList != nullptr && getList(&functions_) != CKR_OK)
            functions_ = nullptr;
    }
}

namespace {

// The CK_TOKEN_INFO bits that describe one PIN: the user's or the security officer's.
struct PinFlagBits {
    CK_FLAGS countLow;
    CK_FLAGS finalTry;
    CK_FLAGS locked;
    CK_FLAGS toBeChanged;
};

constexpr PinFlagBits kUserPinBits{CKF_USER_PIN_COUNT_LOW, CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED,
                                   CKF_USER_PIN_TO_BE_CHANGED};
constexpr PinFlagBits kSoPinBits{CKF_SO_PIN_COUNT_LOW, CKF_SO_PIN_FINAL_TRY, CKF_SO_PIN_LOCKED,
                                 CKF_SO_PIN_TO_BE_CHANGED};

std::optional<PinFlags> pinFlagsOf(CK_FUNCTION_LIST *functions, unsigned long slotId, const PinFlagBits &bits) {
    if (functions == nullptr || functions->C_GetTokenInfo == nullptr)
        return std::nullopt;
    CK_TOKEN_INFO info{};
    if (functions->C_GetTokenInfo(slotId, &info) != CKR_OK)
        return std::nullopt;
    PinFlags flags;
    flags.countLow = (info.flags & bits.countLow) != 0;
    flags.finalTry = (info.flags & bits.finalTry) != 0;
    flags.locked = (info.flags & bits.locked) != 0;
    flags.toBeChanged = (info.flags & bits.toBeChanged) != 0;
    return flags;
}

} // namespace

std::optional<PinFlags> Pkcs11Module::livePinFlags(unsigned long slotId) const {
    return pinFlagsOf(functions_, slotId, kUserPinBits);
}

std::optional<PinFlags> Pkcs11Module::liveSoPinFlags(unsigned long slotId) const {
    return pinFlagsOf(functions_, slotId, kSoPinBits);
}

std::optional<unsigned long> Pkcs11Module::retriesLeft(const std::string &symbol, unsigned long slotId) const {
    if (handle_ == nullptr || symbol.empty())
        return std::nullopt;
    using RetryCounterFn = CK_RV (*)(CK_SLOT_ID, CK_ULONG *);
    auto fn = reinterpret_cast<RetryCounterFn>(dlsym(handle_, symbol.c_str()));
    if (fn == nullptr)
        return std::nullopt;
    CK_ULONG left = 0;
    if (fn(slotId, &left) != CKR_OK)
        return std::nullopt;
    return static_cast<unsigned long>(left);
}

} // namespace cabridge
