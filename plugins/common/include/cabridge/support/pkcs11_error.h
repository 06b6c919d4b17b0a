// Turning libp11 failures into cabridge statuses.
// libp11 reports a failed PKCS#11 call as -1/NULL and leaves the CK_RV as the
// reason of an OpenSSL error whose library number is ERR_get_CKR_code().
#pragma once

#include <cabridge/plugin.h>

#include <string_view>

namespace cabridge {

// The status a PKCS#11 return value means for the host (see plugin.h).
cabridge_status statusForCkr(unsigned long ckr) noexcept;

// Drains the calling thread's OpenSSL error queue and returns the first
// PKCS#11 return value found on it, or 0 when libp11 left none.
unsigned long takeCkrFromErrorQueue() noexcept;

// Throws PluginFailure for the libp11 call named `call` that just failed, with
// the CKR from the error queue (queue is drained), e.g. "C_Login failed: CKR_PIN_INCORRECT".
[[noreturn]] void throwPkcs11Failure(std::string_view call);

// Throws PluginFailure for the PKCS#11 call `call` that returned `ckr` (made
// straight through a function table), e.g. "C_Sign failed: CKR_DEVICE_ERROR".
[[noreturn]] void throwCkr(std::string_view call, unsigned long ckr);

// Symbolic name of common CK_RV values, "CKR_0x..." for others.
std::string ckrName(unsigned long ckr);

} // namespace cabridge
