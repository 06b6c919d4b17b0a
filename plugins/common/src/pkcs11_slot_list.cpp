#include <cabridge/support/pkcs11_error.h>
#include <cabridge/support/pkcs11_slot_list.h>
#include <cabridge/support/plugin_failure.h>

#include <openssl/err.h>

namespace cabridge {

std::string trimmed(const char *text) {
    if (text == nullptr)
        return {};
    std::string_view s(text);
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos)
        return {};
    const auto last = s.find_last_not_of(" \t");
    return std::string(s.substr(first, last - first + 1));
}

std::string tokenRefFrom(const std::string &trimmedSerial, const std::string &trimmedLabel) {
    return trimmedSerial.empty() ? trimmedLabel : trimmedSerial;
}

std::string tokenRefOf(const PKCS11_TOKEN &token) {
    return tokenRefFrom(trimmed(token.serialnr), trimmed(token.label));
}

SlotList::SlotList(Pkcs11Module &module) : module_(&module) {
    unsigned long ckr = 0;
    if (enumerate(ckr))
        return;
    const bool startupRace = ckr == CKR_GENERAL_ERROR || (ckr == 0 && slots_ != nullptr);
    release();
    if (startupRace && enumerate(ckr))
        return;
    // A second unlabeled token is kept as it is: some keys really have none.
    if (slots_ != nullptr)
        return;
    std::string message = "C_GetSlotList/C_GetTokenInfo failed";
    if (ckr != 0)
        message += ": " + ckrName(ckr);
    throw PluginFailure(ckr != 0 ? statusForCkr(ckr) : CABRIDGE_ERR_PLUGIN, message, static_cast<std::uint32_t>(ckr));
}

// Returns true for a clean enumeration. On false, slots_ may still hold a
// usable but suspicious list (an initialised token without a label).
bool SlotList::enumerate(unsigned long &ckr) {
    ckr = 0;
    if (PKCS11_enumerate_slots(module_->context(), &slots_, &count_) != 0) {
        ckr = takeCkrFromErrorQueue();
        slots_ = nullptr;
        count_ = 0;
        return false;
    }
    for (const PKCS11_SLOT &slot : slots()) {
        if (slot.token != nullptr && slot.token->initialized && trimmed(slot.token->label).empty())
            return false;
    }
    return true;
}

void SlotList::release() noexcept {
    if (slots_ != nullptr)
        PKCS11_release_all_slots(module_->context(), slots_, count_);
    slots_ = nullptr;
    count_ = 0;
}

SlotList::~SlotList() { release(); }

PKCS11_SLOT *SlotList::findToken(std::string_view tokenRef) const {
    for (PKCS11_SLOT &slot : slots()) {
        if (slot.token != nullptr && slot.token->initialized && tokenRefOf(*slot.token) == tokenRef)
            return &slot;
    }
    return nullptr;
}

} // namespace cabridge
