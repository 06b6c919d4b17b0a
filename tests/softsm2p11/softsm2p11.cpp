// libcabridge-softsm2p11: a software PKCS#11 module whose tokens hold SM2 keys, as a Chinese
// vendor's module does, with the vendor numbering (key type, mechanisms, signature encoding)
// taken from its configuration file (README.md in this folder). Only what a login needs is
// implemented: slots and tokens, sessions, C_Login, object search and attributes, single-part
// signing. Every other call answers CKR_FUNCTION_NOT_SUPPORTED. Lock, removal and hangs come
// from putting tests/faultmod in front of it.
#include "soft_sm2_signer.h"
#include "soft_token_store.h"

#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace softsm2p11 {
namespace {

constexpr std::string_view kStandardSignerId = "1234567812345678";
// DER OID 1.2.156.10197.1.301 (the SM2 curve): CKA_EC_PARAMS of every key.
constexpr std::array<std::uint8_t, 10> kSm2CurveOid {0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d};
// Object handles: slot * kObjectsPerSlot + pair * 2 + 1 (certificate) or + 2 (private key).
constexpr CK_OBJECT_HANDLE kObjectsPerSlot = 1000;

struct SignOperation {
    CK_MECHANISM_TYPE mechanism = 0;
    std::size_t pair = 0;
    std::vector<std::uint8_t> signerId;
};

struct Session {
    CK_SLOT_ID slot = 0;
    std::vector<CK_OBJECT_HANDLE> found;
    std::size_t nextFound = 0;
    bool finding = false;
    std::optional<SignOperation> sign;
};

struct ModuleState {
    std::mutex mutex;
    std::optional<SoftModuleConfig> config;  // set while initialised
    std::map<CK_SESSION_HANDLE, Session> sessions;
    std::map<CK_SLOT_ID, bool> loggedIn;
    CK_SESSION_HANDLE nextSession = 1;
};

ModuleState& state()
{
    static ModuleState s;
    return s;
}

// Copies `text` into a fixed-width, blank-padded PKCS#11 field.
template <std::size_t N>
void padded(unsigned char (&field)[N], std::string_view text)
{
    std::memset(field, ' ', N);
    std::memcpy(field, text.data(), std::min(N, text.size()));
}

SoftToken* tokenOf(ModuleState& s, CK_SLOT_ID slot)
{
    if (!s.config || slot >= s.config->tokens.size()) return nullptr;
    return &s.config->tokens[slot];
}

Session* sessionOf(ModuleState& s, CK_SESSION_HANDLE handle)
{
    const auto it = s.sessions.find(handle);
    return it == s.sessions.end() ? nullptr : &it->second;
}

bool mechanismKnown(const VendorNumbering& n, CK_MECHANISM_TYPE type)
{
    return (n.message && *n.message == type) || (n.messageWithId && *n.messageWithId == type) ||
           (n.digest && *n.digest == type);
}

struct ObjectRef {
    std::size_t pair = 0;
    bool privateKey = false;
};

std::optional<ObjectRef> objectOf(ModuleState& s, const Session& session, CK_OBJECT_HANDLE object)
{
    const SoftToken* token = tokenOf(s, session.slot);
    if (token == nullptr || object / kObjectsPerSlot != session.slot) return std::nullopt;
    const CK_OBJECT_HANDLE local = object % kObjectsPerSlot;
    if (local == 0 || (local - 1) / 2 >= token->pairs.size()) return std::nullopt;
    const ObjectRef ref {static_cast<std::size_t>((local - 1) / 2), (local - 1) % 2 == 1};
    if (ref.privateKey && !s.loggedIn[session.slot]) return std::nullopt;  // invisible before login
    return ref;
}

// The attribute's value for an object, or nullopt when the object has no such attribute.
// `sensitive` is set for CKA_VALUE of a private key.
std::optional<std::vector<std::uint8_t>> attributeOf(const ModuleState& s, const KeyPair& pair, bool privateKey,
                                                     CK_ATTRIBUTE_TYPE type, bool& sensitive)
{
    const auto ulong = [](CK_ULONG v) {
        std::vector<std::uint8_t> out(sizeof v);
        std::memcpy(out.data(), &v, sizeof v);
        return out;
    };
    const auto boolean = [](bool v) { return std::vector<std::uint8_t> {static_cast<std::uint8_t>(v ? 1 : 0)}; };
    sensitive = false;
    switch (type) {
    case CKA_CLASS:
        return ulong(privateKey ? CKO_PRIVATE_KEY : CKO_CERTIFICATE);
    case CKA_ID:
        return pair.id;
    case CKA_LABEL:
        return std::vector<std::uint8_t>(pair.label.begin(), pair.label.end());
    case CKA_TOKEN:
        return boolean(true);
    case CKA_PRIVATE:
        return boolean(privateKey);
    default:
        break;
    }
    if (!privateKey) {
        if (type == CKA_CERTIFICATE_TYPE) return ulong(CKC_X_509);
        if (type == CKA_VALUE) return pair.certificateDer;
        return std::nullopt;
    }
    switch (type) {
    case CKA_KEY_TYPE:
        return ulong(s.config->numbering.keyType);
    case CKA_SIGN:
    case CKA_SENSITIVE:
        return boolean(true);
    case CKA_EXTRACTABLE:
        return boolean(false);
    case CKA_EC_PARAMS:
        return std::vector<std::uint8_t>(kSm2CurveOid.begin(), kSm2CurveOid.end());
    case CKA_VALUE:
        sensitive = true;
        return std::vector<std::uint8_t> {};
    default:
        return std::nullopt;
    }
}

bool matches(const ModuleState& s, const KeyPair& pair, bool privateKey, std::span<const CK_ATTRIBUTE> templ)
{
    for (const CK_ATTRIBUTE& want : templ) {
        bool sensitive = false;
        const auto value = attributeOf(s, pair, privateKey, want.type, sensitive);
        if (!value || sensitive || value->size() != want.ulValueLen ||
            (want.ulValueLen > 0 && std::memcmp(value->data(), want.pValue, want.ulValueLen) != 0))
            return false;
    }
    return true;
}

std::optional<std::vector<std::uint8_t>> makeSignature(const ModuleState& s, const SoftToken& token,
                                                       const SignOperation& op, std::span<const std::uint8_t> data,
                                                       CK_RV& failure)
{
    const VendorNumbering& n = s.config->numbering;
    EVP_PKEY* key = token.pairs[op.pair].key.get();
    std::optional<std::vector<std::uint8_t>> der;
    if (n.digest && op.mechanism == *n.digest) {
        if (data.size() != 32) {
            failure = CKR_DATA_LEN_RANGE;
            return std::nullopt;
        }
        der = signDigest(key, data);
    } else {
        der = signMessage(key, op.signerId, data);
    }
    if (!der) {
        failure = CKR_FUNCTION_FAILED;
        return std::nullopt;
    }
    if (n.derSignature) return der;
    auto raw = derToRaw(*der);
    if (!raw) failure = CKR_FUNCTION_FAILED;
    return raw;
}

}  // namespace
}  // namespace softsm2p11

