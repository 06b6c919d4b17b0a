// Baseline for the SM2-over-PKCS#11 benchmarks: the same work as the host, done with the
// module's C_* calls directly (dlopen + C_GetFunctionList) and nothing else. libp11 has no SM2,
// so this is what a vendor's own application does.
//   baseline-pkcs11-sm2 list MODULE
//       every token's certificates (CKA_VALUE, parsed); print the count
//   baseline-pkcs11-sm2 auth MODULE TOKEN PIN CERT KEYTYPE MECHANISM N
//       find the certificate labelled CERT once, then N x (open a session, C_Login, find the
//       private key of KEYTYPE under the certificate's CKA_ID, e = SM3(Z || M) for 64 bytes,
//       C_SignInit(MECHANISM) + C_Sign of e, raw r || s to DER, C_Logout, close), printing
//       each iteration's wall-clock and CPU (this process) microseconds on one line
// MECHANISM is the vendor's "sign these 32 bytes" mechanism; Z and the DER come from common/
// sm2.* (the code the plugin uses), so the ratio measures the host and the plugin around them.
#include <cabridge/common/openssl_ptr.h>
#include <cabridge/common/sm2.h>

#include <dlfcn.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

long long cpuMicroseconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

CK_FUNCTION_LIST_PTR load(const char *path) {
    void *module = dlopen(path, RTLD_NOW | RTLD_LOCAL);  // kept open until exit
    if (module == nullptr) return nullptr;
    auto getFunctionList = reinterpret_cast<CK_C_GetFunctionList>(dlsym(module, "C_GetFunctionList"));
    CK_FUNCTION_LIST_PTR p11 = nullptr;
    if (getFunctionList == nullptr || getFunctionList(&p11) != CKR_OK || p11->C_Initialize(nullptr) != CKR_OK)
        return nullptr;
    return p11;
}

std::vector<CK_SLOT_ID> slotsWithTokens(CK_FUNCTION_LIST_PTR p11) {
    CK_ULONG count = 0;
    if (p11->C_GetSlotList(CK_TRUE, nullptr, &count) != CKR_OK) return {};
    std::vector<CK_SLOT_ID> slots(count);
    if (p11->C_GetSlotList(CK_TRUE, slots.data(), &count) != CKR_OK) return {};
    slots.resize(count);
    return slots;
}

std::vector<CK_OBJECT_HANDLE> find(CK_FUNCTION_LIST_PTR p11, CK_SESSION_HANDLE session, CK_ATTRIBUTE *templ,
                                   CK_ULONG count) {
    std::vector<CK_OBJECT_HANDLE> found;
    if (p11->C_FindObjectsInit(session, templ, count) != CKR_OK) return found;
    std::array<CK_OBJECT_HANDLE, 16> batch{};
    CK_ULONG got = 0;
    while (p11->C_FindObjects(session, batch.data(), batch.size(), &got) == CKR_OK && got > 0)
        found.insert(found.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(got));
    p11->C_FindObjectsFinal(session);
    return found;
}

