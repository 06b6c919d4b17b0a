#include <cabridge/support/pkcs11_error.h>
#include <cabridge/support/pkcs11_session.h>
#include <cabridge/support/pkcs11_slot_list.h>
#include <cabridge/support/plugin_failure.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

namespace cabridge {
namespace {

// A token holding more objects of a kind than this is not a CA key; the bound
// keeps a hostile module from growing a list without end.
constexpr std::size_t kMaxObjects = 4096;
// A slot list longer than this is a broken module, not a desk with USB keys.
constexpr CK_ULONG kMaxSlots = 1024;

// A fixed-width, blank-padded CK_TOKEN_INFO field as libp11 copies it (up to the
// first NUL), trimmed.
std::string fieldText(const CK_UTF8CHAR *field, std::size_t width) {
    const auto *text = reinterpret_cast<const char *>(field);
    return trimmed(std::string(text, strnlen(text, width)).c_str());
}

enum class Lookup { Found, Absent, Retry };

Lookup lookOnce(const CK_FUNCTION_LIST &f, std::string_view tokenRef, CK_SLOT_ID &found, CK_RV &failure) {
    CK_ULONG count = 0;
    failure = f.C_GetSlotList(CK_TRUE, nullptr, &count);
    if (failure == CKR_OK && count > kMaxSlots)
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "the PKCS#11 module reports more than 1024 slots");
    std::vector<CK_SLOT_ID> slots(count);
    if (failure == CKR_OK && count > 0)
        failure = f.C_GetSlotList(CK_TRUE, slots.data(), &count);
    if (failure != CKR_OK)
        return failure == CKR_GENERAL_ERROR ? Lookup::Retry : Lookup::Absent;
    slots.resize(std::min<std::size_t>(slots.size(), count));

    bool unlabelled = false;
    for (const CK_SLOT_ID slot : slots) {
        CK_TOKEN_INFO info{};
        // A token pulled since C_GetSlotList is simply not there.
        if (f.C_GetTokenInfo(slot, &info) != CKR_OK || (info.flags & CKF_TOKEN_INITIALIZED) == 0)
            continue;
        if (tokenRefOf(info) == tokenRef) {
            found = slot;
            return Lookup::Found;
        }
        unlabelled = unlabelled || fieldText(info.label, sizeof info.label).empty();
    }
    return unlabelled ? Lookup::Retry : Lookup::Absent;
}

} // namespace

const CK_FUNCTION_LIST &functionsOf(const Pkcs11Module &module) {
    const CK_FUNCTION_LIST *f = module.functions();
    if (f == nullptr)
        throw PluginFailure(CABRIDGE_ERR_PLUGIN, "PKCS#11 module " + module.path() + " has no function table");
    return *f;
}

std::string tokenRefOf(const CK_TOKEN_INFO &info) {
    return tokenRefFrom(fieldText(info.serialNumber, sizeof info.serialNumber),
                        fieldText(info.label, sizeof info.label));
}

std::optional<CK_SLOT_ID> findTokenSlot(const Pkcs11Module &module, std::string_view tokenRef) {
    const CK_FUNCTION_LIST &f = functionsOf(module);
    CK_SLOT_ID slot = 0;
    CK_RV failure = CKR_OK;
    Lookup result = lookOnce(f, tokenRef, slot, failure);
    if (result == Lookup::Retry)
        result = lookOnce(f, tokenRef, slot, failure);
    if (failure != CKR_OK)
        throwCkr("C_GetSlotList", failure);
    if (result == Lookup::Found)
        return slot;
    return std::nullopt;
}

Pkcs11Session::Pkcs11Session(const CK_FUNCTION_LIST &functions, CK_SLOT_ID slotId, bool readWrite)
    : functions_(&functions), slotId_(slotId) {
    const CK_FLAGS flags = CKF_SERIAL_SESSION | (readWrite ? CKF_RW_SESSION : 0);
    CK_RV rv = functions_->C_OpenSession(slotId_, flags, nullptr, nullptr, &handle_);
    if (rv == CKR_GENERAL_ERROR)
        rv = functions_->C_OpenSession(slotId_, flags, nullptr, nullptr, &handle_);
    if (rv != CKR_OK)
        throwCkr("C_OpenSession", rv);
}

Pkcs11Session::~Pkcs11Session() { functions_->C_CloseSession(handle_); }

ObjectSearch::ObjectSearch(const Pkcs11Session &session, CK_ATTRIBUTE *templ, CK_ULONG count, std::string_view what)
    : session_(session), what_(what) {
    const CK_RV rv = session_.functions().C_FindObjectsInit(session_.handle(), templ, count);
    if (rv != CKR_OK)
        throwCkr("C_FindObjectsInit (" + what_ + ")", rv);
}

ObjectSearch::~ObjectSearch() { session_.functions().C_FindObjectsFinal(session_.handle()); }

std::vector<CK_OBJECT_HANDLE> ObjectSearch::all() {
    std::vector<CK_OBJECT_HANDLE> found;
    std::array<CK_OBJECT_HANDLE, 32> batch{};
    for (;;) {
        CK_ULONG n = 0;
        const CK_RV rv = session_.functions().C_FindObjects(session_.handle(), batch.data(), batch.size(), &n);
        if (rv != CKR_OK)
            throwCkr("C_FindObjects (" + what_ + ")", rv);
        if (n == 0 || n > batch.size())
            return found;
        found.insert(found.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n));
        if (found.size() > kMaxObjects)
            throw PluginFailure(CABRIDGE_ERR_PLUGIN, "token holds more than 4096 " + what_);
    }
}

std::optional<CK_OBJECT_HANDLE> ObjectSearch::first() {
    CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
    CK_ULONG n = 0;
    const CK_RV rv = session_.functions().C_FindObjects(session_.handle(), &object, 1, &n);
    if (rv != CKR_OK)
        throwCkr("C_FindObjects (" + what_ + ")", rv);
    if (n != 1)
        return std::nullopt;
    return object;
}

} // namespace cabridge
