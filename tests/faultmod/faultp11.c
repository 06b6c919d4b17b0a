/* A PKCS#11 module that forwards every call to a target module (SoftHSM by default) and
   injects the faults a real USB key shows and SoftHSM cannot: a PIN retry counter that locks,
   removal, device errors, latency and hangs. Faults come from the control file, re-read on
   every call; see README.md. */
#define _POSIX_C_SOURCE 200809L
#include "cabridge_fault.h"
#include "fault_control.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))
#define DEFAULT_TARGET "/usr/lib/softhsm/libsofthsm2.so"

static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static CK_FUNCTION_LIST_PTR target; /* set by the first C_Initialize; the module is never unloaded */
static CK_FUNCTION_LIST fault_list;

enum scope { SCOPE_GLOBAL, SCOPE_SLOT, SCOPE_SESSION };

/* One intercepted call: what before() decided about it. */
struct call {
    const char *name;
    enum scope scope;
    CK_ULONG id;         /* slot id or session handle, by scope */
    bool removal_exempt; /* forwarded even when the token is gone */
    struct fault_control control;
    bool matched; /* the call concerns a faulted token (only_label) */
    struct fault_state state;
    bool device_error;
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

static bool slot_matches(const struct fault_control *c, CK_SLOT_ID slot)
{
    if (c->only_label[0] == '\0')
        return true;
    CK_TOKEN_INFO info;
    if (target->C_GetTokenInfo(slot, &info) != CKR_OK)
        return false;
    size_t n = sizeof info.label;
    while (n > 0 && info.label[n - 1] == ' ')
        n--;
    return n == strlen(c->only_label) && memcmp(info.label, c->only_label, n) == 0;
}

static CK_RV control_error(const struct fault_control *c)
{
    static bool reported;
    if (!reported)
        fprintf(stderr, "cabridge-faultp11: control file: %s; every call fails\n", c->error);
    reported = true;
    return CKR_GENERAL_ERROR;
}

static void load_state_locked(struct call *call)
{
    fault_state_load(&call->state, call->control.pin_max_retries);
    if (call->control.unlock && call->state.retries_left != call->control.pin_max_retries) {
        call->state.retries_left = call->control.pin_max_retries;
        fault_state_save(&call->state);
    }
}

/* Applies the faults due before a call is forwarded. CKR_OK: forward it; else return that. */
static CK_RV before(struct call *call)
{
    struct fault_control *c = &call->control;
    if (getenv("CABRIDGE_FAULT_TRACE") != NULL)
        fprintf(stderr, "cabridge-faultp11: %s\n", call->name);
    fault_control_read(c);
    if (!c->valid)
        return control_error(c);
    if (target == NULL)
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    if (c->latency_ms > 0)
        sleep_ms(c->latency_ms);

    CK_SLOT_ID slot = call->id;
    if (call->scope == SCOPE_SESSION) {
        CK_SESSION_INFO info;
        if (target->C_GetSessionInfo(call->id, &info) != CKR_OK)
            return CKR_OK; /* unknown session: the target gives the right error */
        slot = info.slotID;
    }
    call->matched = call->scope == SCOPE_GLOBAL || slot_matches(c, slot);
    if (!call->matched)
        return CKR_OK;

    if (fault_list_has(c->hang_on, call->name))
        for (;;) /* a key that stopped answering: the caller's deadline must catch this */
            sleep_ms(1000);

    pthread_mutex_lock(&state_lock);
    load_state_locked(call);
    if (!call->state.removed && fault_list_has(c->remove_before, call->name)) {
        call->state.removed = true;
        fault_state_save(&call->state);
    }
    pthread_mutex_unlock(&state_lock);

    if (call->state.removed && call->scope != SCOPE_GLOBAL && !call->removal_exempt)
        return call->scope == SCOPE_SLOT ? CKR_TOKEN_NOT_PRESENT : CKR_DEVICE_REMOVED;
    if (fault_list_has(c->device_error_on, call->name)) {
        call->device_error = true;
        return CKR_DEVICE_ERROR;
    }
    return CKR_OK;
}

static bool counter_on(const struct call *call)
{
    return call->matched && call->control.pin_max_retries > 0;
}

/* Updates the retry counter after the target judged a PIN. */
static void count_pin_result(struct call *call, CK_RV rv)
{
    if (!counter_on(call) || (rv != CKR_OK && rv != CKR_PIN_INCORRECT && rv != CKR_USER_ALREADY_LOGGED_IN))
        return;
    pthread_mutex_lock(&state_lock);
    load_state_locked(call); /* re-read: another thread or process may have counted meanwhile */
    if (rv == CKR_PIN_INCORRECT) {
        if (call->state.retries_left > 0)
            call->state.retries_left--;
    } else {
        call->state.retries_left = call->control.pin_max_retries;
    }
    fault_state_save(&call->state);
    pthread_mutex_unlock(&state_lock);
}

#define CALL(scope_, id_, name_) struct call call = {.name = #name_, .scope = (scope_), .id = (CK_ULONG)(id_)}
#define BEFORE()                         \
    do {                                 \
        CK_RV before_rv = before(&call); \
        if (before_rv != CKR_OK)         \
            return before_rv;            \
    } while (0)

/* Plain forwarders: faults by name only. */
#define FORWARD_FN(scope_, idarg, name_, params, args) \
    static CK_RV fm_##name_ params                     \
    {                                                  \
        CALL(scope_, idarg, name_);                    \
        BEFORE();                                      \
        return target->name_ args;                     \
    }
#define SESSION_FN(name_, params, args) FORWARD_FN(SCOPE_SESSION, session, name_, params, args)
#define SLOT_FN(name_, params, args) FORWARD_FN(SCOPE_SLOT, slot, name_, params, args)
#define GLOBAL_FN(name_, params, args) FORWARD_FN(SCOPE_GLOBAL, 0, name_, params, args)

GLOBAL_FN(C_Finalize, (CK_VOID_PTR reserved), (reserved))
GLOBAL_FN(C_GetInfo, (CK_INFO_PTR info), (info))
GLOBAL_FN(C_WaitForSlotEvent, (CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved), (flags, slot, reserved))
SLOT_FN(C_GetMechanismList, (CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count), (slot, list, count))
SLOT_FN(C_GetMechanismInfo, (CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info), (slot, type, info))
SLOT_FN(C_InitToken, (CK_SLOT_ID slot, CK_UTF8CHAR_PTR pin, CK_ULONG len, CK_UTF8CHAR_PTR label),
        (slot, pin, len, label))
SLOT_FN(C_OpenSession,
        (CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify, CK_SESSION_HANDLE_PTR session),
        (slot, flags, app, notify, session))
SESSION_FN(C_GetSessionInfo, (CK_SESSION_HANDLE session, CK_SESSION_INFO_PTR info), (session, info))
SESSION_FN(C_GetOperationState, (CK_SESSION_HANDLE session, CK_BYTE_PTR state, CK_ULONG_PTR len), (session, state, len))
SESSION_FN(C_SetOperationState,
           (CK_SESSION_HANDLE session, CK_BYTE_PTR state, CK_ULONG len, CK_OBJECT_HANDLE ek, CK_OBJECT_HANDLE ak),
           (session, state, len, ek, ak))
SESSION_FN(C_Logout, (CK_SESSION_HANDLE session), (session))
SESSION_FN(C_CreateObject, (CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR o),
           (session, t, n, o))
SESSION_FN(C_CopyObject,
           (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR no),
           (session, o, t, n, no))
SESSION_FN(C_DestroyObject, (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE o), (session, o))
SESSION_FN(C_GetObjectSize, (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE o, CK_ULONG_PTR size), (session, o, size))
SESSION_FN(C_GetAttributeValue, (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n),
           (session, o, t, n))
SESSION_FN(C_SetAttributeValue, (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n),
           (session, o, t, n))
SESSION_FN(C_FindObjectsInit, (CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR t, CK_ULONG n), (session, t, n))
SESSION_FN(C_FindObjects, (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE_PTR o, CK_ULONG max, CK_ULONG_PTR n),
           (session, o, max, n))
SESSION_FN(C_FindObjectsFinal, (CK_SESSION_HANDLE session), (session))
SESSION_FN(C_EncryptInit, (CK_SESSION_HANDLE session, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k), (session, m, k))
SESSION_FN(C_Encrypt, (CK_SESSION_HANDLE session, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR o, CK_ULONG_PTR ol),
           (session, d, dl, o, ol))
SESSION_FN(C_EncryptUpdate, (CK_SESSION_HANDLE session, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR o, CK_ULONG_PTR ol),
           (session, d, dl, o, ol))
SESSION_FN(C_EncryptFinal, (CK_SESSION_HANDLE session, CK_BYTE_PTR o, CK_ULONG_PTR ol), (session, o, ol))
SESSION_FN(C_DecryptInit, (CK_SESSION_HANDLE session, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k), (session, m, k))
SESSION_FN(C_Decrypt, (CK_SESSION_HANDLE session, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR o, CK_ULONG_PTR ol),
           (session, d, dl, o, ol))
SESSION_FN(C_DecryptUpdate, (CK_SESSION_HANDLE session, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR o, CK_ULONG_PTR ol),
           (session, d, dl, o, ol))
SESSION_FN(C_DecryptFinal, (CK_SESSION_HANDLE session, CK_BYTE_PTR o, CK_ULONG_PTR ol), (session, o, ol))
SESSION_FN(C_DigestInit, (CK_SESSION_HANDLE session, CK_MECHANISM_PTR m), (session, m))
SESSION_FN(C_Digest, (CK_SESSION_HANDLE session, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR o, CK_ULONG_PTR ol),
           (session, d, dl, o, ol))
SESSION_FN(C_DigestUpdate, (CK_SESSION_HANDLE session, CK_BYTE_PTR d, CK_ULONG dl), (session, d, dl))
SESSION_FN(C_DigestKey, (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE k), (session, k))
SESSION_FN(C_DigestFinal, (CK_SESSION_HANDLE session, CK_BYTE_PTR o, CK_ULONG_PTR ol), (session, o, ol))
SESSION_FN(C_SignInit, (CK_SESSION_HANDLE session, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k), (session, m, k))
SESSION_FN(C_SignRecoverInit, (CK_SESSION_HANDLE session, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k), (session, m, k))
SESSION_FN(C_SignRecover, (CK_SESSION_HANDLE session, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR o, CK_ULONG_PTR ol),
           (session, d, dl, o, ol))
SESSION_FN(C_VerifyInit, (CK_SESSION_HANDLE session, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k), (session, m, k))
SESSION_FN(C_Verify, (CK_SESSION_HANDLE session, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR s, CK_ULONG sl),
           (session, d, dl, s, sl))
SESSION_FN(C_VerifyUpdate, (CK_SESSION_HANDLE session, CK_BYTE_PTR d, CK_ULONG dl), (session, d, dl))
SESSION_FN(C_VerifyFinal, (CK_SESSION_HANDLE session, CK_BYTE_PTR s, CK_ULONG sl), (session, s, sl))
SESSION_FN(C_VerifyRecoverInit, (CK_SESSION_HANDLE session, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k), (session, m, k))
SESSION_FN(C_VerifyRecover, (CK_SESSION_HANDLE session, CK_BYTE_PTR s, CK_ULONG sl, CK_BYTE_PTR o, CK_ULONG_PTR ol),
           (session, s, sl, o, ol))
SESSION_FN(C_DigestEncryptUpdate,
           (CK_SESSION_HANDLE session, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR o, CK_ULONG_PTR ol),
           (session, d, dl, o, ol))
SESSION_FN(C_DecryptDigestUpdate,
           (CK_SESSION_HANDLE session, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR o, CK_ULONG_PTR ol),
           (session, d, dl, o, ol))
SESSION_FN(C_SignEncryptUpdate, (CK_SESSION_HANDLE session, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR o, CK_ULONG_PTR ol),
           (session, d, dl, o, ol))
SESSION_FN(C_DecryptVerifyUpdate,
           (CK_SESSION_HANDLE session, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR o, CK_ULONG_PTR ol),
           (session, d, dl, o, ol))
SESSION_FN(C_GenerateKey,
           (CK_SESSION_HANDLE session, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR k),
           (session, m, t, n, k))
SESSION_FN(C_GenerateKeyPair,
           (CK_SESSION_HANDLE session, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pt, CK_ULONG pn, CK_ATTRIBUTE_PTR st,
            CK_ULONG sn, CK_OBJECT_HANDLE_PTR pk, CK_OBJECT_HANDLE_PTR sk),
           (session, m, pt, pn, st, sn, pk, sk))
SESSION_FN(C_WrapKey,
           (CK_SESSION_HANDLE session, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE wk, CK_OBJECT_HANDLE k, CK_BYTE_PTR o,
            CK_ULONG_PTR ol),
           (session, m, wk, k, o, ol))
SESSION_FN(C_UnwrapKey,
           (CK_SESSION_HANDLE session, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE uk, CK_BYTE_PTR w, CK_ULONG wl,
            CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR k),
           (session, m, uk, w, wl, t, n, k))
SESSION_FN(C_DeriveKey,
           (CK_SESSION_HANDLE session, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE bk, CK_ATTRIBUTE_PTR t, CK_ULONG n,
            CK_OBJECT_HANDLE_PTR k),
           (session, m, bk, t, n, k))
SESSION_FN(C_SeedRandom, (CK_SESSION_HANDLE session, CK_BYTE_PTR s, CK_ULONG sl), (session, s, sl))
SESSION_FN(C_GenerateRandom, (CK_SESSION_HANDLE session, CK_BYTE_PTR r, CK_ULONG rl), (session, r, rl))
SESSION_FN(C_GetFunctionStatus, (CK_SESSION_HANDLE session), (session))
SESSION_FN(C_CancelFunction, (CK_SESSION_HANDLE session), (session))

/* Calls with more to them than forwarding. */

static CK_RV fm_C_Initialize(CK_VOID_PTR init_args)
{
    CALL(SCOPE_GLOBAL, 0, C_Initialize);
    if (target == NULL) {
        const char *path = getenv("CABRIDGE_FAULT_TARGET");
        if (path == NULL || *path == '\0')
            path = DEFAULT_TARGET;
        void *module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (module == NULL) {
            fprintf(stderr, "cabridge-faultp11: cannot load target %s: %s\n", path, dlerror());
            return CKR_GENERAL_ERROR;
        }
        CK_C_GetFunctionList get_list = (CK_C_GetFunctionList)dlsym(module, "C_GetFunctionList");
        CK_FUNCTION_LIST_PTR list = NULL;
        if (get_list == NULL || get_list(&list) != CKR_OK || list == NULL) {
            fprintf(stderr, "cabridge-faultp11: %s has no usable C_GetFunctionList\n", path);
            return CKR_GENERAL_ERROR;
        }
        target = list;
    }
    BEFORE();
    return target->C_Initialize(init_args);
}

static CK_RV fm_C_GetSlotList(CK_BBOOL token_present, CK_SLOT_ID_PTR slots, CK_ULONG_PTR count)
{
    CALL(SCOPE_GLOBAL, 0, C_GetSlotList);
    BEFORE();
    if (!token_present || !call.state.removed)
        return target->C_GetSlotList(token_present, slots, count);
    if (count == NULL)
        return CKR_ARGUMENTS_BAD;
    /* A removed token's slot stays, but is not listed among slots with a token. */
    CK_ULONG n = 0;
    CK_RV rv = target->C_GetSlotList(CK_TRUE, NULL, &n);
    if (rv != CKR_OK)
        return rv;
    CK_SLOT_ID *all = calloc(n + 1, sizeof *all);
    if (all == NULL)
        return CKR_HOST_MEMORY;
    rv = target->C_GetSlotList(CK_TRUE, all, &n);
    CK_ULONG kept = 0;
    for (CK_ULONG i = 0; rv == CKR_OK && i < n; i++)
        if (!slot_matches(&call.control, all[i]))
            all[kept++] = all[i];
    if (rv == CKR_OK && slots != NULL && *count < kept)
        rv = CKR_BUFFER_TOO_SMALL;
    else if (rv == CKR_OK && slots != NULL)
        memcpy(slots, all, kept * sizeof *all);
    if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
        *count = kept;
    free(all);
    return rv;
}

static CK_RV fm_C_GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info)
{
    CALL(SCOPE_SLOT, slot, C_GetSlotInfo);
    call.removal_exempt = true;
    BEFORE();
    CK_RV rv = target->C_GetSlotInfo(slot, info);
    if (rv == CKR_OK && call.matched && call.state.removed)
        info->flags &= ~(CK_FLAGS)CKF_TOKEN_PRESENT;
    return rv;
}

