// The login-and-sign path's own PKCS#11 session, opened straight through the
// module's function table, and the lookup of the slot that holds a token.
//
// libp11 0.4.12 can only log in on a slot of a full enumeration
// (C_GetSlotInfo and C_GetTokenInfo for every slot) and only find a key by
// reading every key's attributes (six C_GetAttributeValue calls per key). On
// SoftHSM each of those calls is a pass over the token's object files, on a
// USB key a round of APDUs; a login needs none of them. So the certificate
// check, C_Login and C_Sign share one session of their own on one slot.
#pragma once

#include <cabridge/support/pkcs11_module.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cabridge {

class Pkcs11Session {
public:
    // Opens a serial session on `slotId`: read-only (C_Login as user and C_Sign
    // need no more) unless `readWrite` (C_SetPIN, and C_Login as SO for C_InitPIN). Retries once on CKR_GENERAL_ERROR,
    // the SoftHSM start-up race (processes starting together on one token directory fail about 2% of the time, because
    // every login rewrites the token file). Throws PluginFailure with the module's CKR mapped to a status.
    Pkcs11Session(const CK_FUNCTION_LIST &functions, CK_SLOT_ID slotId, bool readWrite = false);
    // C_CloseSession. Closing an application's last session on a token also ends
    // its login there (PKCS#11), so a session dropped while logged in logs out.
    ~Pkcs11Session();
    Pkcs11Session(const Pkcs11Session &) = delete;
    Pkcs11Session &operator=(const Pkcs11Session &) = delete;

    const CK_FUNCTION_LIST &functions() const noexcept { return *functions_; }
    CK_SESSION_HANDLE handle() const noexcept { return handle_; }
    CK_SLOT_ID slotId() const noexcept { return slotId_; }

private:
    const CK_FUNCTION_LIST *functions_;
    CK_SLOT_ID slotId_;
    CK_SESSION_HANDLE handle_ = CK_INVALID_HANDLE;
};

// One C_FindObjectsInit .. C_FindObjectsFinal search in a session; the search
// ends when this goes, even when reading its results throws. `what` names the
// objects in error messages ("C_FindObjects (certificates) failed: ...").
class ObjectSearch {
public:
    ObjectSearch(const Pkcs11Session &session, CK_ATTRIBUTE *templ, CK_ULONG count, std::string_view what);
    ~ObjectSearch();
    ObjectSearch(const ObjectSearch &) = delete;
    ObjectSearch &operator=(const ObjectSearch &) = delete;

    // Every match. More than 4096 is a broken or hostile module, not a USB key:
    // PluginFailure(CABRIDGE_ERR_PLUGIN) rather than a list without end.
    std::vector<CK_OBJECT_HANDLE> all();
    // The first match, if any (one C_FindObjects call).
    std::optional<CK_OBJECT_HANDLE> first();

private:
    const Pkcs11Session &session_;
    std::string what_;
};

// The slot whose initialised token has the reference `tokenRef` (tokenRefOf),
// read live with C_GetSlotList and C_GetTokenInfo only; nullopt when no such
// token is present. Like SlotList, looks once more when the module answers
// CKR_GENERAL_ERROR or shows an initialised token without a label (the SoftHSM
// start-up race). Throws PluginFailure when the slot list cannot be read.
std::optional<CK_SLOT_ID> findTokenSlot(const Pkcs11Module &module, std::string_view tokenRef);

// tokenRefOf for a C_GetTokenInfo answer: the trimmed serial, or the trimmed
// label for a token without a serial (the same text libp11's copy gives).
std::string tokenRefOf(const CK_TOKEN_INFO &info);

// The module's function table; PluginFailure(CABRIDGE_ERR_PLUGIN) when it gave none.
const CK_FUNCTION_LIST &functionsOf(const Pkcs11Module &module);

} // namespace cabridge
