/* fault_probe MODULE LABEL retries
     prints what cabridge_fault_get_pin_retries says about token LABEL: the number of PIN
     attempts left, or "rv=0x<CKR>" when the call fails.
   fault_probe MODULE LABEL sign PIN
     logs in and signs twice with the token's first RSA key (CKM_SHA256_RSA_PKCS, single-part
     C_Sign), printing "sign1=0x.. init2=0x.. sign2=0x..": the second C_SignInit shows whether
     a failed C_Sign ended the operation as PKCS#11 requires.
   Exit 0 when the calls ran, 2 on a setup error. */
#include "cabridge_fault.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static CK_FUNCTION_LIST_PTR p11;

static int sign_twice(CK_SLOT_ID slot, const char *pin)
{
    CK_SESSION_HANDLE session;
    CK_RV rv = p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &session);
    if (rv == CKR_OK)
        rv = p11->C_Login(session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_KEY_TYPE type = CKK_RSA;
    CK_ATTRIBUTE query[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &type, sizeof type}};
    CK_OBJECT_HANDLE key;
    CK_ULONG found = 0;
    if (rv == CKR_OK && (rv = p11->C_FindObjectsInit(session, query, 2)) == CKR_OK) {
        rv = p11->C_FindObjects(session, &key, 1, &found);
        p11->C_FindObjectsFinal(session);
    }
    if (rv != CKR_OK || found != 1) {
        fprintf(stderr, "setup: rv=0x%lx, keys found %lu\n", rv, found);
        return 2;
    }
    CK_MECHANISM mech = {CKM_SHA256_RSA_PKCS, NULL, 0};
    CK_BYTE data[32] = {1, 2, 3}, sig[512];
    CK_ULONG sig_len = sizeof sig;
    if ((rv = p11->C_SignInit(session, &mech, key)) != CKR_OK) {
        fprintf(stderr, "first C_SignInit: rv=0x%lx\n", rv);
        return 2;
    }
    CK_RV sign1 = p11->C_Sign(session, data, sizeof data, sig, &sig_len);
    CK_RV init2 = p11->C_SignInit(session, &mech, key);
    sig_len = sizeof sig;
    CK_RV sign2 = init2 == CKR_OK ? p11->C_Sign(session, data, sizeof data, sig, &sig_len) : init2;
    printf("sign1=0x%lx init2=0x%lx sign2=0x%lx\n", sign1, init2, sign2);
    p11->C_Logout(session);
    p11->C_CloseSession(session);
    return 0;
}

static int print_retries(cabridge_fault_get_pin_retries_fn get_retries, CK_SLOT_ID slot)
{
    CK_ULONG left = 0;
    CK_RV rv = get_retries(slot, &left);
    if (rv == CKR_OK)
        printf("%lu\n", left);
    else
        printf("rv=0x%lx\n", rv);
    rv = get_retries(slot, NULL);
    if (rv != CKR_ARGUMENTS_BAD) {
        fprintf(stderr, "NULL retries_left: rv=0x%lx, expected CKR_ARGUMENTS_BAD\n", rv);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    bool sign = argc == 5 && strcmp(argv[3], "sign") == 0;
    if (!sign && !(argc == 4 && strcmp(argv[3], "retries") == 0)) {
        fprintf(stderr, "usage: %s MODULE LABEL retries | MODULE LABEL sign PIN\n", argv[0]);
        return 2;
    }
    void *module = dlopen(argv[1], RTLD_NOW);
    if (module == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 2;
    }
    CK_C_GetFunctionList get_list = (CK_C_GetFunctionList)dlsym(module, "C_GetFunctionList");
    cabridge_fault_get_pin_retries_fn get_retries = (cabridge_fault_get_pin_retries_fn)dlsym(
        module, "cabridge_fault_get_pin_retries");
    if (get_list == NULL || get_retries == NULL || get_list(&p11) != CKR_OK) {
        fprintf(stderr, "module lacks C_GetFunctionList or cabridge_fault_get_pin_retries\n");
        return 2;
    }
    CK_ULONG unused;
    CK_RV rv = get_retries(0, &unused);
    if (rv != CKR_CRYPTOKI_NOT_INITIALIZED) {
        fprintf(stderr, "before C_Initialize: rv=0x%lx, expected CKR_CRYPTOKI_NOT_INITIALIZED\n", rv);
        return 2;
    }
    if ((rv = p11->C_Initialize(NULL)) != CKR_OK) {
        fprintf(stderr, "C_Initialize: rv=0x%lx\n", rv);
        return 2;
    }
    CK_SLOT_ID slots[64];
    CK_ULONG count = 64;
    if ((rv = p11->C_GetSlotList(CK_TRUE, slots, &count)) != CKR_OK) {
        fprintf(stderr, "C_GetSlotList: rv=0x%lx\n", rv);
        return 2;
    }
    int result = 2;
    size_t label_len = strlen(argv[2]);
    for (CK_ULONG i = 0; i < count && result == 2; i++) {
        CK_TOKEN_INFO info;
        if (p11->C_GetTokenInfo(slots[i], &info) != CKR_OK)
            continue;
        size_t n = sizeof info.label;
        while (n > 0 && info.label[n - 1] == ' ')
            n--;
        if (n == label_len && memcmp(info.label, argv[2], n) == 0)
            result = sign ? sign_twice(slots[i], argv[4]) : print_retries(get_retries, slots[i]);
    }
    if (result == 2)
        fprintf(stderr, "token %s: not found or setup failed\n", argv[2]);
    p11->C_Finalize(NULL);
    return result;
}