static CK_RV fm_C_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
    CALL(SCOPE_SLOT, slot, C_GetTokenInfo);
    BEFORE();
    CK_RV rv = target->C_GetTokenInfo(slot, info);
    if (rv != CKR_OK || !counter_on(&call))
        return rv;
    long left = call.state.retries_left;
    info->flags &= ~(CK_FLAGS)(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED);
    if (left == 0)
        info->flags |= CKF_USER_PIN_LOCKED;
    else if (left < call.control.pin_max_retries)
        info->flags |= CKF_USER_PIN_COUNT_LOW | (left == 1 ? CKF_USER_PIN_FINAL_TRY : 0);
    return rv;
}

static CK_RV fm_C_Login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
    CALL(SCOPE_SESSION, session, C_Login);
    BEFORE();
    bool counted = user == CKU_USER && counter_on(&call);
    if (counted && call.state.retries_left == 0)
        return CKR_PIN_LOCKED; /* a locked key does not even look at the PIN */
    CK_RV rv = target->C_Login(session, user, pin, len);
    if (counted)
        count_pin_result(&call, rv);
    return rv;
}

static CK_RV fm_C_SetPIN(CK_SESSION_HANDLE session, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len, CK_UTF8CHAR_PTR new_pin,
                         CK_ULONG new_len)
{
    CALL(SCOPE_SESSION, session, C_SetPIN);
    BEFORE();
    /* C_SetPIN in a user session checks the old user PIN: it counts like a login. */
    if (counter_on(&call) && call.state.retries_left == 0)
        return CKR_PIN_LOCKED;
    CK_RV rv = target->C_SetPIN(session, old_pin, old_len, new_pin, new_len);
    count_pin_result(&call, rv);
    return rv;
}

