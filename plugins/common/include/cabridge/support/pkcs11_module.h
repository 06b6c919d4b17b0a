// A PKCS#11 module loaded through libp11, one per module path per process.
//
// libp11 0.4.12 finalizes the module under every other context when one
// context on it is unloaded, and then hangs (seen with Debian's libp11 0.4.12).
// So a module, once
// loaded, stays loaded until the process ends: Pkcs11Module objects live in a
// process-wide registry and are never destroyed.
#pragma once

#include <libp11.h>
#include <p11-kit/pkcs11.h>

#include <optional>
#include <string>

namespace cabridge {

// Live token flags read with C_GetTokenInfo (libp11's are a snapshot).
struct PinFlags {
    bool countLow = false;
    bool finalTry = false;
    bool locked = false;
    bool toBeChanged = false; // CKF_USER_PIN_TO_BE_CHANGED: still the initial PIN
};

class Pkcs11Module {
public:
    // Returns the module for `path`, loading it on first use (thread-safe).
    // Throws PluginFailure(CABRIDGE_ERR_PLUGIN) when the module cannot be loaded.
    static Pkcs11Module &forPath(const std::string &path);

    Pkcs11Module(const Pkcs11Module &) = delete;
    Pkcs11Module &operator=(const Pkcs11Module &) = delete;

    const std::string &path() const noexcept { return path_; }
    PKCS11_CTX *context() const noexcept { return ctx_; }
    // The module's own function table, for calls libp11 does not expose;
    // nullptr if the module did not hand one out.
    const CK_FUNCTION_LIST *functions() const noexcept { return functions_; }

    // Live PIN flags of the token in `slotId`; nullopt if C_GetTokenInfo fails.
    std::optional<PinFlags> livePinFlags(unsigned long slotId) const;
    // The administrator (SO) PIN's live flags (CKF_SO_PIN_*; toBeChanged is
    // CKF_SO_PIN_TO_BE_CHANGED), as livePinFlags reads the user PIN's.
    std::optional<PinFlags> liveSoPinFlags(unsigned long slotId) const;

    // Exact PIN tries left through a vendor function exported by the module
    // (`CK_RV fn(CK_SLOT_ID, CK_ULONG *)`, named by the plugin's config);
    // nullopt if the symbol is absent or the call fails.
    std::optional<unsigned long> retriesLeft(const std::string &symbol, unsigned long slotId) const;

private:
    explicit Pkcs11Module(std::string path);

    std::string path_;
    // Never unloaded or freed, see the file comment.
    PKCS11_CTX *ctx_ = nullptr;
    // The module's own function table, for calls libp11 does not expose.
    CK_FUNCTION_LIST *functions_ = nullptr;
    // dlopen handle on the module (a second reference to libp11's); kept for dlsym.
    void *handle_ = nullptr;
};

} // namespace cabridge