std::vector<CK_BYTE> attribute(CK_FUNCTION_LIST_PTR p11, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                               CK_ATTRIBUTE_TYPE type) {
    CK_ATTRIBUTE a{type, nullptr, 0};
    if (p11->C_GetAttributeValue(session, object, &a, 1) != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
        return {};
    std::vector<CK_BYTE> value(a.ulValueLen);
    a.pValue = value.data();
    if (p11->C_GetAttributeValue(session, object, &a, 1) != CKR_OK) return {};
    value.resize(a.ulValueLen);
    return value;
}

cabridge::X509Ptr parse(const std::vector<CK_BYTE> &der) {
    const unsigned char *cursor = der.data();
    return cabridge::X509Ptr(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
}

int list(CK_FUNCTION_LIST_PTR p11) {
    unsigned total = 0;
    for (CK_SLOT_ID slot : slotsWithTokens(p11)) {
        CK_TOKEN_INFO info{};
        CK_SESSION_HANDLE session = 0;
        if (p11->C_GetTokenInfo(slot, &info) != CKR_OK ||
            p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session) != CKR_OK)
            continue;
        CK_OBJECT_CLASS certificateClass = CKO_CERTIFICATE;
        CK_ATTRIBUTE templ[] = {{CKA_CLASS, &certificateClass, sizeof certificateClass}};
        for (CK_OBJECT_HANDLE object : find(p11, session, templ, 1))
            if (parse(attribute(p11, session, object, CKA_VALUE))) ++total;
        p11->C_CloseSession(session);
    }
    std::printf("%u\n", total);
    p11->C_Finalize(nullptr);
    return 0;
}

// pin by value on purpose: C_Login takes it as a non-const CK_UTF8CHAR_PTR.
// cppcheck-suppress passedByValue
int auth(CK_FUNCTION_LIST_PTR p11, const std::string &tokenLabel, std::string pin, const std::string &certLabel,
         CK_KEY_TYPE keyType, CK_MECHANISM_TYPE mechanismType, int n) {
    // The slot whose token label (blank-padded to 32 bytes) is tokenLabel.
    CK_SLOT_ID slot = 0;
    bool found = false;
    for (CK_SLOT_ID candidate : slotsWithTokens(p11)) {
        CK_TOKEN_INFO info{};
        if (p11->C_GetTokenInfo(candidate, &info) != CKR_OK) continue;
        std::string label(reinterpret_cast<const char *>(info.label), sizeof info.label);
        label.erase(label.find_last_not_of(' ') + 1);
        if (label == tokenLabel) {
            slot = candidate;
            found = true;
        }
    }
    if (!found) return 4;
    // The certificate and its CKA_ID, read once (as libp11's enumeration would).
    CK_SESSION_HANDLE session = 0;
    if (p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session) != CKR_OK) return 5;
    CK_OBJECT_CLASS certificateClass = CKO_CERTIFICATE;
    CK_ATTRIBUTE certTemplate[] = {{CKA_CLASS, &certificateClass, sizeof certificateClass},
                                   {CKA_LABEL, const_cast<char *>(certLabel.data()), certLabel.size()}};
    const auto certs = find(p11, session, certTemplate, 2);
    if (certs.empty()) return 5;
    std::vector<CK_BYTE> certId = attribute(p11, session, certs[0], CKA_ID);
    const auto certificate = parse(attribute(p11, session, certs[0], CKA_VALUE));
    p11->C_CloseSession(session);
    if (!certificate || certId.empty()) return 5;
    std::array<std::uint8_t, 64> message{};
    message.fill(7);
    for (int it = 0; it < n; ++it) {
        const auto t0 = std::chrono::steady_clock::now();
        const long long c0 = cpuMicroseconds();
        if (p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session) != CKR_OK) return 6;
        if (p11->C_Login(session, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin.data()), pin.size()) != CKR_OK)
            return 7;
        CK_OBJECT_CLASS keyClass = CKO_PRIVATE_KEY;
        CK_ATTRIBUTE keyTemplate[] = {{CKA_CLASS, &keyClass, sizeof keyClass},
                                      {CKA_KEY_TYPE, &keyType, sizeof keyType},
                                      {CKA_ID, certId.data(), certId.size()}};
        const auto keys = find(p11, session, keyTemplate, 3);
        if (keys.empty()) return 8;
        cabridge::sm2::Digest e = cabridge::sm2::computeE(certificate.get(), message);
        CK_MECHANISM mechanism{mechanismType, nullptr, 0};
        if (p11->C_SignInit(session, &mechanism, keys[0]) != CKR_OK) return 9;
        std::array<CK_BYTE, cabridge::sm2::kRawSignatureBytes> raw{};
        CK_ULONG rawLength = raw.size();
        if (p11->C_Sign(session, e.data(), e.size(), raw.data(), &rawLength) != CKR_OK || rawLength != raw.size())
            return 10;
        if (!cabridge::sm2::derFromDeviceSignature(raw)) return 11;
        p11->C_Logout(session);
        p11->C_CloseSession(session);
        const auto t1 = std::chrono::steady_clock::now();
        std::printf("%lld %lld\n",
                    static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count()),
                    cpuMicroseconds() - c0);
    }
    p11->C_Finalize(nullptr);
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    CK_FUNCTION_LIST_PTR p11 = argc >= 3 ? load(argv[2]) : nullptr;
    if (argc >= 3 && p11 == nullptr) {
        std::fprintf(stderr, "baseline-pkcs11-sm2: cannot load and initialize %s\n", argv[2]);
        return 2;
    }
    if (argc >= 3 && std::strcmp(argv[1], "list") == 0) return list(p11);
    if (argc >= 9 && std::strcmp(argv[1], "auth") == 0)
        return auth(p11, argv[3], argv[4], argv[5], std::stoul(argv[6], nullptr, 0), std::stoul(argv[7], nullptr, 0),
                    std::stoi(argv[8]));
    std::fprintf(stderr, "usage: baseline-pkcs11-sm2 list MODULE | auth MODULE TOKEN PIN CERT KEYTYPE MECHANISM N\n");
    return 2;
}