using namespace softsm2p11;

extern "C" {

static CK_RV softInitialize(void* /*args*/)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (s.config) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
    const char* path = std::getenv("CABRIDGE_SOFTSM2P11_CONFIG");
    if (path == nullptr || *path == '\0') return CKR_GENERAL_ERROR;
    try {
        s.config = loadConfig(path);
    } catch (const std::exception&) {
        return CKR_GENERAL_ERROR;
    }
    return CKR_OK;
}

static CK_RV softFinalize(void* /*reserved*/)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.config) return CKR_CRYPTOKI_NOT_INITIALIZED;
    s.sessions.clear();
    s.loggedIn.clear();
    s.config.reset();
    return CKR_OK;
}

static CK_RV softGetInfo(CK_INFO* info)
{
    if (info == nullptr) return CKR_ARGUMENTS_BAD;
    *info = CK_INFO {};
    info->cryptokiVersion = {2, 40};
    padded(info->manufacturerID, "cabridge tests");
    padded(info->libraryDescription, "soft SM2 PKCS#11 module");
    info->libraryVersion = {1, 0};
    return CKR_OK;
}

static CK_RV softGetSlotList(CK_BBOOL /*present*/, CK_SLOT_ID* list, CK_ULONG* count)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.config) return CKR_CRYPTOKI_NOT_INITIALIZED;
    if (count == nullptr) return CKR_ARGUMENTS_BAD;
    const CK_ULONG n = s.config->tokens.size();
    if (list == nullptr) {
        *count = n;
        return CKR_OK;
    }
    if (*count < n) {
        *count = n;
        return CKR_BUFFER_TOO_SMALL;
    }
    for (CK_ULONG i = 0; i < n; ++i) list[i] = i;
    *count = n;
    return CKR_OK;
}

