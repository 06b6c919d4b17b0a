// A fresh snapshot of a module's slots (PKCS11_enumerate_slots), released
// with PKCS11_release_all_slots. libp11's PKCS11_update_slots crashes with
// more than one slot, so every enumeration makes a new SlotList.
// Everything reached through a slot (tokens, certificates, keys, sessions,
// login state) lives only as long as its SlotList.
#pragma once

#include <cabridge/support/pkcs11_module.h>

#include <span>
#include <string_view>

namespace cabridge {

class SlotList {
public:
    // Enumerates the slots. Retries once when the module answers
    // CKR_GENERAL_ERROR or shows an initialised token without a label (the
    // SoftHSM 2.6.1 start-up race: processes starting together on one token
    // directory see this about 2% of the time). Throws PluginFailure on failure.
    explicit SlotList(Pkcs11Module &module);
    ~SlotList();
    SlotList(const SlotList &) = delete;
    SlotList &operator=(const SlotList &) = delete;

    Pkcs11Module &module() const noexcept { return *module_; }
    std::span<PKCS11_SLOT> slots() const noexcept { return {slots_, count_}; }

    // The initialised token whose trimmed serial (or, failing that, label)
    // equals `tokenRef`; nullptr if none is present.
    PKCS11_SLOT *findToken(std::string_view tokenRef) const;

private:
    bool enumerate(unsigned long &ckr);
    void release() noexcept;

    Pkcs11Module *module_;
    PKCS11_SLOT *slots_ = nullptr; // owned; freed by release()
    unsigned int count_ = 0;
};

// The token reference the plugin hands out: the trimmed serial, or the
// trimmed label for a token without a serial. The one rule for listing (libp11's
// token) and login (CK_TOKEN_INFO, pkcs11_session.h): a reference listed must find
// its token again.
std::string tokenRefFrom(const std::string &trimmedSerial, const std::string &trimmedLabel);
std::string tokenRefOf(const PKCS11_TOKEN &token);

// Trims ASCII spaces/NULs (PKCS#11 pads fixed-width fields with blanks).
std::string trimmed(const char *text);

} // namespace cabridge