static CK_RV fm_C_InitPIN(CK_SESSION_HANDLE session, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
    CALL(SCOPE_SESSION, session, C_InitPIN);
    BEFORE();
    CK_RV rv = target->C_InitPIN(session, pin, len);
    if (rv == CKR_OK)
        count_pin_result(&call, rv); /* the SO set a new user PIN: the counter starts over */
    return rv;
}

static CK_RV fm_C_CloseSession(CK_SESSION_HANDLE session)
{
    CALL(SCOPE_SESSION, session, C_CloseSession);
    call.removal_exempt = true; /* let the target free it */
    BEFORE();
    return target->C_CloseSession(session);
}

static CK_RV fm_C_CloseAllSessions(CK_SLOT_ID slot)
{
    CALL(SCOPE_SLOT, slot, C_CloseAllSessions);
    call.removal_exempt = true;
    BEFORE();
    return target->C_CloseAllSessions(slot);
}

/* A device error ends the signing operation, as on a real key; finish it on the target so a
   later C_SignInit is not refused with CKR_OPERATION_ACTIVE. */
static void end_sign_operation(CK_SESSION_HANDLE session)
{
    CK_BYTE scratch[1024];
    CK_ULONG len = sizeof scratch;
    target->C_SignFinal(session, scratch, &len);
}