static CK_RV softGetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO* info)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.config) return CKR_CRYPTOKI_NOT_INITIALIZED;
    if (tokenOf(s, slot) == nullptr) return CKR_SLOT_ID_INVALID;
    if (info == nullptr) return CKR_ARGUMENTS_BAD;
    *info = CK_SLOT_INFO {};
    padded(info->slotDescription, "soft SM2 slot " + std::to_string(slot));
    padded(info->manufacturerID, s.config->manufacturer);
    info->flags = CKF_TOKEN_PRESENT | CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;
    return CKR_OK;
}

static CK_RV softGetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO* info)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.config) return CKR_CRYPTOKI_NOT_INITIALIZED;
    const SoftToken* token = tokenOf(s, slot);
    if (token == nullptr) return CKR_SLOT_ID_INVALID;
    if (info == nullptr) return CKR_ARGUMENTS_BAD;
    *info = CK_TOKEN_INFO {};
    padded(info->label, token->label);
    padded(info->manufacturerID, s.config->manufacturer);
    padded(info->model, "SM2 soft key");
    padded(info->serialNumber, token->serial);
    info->flags = CKF_TOKEN_INITIALIZED | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED;
    if (token->pinToBeChanged) info->flags |= CKF_USER_PIN_TO_BE_CHANGED;
    info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulMaxPinLen = 16;
    info->ulMinPinLen = 4;
    info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
    return CKR_OK;
}

static CK_RV softGetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE* list, CK_ULONG* count)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.config) return CKR_CRYPTOKI_NOT_INITIALIZED;
    if (tokenOf(s, slot) == nullptr) return CKR_SLOT_ID_INVALID;
    if (count == nullptr) return CKR_ARGUMENTS_BAD;
    std::vector<CK_MECHANISM_TYPE> types;
    const VendorNumbering& n = s.config->numbering;
    for (const auto& m : {n.message, n.messageWithId, n.digest})
        if (m) types.push_back(*m);
    if (list != nullptr && *count < types.size()) {
        *count = types.size();
        return CKR_BUFFER_TOO_SMALL;
    }
    if (list != nullptr) std::copy(types.begin(), types.end(), list);
    *count = types.size();
    return CKR_OK;
}

static CK_RV softOpenSession(CK_SLOT_ID slot, CK_FLAGS flags, void* /*app*/, CK_NOTIFY /*notify*/,
                             CK_SESSION_HANDLE* handle)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.config) return CKR_CRYPTOKI_NOT_INITIALIZED;
    if (tokenOf(s, slot) == nullptr) return CKR_SLOT_ID_INVALID;
    if ((flags & CKF_SERIAL_SESSION) == 0) return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
    if (handle == nullptr) return CKR_ARGUMENTS_BAD;
    *handle = s.nextSession++;
    s.sessions[*handle].slot = slot;
    return CKR_OK;
}

static CK_RV softCloseSession(CK_SESSION_HANDLE handle)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.config) return CKR_CRYPTOKI_NOT_INITIALIZED;
    const Session* session = sessionOf(s, handle);
    if (session == nullptr) return CKR_SESSION_HANDLE_INVALID;
    const CK_SLOT_ID slot = session->slot;
    s.sessions.erase(handle);
    // Closing the application's last session on a token ends its login (PKCS#11 5.6).
    if (std::none_of(s.sessions.begin(), s.sessions.end(), [&](const auto& e) { return e.second.slot == slot; }))
        s.loggedIn[slot] = false;
    return CKR_OK;
}

static CK_RV softCloseAllSessions(CK_SLOT_ID slot)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.config) return CKR_CRYPTOKI_NOT_INITIALIZED;
    std::erase_if(s.sessions, [&](const auto& e) { return e.second.slot == slot; });
    s.loggedIn[slot] = false;
    return CKR_OK;
}

static CK_RV softGetSessionInfo(CK_SESSION_HANDLE handle, CK_SESSION_INFO* info)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.config) return CKR_CRYPTOKI_NOT_INITIALIZED;
    const Session* session = sessionOf(s, handle);
    if (session == nullptr) return CKR_SESSION_HANDLE_INVALID;
    if (info == nullptr) return CKR_ARGUMENTS_BAD;
    *info = CK_SESSION_INFO {};
    info->slotID = session->slot;
    info->state = s.loggedIn[session->slot] ? CKS_RO_USER_FUNCTIONS : CKS_RO_PUBLIC_SESSION;
    info->flags = CKF_SERIAL_SESSION;
    return CKR_OK;
}

