#include <cabridge/support/pkcs11_error.h>
#include <cabridge/support/plugin_failure.h>

#include <libp11.h>
#include <p11-kit/pkcs11.h>

#include <openssl/err.h>

#include <cstdio>
#include <string>

namespace cabridge {

cabridge_status statusForCkr(unsigned long ckr) noexcept {
    switch (ckr) {
    case CKR_OK:
        return CABRIDGE_OK;
    case CKR_PIN_INCORRECT:
        return CABRIDGE_ERR_PIN_INCORRECT;
    case CKR_PIN_LOCKED:
        return CABRIDGE_ERR_PIN_LOCKED;
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_INVALID:
        return CABRIDGE_ERR_PIN_INVALID;
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_DEVICE_REMOVED:
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED:
    case CKR_SLOT_ID_INVALID:
        return CABRIDGE_ERR_TOKEN_REMOVED;
    case CKR_DEVICE_ERROR:
    case CKR_DEVICE_MEMORY:
    case CKR_FUNCTION_FAILED:
        return CABRIDGE_ERR_DEVICE;
    default:
        return CABRIDGE_ERR_PLUGIN;
    }
}

unsigned long takeCkrFromErrorQueue() noexcept {
    const int ckrLib = ERR_get_CKR_code();
    unsigned long found = 0;
    for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
        if (found == 0 && ERR_GET_LIB(e) == ckrLib)
            found = static_cast<unsigned long>(ERR_GET_REASON(e));
    }
    return found;
}

std::string ckrName(unsigned long ckr) {
    switch (ckr) {
#define CABRIDGE_CKR_NAME(x) \
    case x:                  \
        return #x;
        CABRIDGE_CKR_NAME(CKR_OK)
        CABRIDGE_CKR_NAME(CKR_GENERAL_ERROR)
        CABRIDGE_CKR_NAME(CKR_FUNCTION_FAILED)
        CABRIDGE_CKR_NAME(CKR_ARGUMENTS_BAD)
        CABRIDGE_CKR_NAME(CKR_DEVICE_ERROR)
        CABRIDGE_CKR_NAME(CKR_DEVICE_MEMORY)
        CABRIDGE_CKR_NAME(CKR_DEVICE_REMOVED)
        CABRIDGE_CKR_NAME(CKR_KEY_TYPE_INCONSISTENT)
        CABRIDGE_CKR_NAME(CKR_MECHANISM_INVALID)
        CABRIDGE_CKR_NAME(CKR_PIN_INCORRECT)
        CABRIDGE_CKR_NAME(CKR_PIN_INVALID)
        CABRIDGE_CKR_NAME(CKR_PIN_LEN_RANGE)
        CABRIDGE_CKR_NAME(CKR_PIN_LOCKED)
        CABRIDGE_CKR_NAME(CKR_SESSION_CLOSED)
        CABRIDGE_CKR_NAME(CKR_SESSION_HANDLE_INVALID)
        CABRIDGE_CKR_NAME(CKR_SLOT_ID_INVALID)
        CABRIDGE_CKR_NAME(CKR_TOKEN_NOT_PRESENT)
        CABRIDGE_CKR_NAME(CKR_USER_NOT_LOGGED_IN)
        CABRIDGE_CKR_NAME(CKR_USER_ALREADY_LOGGED_IN)
        CABRIDGE_CKR_NAME(CKR_CRYPTOKI_NOT_INITIALIZED)
#undef CABRIDGE_CKR_NAME
    default: {
        char buf[32];
        std::snprintf(buf, sizeof buf, "CKR_0x%08lX", ckr);
        return buf;
    }
    }
}

void throwPkcs11Failure(std::string_view call) {
    const unsigned long ckr = takeCkrFromErrorQueue();
    std::string message(call);
    message += " failed";
    if (ckr != 0)
        message += ": " + ckrName(ckr);
    throw PluginFailure(ckr != 0 ? statusForCkr(ckr) : CABRIDGE_ERR_PLUGIN, message, static_cast<std::uint32_t>(ckr));
}

void throwCkr(std::string_view call, unsigned long ckr) {
    throw PluginFailure(statusForCkr(ckr), std::string(call) + " failed: " + ckrName(ckr),
                        static_cast<std::uint32_t>(ckr));
}

} // namespace cabridge