static CK_RV fm_C_Sign(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len, CK_BYTE_PTR sig,
                       CK_ULONG_PTR sig_len)
{
    CALL(SCOPE_SESSION, session, C_Sign);
    CK_RV rv = before(&call);
    if (call.device_error) {
        CK_BYTE scratch[1024];
        CK_ULONG len = sizeof scratch;
        target->C_Sign(session, data, data_len, scratch, &len);
    }
    if (rv != CKR_OK)
        return rv;
    return target->C_Sign(session, data, data_len, sig, sig_len);
}

static CK_RV fm_C_SignUpdate(CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_len)
{
    CALL(SCOPE_SESSION, session, C_SignUpdate);
    CK_RV rv = before(&call);
    if (call.device_error)
        end_sign_operation(session);
    if (rv != CKR_OK)
        return rv;
    return target->C_SignUpdate(session, part, part_len);
}

static CK_RV fm_C_SignFinal(CK_SESSION_HANDLE session, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
    CALL(SCOPE_SESSION, session, C_SignFinal);
    CK_RV rv = before(&call);
    if (call.device_error)
        end_sign_operation(session);
    if (rv != CKR_OK)
        return rv;
    return target->C_SignFinal(session, sig, sig_len);
}

EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
    if (list == NULL)
        return CKR_ARGUMENTS_BAD;
    *list = &fault_list;
    return CKR_OK;
}