static CK_RV softLogin(CK_SESSION_HANDLE handle, CK_USER_TYPE user, CK_UTF8CHAR* pin, CK_ULONG pinLength)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.config) return CKR_CRYPTOKI_NOT_INITIALIZED;
    const Session* session = sessionOf(s, handle);
    if (session == nullptr) return CKR_SESSION_HANDLE_INVALID;
    if (user != CKU_USER) return CKR_USER_TYPE_INVALID;
    if (s.loggedIn[session->slot]) return CKR_USER_ALREADY_LOGGED_IN;
    const SoftToken& token = *tokenOf(s, session->slot);
    if (pin == nullptr || pinLength != token.pin.size() || std::memcmp(pin, token.pin.data(), pinLength) != 0)
        return CKR_PIN_INCORRECT;
    s.loggedIn[session->slot] = true;
    return CKR_OK;
}

static CK_RV softLogout(CK_SESSION_HANDLE handle)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.config) return CKR_CRYPTOKI_NOT_INITIALIZED;
    const Session* session = sessionOf(s, handle);
    if (session == nullptr) return CKR_SESSION_HANDLE_INVALID;
    if (!s.loggedIn[session->slot]) return CKR_USER_NOT_LOGGED_IN;
    s.loggedIn[session->slot] = false;
    return CKR_OK;
}

static CK_RV softGetAttributeValue(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE object, CK_ATTRIBUTE* templ,
                                   CK_ULONG count)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.config) return CKR_CRYPTOKI_NOT_INITIALIZED;
    const Session* session = sessionOf(s, handle);
    if (session == nullptr) return CKR_SESSION_HANDLE_INVALID;
    const auto ref = objectOf(s, *session, object);
    if (!ref) return CKR_OBJECT_HANDLE_INVALID;
    if (templ == nullptr && count > 0) return CKR_ARGUMENTS_BAD;
    const KeyPair& pair = tokenOf(s, session->slot)->pairs[ref->pair];
    CK_RV rv = CKR_OK;
    // PKCS#11 5.7: every attribute is processed; the "worst" outcome is returned.
    for (CK_ATTRIBUTE& attribute : std::span(templ, count)) {
        bool sensitive = false;
        const auto value = attributeOf(s, pair, ref->privateKey, attribute.type, sensitive);
        if (sensitive) {
            attribute.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = rv == CKR_OK ? CKR_ATTRIBUTE_SENSITIVE : rv;
        } else if (!value) {
            attribute.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = rv == CKR_OK ? CKR_ATTRIBUTE_TYPE_INVALID : rv;
        } else if (attribute.pValue == nullptr) {
            attribute.ulValueLen = value->size();
        } else if (attribute.ulValueLen < value->size()) {
            attribute.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_BUFFER_TOO_SMALL;
        } else {
            std::copy(value->begin(), value->end(), static_cast<std::uint8_t*>(attribute.pValue));
            attribute.ulValueLen = value->size();
        }
    }
    return rv;
}

static CK_RV softFindObjectsInit(CK_SESSION_HANDLE handle, CK_ATTRIBUTE* templ, CK_ULONG count)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.config) return CKR_CRYPTOKI_NOT_INITIALIZED;
    Session* session = sessionOf(s, handle);
    if (session == nullptr) return CKR_SESSION_HANDLE_INVALID;
    if (session->finding) return CKR_OPERATION_ACTIVE;
    if (templ == nullptr && count > 0) return CKR_ARGUMENTS_BAD;
    const SoftToken& token = *tokenOf(s, session->slot);
    session->found.clear();
    session->nextFound = 0;
    for (std::size_t i = 0; i < token.pairs.size(); ++i) {
        for (const bool privateKey : {false, true}) {
            if (privateKey && !s.loggedIn[session->slot]) continue;
            if (matches(s, token.pairs[i], privateKey, std::span(templ, count)))
                session->found.push_back(session->slot * kObjectsPerSlot + i * 2 + (privateKey ? 2 : 1));
        }
    }
    session->finding = true;
    return CKR_OK;
}

