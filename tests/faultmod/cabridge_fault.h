/* Extra entry point of libcabridge-faultp11.so, beside C_GetFunctionList. */
#ifndef CABRIDGE_FAULT_H
#define CABRIDGE_FAULT_H

#include <p11-kit/pkcs11.h>

/* Reports the exact number of user-PIN attempts left on the token in SLOT.
   CKR_OK and *retries_left set; CKR_ARGUMENTS_BAD if retries_left is NULL;
   CKR_CRYPTOKI_NOT_INITIALIZED before C_Initialize; CKR_FUNCTION_NOT_SUPPORTED if the control
   file enables no counter for that token; CKR_TOKEN_NOT_PRESENT once the token is removed;
   the target module's error if SLOT is not a token slot there. */
CK_RV cabridge_fault_get_pin_retries(CK_SLOT_ID slot, CK_ULONG *retries_left);

typedef CK_RV (*cabridge_fault_get_pin_retries_fn)(CK_SLOT_ID slot, CK_ULONG *retries_left);

#endif