EXPORT CK_RV cabridge_fault_get_pin_retries(CK_SLOT_ID slot, CK_ULONG *retries_left)
{
    struct call call = {.name = "cabridge_fault_get_pin_retries", .scope = SCOPE_SLOT, .id = slot};
    fault_control_read(&call.control);
    if (!call.control.valid)
        return control_error(&call.control);
    if (target == NULL)
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    if (retries_left == NULL)
        return CKR_ARGUMENTS_BAD;
    CK_TOKEN_INFO info;
    CK_RV rv = target->C_GetTokenInfo(slot, &info);
    if (rv != CKR_OK)
        return rv;
    call.matched = slot_matches(&call.control, slot);
    if (!counter_on(&call))
        return CKR_FUNCTION_NOT_SUPPORTED;
    pthread_mutex_lock(&state_lock);
    load_state_locked(&call);
    pthread_mutex_unlock(&state_lock);
    if (call.state.removed)
        return CKR_TOKEN_NOT_PRESENT;
    *retries_left = (CK_ULONG)call.state.retries_left;
    return CKR_OK;
}

static CK_FUNCTION_LIST fault_list = {
    {2, 40},
    fm_C_Initialize,
    fm_C_Finalize,
    fm_C_GetInfo,
    C_GetFunctionList,
    fm_C_GetSlotList,
    fm_C_GetSlotInfo,
    fm_C_GetTokenInfo,
    fm_C_GetMechanismList,
    fm_C_GetMechanismInfo,
    fm_C_InitToken,
    fm_C_InitPIN,
    fm_C_SetPIN,
    fm_C_OpenSession,
    fm_C_CloseSession,
    fm_C_CloseAllSessions,
    fm_C_GetSessionInfo,
    fm_C_GetOperationState,
    fm_C_SetOperationState,
    fm_C_Login,
    fm_C_Logout,
    fm_C_CreateObject,
    fm_C_CopyObject,
    fm_C_DestroyObject,
    fm_C_GetObjectSize,
    fm_C_GetAttributeValue,
    fm_C_SetAttributeValue,
    fm_C_FindObjectsInit,
    fm_C_FindObjects,
    fm_C_FindObjectsFinal,
    fm_C_EncryptInit,
    fm_C_Encrypt,
    fm_C_EncryptUpdate,
    fm_C_EncryptFinal,
    fm_C_DecryptInit,
    fm_C_Decrypt,
    fm_C_DecryptUpdate,
    fm_C_DecryptFinal,
    fm_C_DigestInit,
    fm_C_Digest,
    fm_C_DigestUpdate,
    fm_C_DigestKey,
    fm_C_DigestFinal,
    fm_C_SignInit,
    fm_C_Sign,
    fm_C_SignUpdate,
    fm_C_SignFinal,
    fm_C_SignRecoverInit,
    fm_C_SignRecover,
    fm_C_VerifyInit,
    fm_C_Verify,
    fm_C_VerifyUpdate,
    fm_C_VerifyFinal,
    fm_C_VerifyRecoverInit,
    fm_C_VerifyRecover,
    fm_C_DigestEncryptUpdate,
    fm_C_DecryptDigestUpdate,
    fm_C_SignEncryptUpdate,
    fm_C_DecryptVerifyUpdate,
    fm_C_GenerateKey,
    fm_C_GenerateKeyPair,
    fm_C_WrapKey,
    fm_C_UnwrapKey,
    fm_C_DeriveKey,
    fm_C_SeedRandom,
    fm_C_GenerateRandom,
    fm_C_GetFunctionStatus,
    fm_C_CancelFunction,
    fm_C_WaitForSlotEvent,
};