static CK_RV softFindObjects(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE* objects, CK_ULONG max, CK_ULONG* count)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.config) return CKR_CRYPTOKI_NOT_INITIALIZED;
    Session* session = sessionOf(s, handle);
    if (session == nullptr) return CKR_SESSION_HANDLE_INVALID;
    if (!session->finding) return CKR_OPERATION_NOT_INITIALIZED;
    if (objects == nullptr || count == nullptr) return CKR_ARGUMENTS_BAD;
    CK_ULONG n = 0;
    while (n < max && session->nextFound < session->found.size()) objects[n++] = session->found[session->nextFound++];
    *count = n;
    return CKR_OK;
}

static CK_RV softFindObjectsFinal(CK_SESSION_HANDLE handle)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.config) return CKR_CRYPTOKI_NOT_INITIALIZED;
    Session* session = sessionOf(s, handle);
    if (session == nullptr) return CKR_SESSION_HANDLE_INVALID;
    if (!session->finding) return CKR_OPERATION_NOT_INITIALIZED;
    session->finding = false;
    session->found.clear();
    return CKR_OK;
}

static CK_RV softSignInit(CK_SESSION_HANDLE handle, CK_MECHANISM* mechanism, CK_OBJECT_HANDLE key)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.config) return CKR_CRYPTOKI_NOT_INITIALIZED;
    Session* session = sessionOf(s, handle);
    if (session == nullptr) return CKR_SESSION_HANDLE_INVALID;
    if (mechanism == nullptr) return CKR_ARGUMENTS_BAD;
    if (session->sign) return CKR_OPERATION_ACTIVE;
    if (!s.loggedIn[session->slot]) return CKR_USER_NOT_LOGGED_IN;
    const auto ref = objectOf(s, *session, key);
    if (!ref) return CKR_KEY_HANDLE_INVALID;
    if (!ref->privateKey) return CKR_KEY_TYPE_INCONSISTENT;
    const VendorNumbering& n = s.config->numbering;
    if (!mechanismKnown(n, mechanism->mechanism)) return CKR_MECHANISM_INVALID;
    SignOperation op {mechanism->mechanism, ref->pair, {}};
    const auto* param = static_cast<const std::uint8_t*>(mechanism->pParameter);
    if (n.messageWithId && mechanism->mechanism == *n.messageWithId) {
        // The signer ID travels as the parameter; a module with this mechanism has no default.
        if (param == nullptr || mechanism->ulParameterLen == 0 || mechanism->ulParameterLen > 64)
            return CKR_MECHANISM_PARAM_INVALID;
        op.signerId.assign(param, param + mechanism->ulParameterLen);
    } else {
        if (param != nullptr || mechanism->ulParameterLen != 0) return CKR_MECHANISM_PARAM_INVALID;
        op.signerId.assign(kStandardSignerId.begin(), kStandardSignerId.end());
    }
    session->sign = std::move(op);
    return CKR_OK;
}

static CK_RV softSign(CK_SESSION_HANDLE handle, CK_BYTE* data, CK_ULONG dataLength, CK_BYTE* signature,
                      CK_ULONG* signatureLength)
{
    ModuleState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.config) return CKR_CRYPTOKI_NOT_INITIALIZED;
    Session* session = sessionOf(s, handle);
    if (session == nullptr) return CKR_SESSION_HANDLE_INVALID;
    if (!session->sign) return CKR_OPERATION_NOT_INITIALIZED;
    if (signatureLength == nullptr || (data == nullptr && dataLength > 0)) {
        session->sign.reset();
        return CKR_ARGUMENTS_BAD;
    }
    const std::size_t most = s.config->numbering.derSignature ? 72 : 64;
    if (signature == nullptr) {  // a size query leaves the operation active
        *signatureLength = most;
        return CKR_OK;
    }
    if (*signatureLength < most) {
        *signatureLength = most;
        return CKR_BUFFER_TOO_SMALL;
    }
    CK_RV failure = CKR_OK;
    const SignOperation op = *session->sign;
    session->sign.reset();  // any other outcome ends the operation
    const auto made = makeSignature(s, *tokenOf(s, session->slot), op, std::span(data, dataLength), failure);
    if (!made) return failure;
    std::copy(made->begin(), made->end(), signature);
    *signatureLength = made->size();
    return CKR_OK;
}

}  // extern "C"

namespace {

// CKR_FUNCTION_NOT_SUPPORTED for any entry point of the table not implemented above.
template <class>
struct NotSupported;
template <class... Args>
struct NotSupported<CK_RV (*)(Args...)> {
    static CK_RV call(Args... /*unused*/) { return CKR_FUNCTION_NOT_SUPPORTED; }
};

CK_FUNCTION_LIST makeFunctionList();

CK_FUNCTION_LIST& functionList()
{
    static CK_FUNCTION_LIST list = makeFunctionList();
    return list;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST** list)
{
    if (list == nullptr) return CKR_ARGUMENTS_BAD;
    *list = &functionList();
    return CKR_OK;
}

namespace {

CK_FUNCTION_LIST makeFunctionList()
{
    CK_FUNCTION_LIST f {};
    f.version = {2, 40};
#define SOFT_STUB(name) (f.name = &NotSupported<decltype(f.name)>::call)
    SOFT_STUB(C_InitToken);
    SOFT_STUB(C_InitPIN);
    SOFT_STUB(C_SetPIN);
    SOFT_STUB(C_GetMechanismInfo);
    SOFT_STUB(C_GetOperationState);
    SOFT_STUB(C_SetOperationState);
    SOFT_STUB(C_CreateObject);
    SOFT_STUB(C_CopyObject);
    SOFT_STUB(C_DestroyObject);
    SOFT_STUB(C_GetObjectSize);
    SOFT_STUB(C_SetAttributeValue);
    SOFT_STUB(C_EncryptInit);
    SOFT_STUB(C_Encrypt);
    SOFT_STUB(C_EncryptUpdate);
    SOFT_STUB(C_EncryptFinal);
    SOFT_STUB(C_DecryptInit);
    SOFT_STUB(C_Decrypt);
    SOFT_STUB(C_DecryptUpdate);
    SOFT_STUB(C_DecryptFinal);
    SOFT_STUB(C_DigestInit);
    SOFT_STUB(C_Digest);
    SOFT_STUB(C_DigestUpdate);
    SOFT_STUB(C_DigestKey);
    SOFT_STUB(C_DigestFinal);
    SOFT_STUB(C_SignUpdate);
    SOFT_STUB(C_SignFinal);
    SOFT_STUB(C_SignRecoverInit);
    SOFT_STUB(C_SignRecover);
    SOFT_STUB(C_VerifyInit);
    SOFT_STUB(C_Verify);
    SOFT_STUB(C_VerifyUpdate);
    SOFT_STUB(C_VerifyFinal);
    SOFT_STUB(C_VerifyRecoverInit);
    SOFT_STUB(C_VerifyRecover);
    SOFT_STUB(C_DigestEncryptUpdate);
    SOFT_STUB(C_DecryptDigestUpdate);
    SOFT_STUB(C_SignEncryptUpdate);
    SOFT_STUB(C_DecryptVerifyUpdate);
    SOFT_STUB(C_GenerateKey);
    SOFT_STUB(C_GenerateKeyPair);
    SOFT_STUB(C_WrapKey);
    SOFT_STUB(C_UnwrapKey);
    SOFT_STUB(C_DeriveKey);
    SOFT_STUB(C_SeedRandom);
    SOFT_STUB(C_GenerateRandom);
    SOFT_STUB(C_GetFunctionStatus);
    SOFT_STUB(C_CancelFunction);
    SOFT_STUB(C_WaitForSlotEvent);
#undef SOFT_STUB
    f.C_Initialize = softInitialize;
    f.C_Finalize = softFinalize;
    f.C_GetInfo = softGetInfo;
    f.C_GetFunctionList = C_GetFunctionList;
    f.C_GetSlotList = softGetSlotList;
    f.C_GetSlotInfo = softGetSlotInfo;
    f.C_GetTokenInfo = softGetTokenInfo;
    f.C_GetMechanismList = softGetMechanismList;
    f.C_OpenSession = softOpenSession;
    f.C_CloseSession = softCloseSession;
    f.C_CloseAllSessions = softCloseAllSessions;
    f.C_GetSessionInfo = softGetSessionInfo;
    f.C_Login = softLogin;
    f.C_Logout = softLogout;
    f.C_GetAttributeValue = softGetAttributeValue;
    f.C_FindObjectsInit = softFindObjectsInit;
    f.C_FindObjects = softFindObjects;
    f.C_FindObjectsFinal = softFindObjectsFinal;
    f.C_SignInit = softSignInit;
    f.C_Sign = softSign;
    return f;
}

}  // namespace
