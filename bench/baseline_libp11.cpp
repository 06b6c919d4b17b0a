// Baseline for the token benchmarks: the same work as the host, done with
// libp11 directly and nothing else.
//   baseline-libp11 list MODULE              load, list slots and certificates, print count
//   baseline-libp11 auth MODULE TOKEN PIN CERT N
//       load once, then N x (open session, login, sign 64 bytes with the key of
//       certificate CERT (by label), logout), printing each iteration's wall-clock
//       and CPU (this process) microseconds on one line
#include <libp11.h>
#include <openssl/evp.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {
long long cpuMicroseconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int list(const char *module) {
    PKCS11_CTX *ctx = PKCS11_CTX_new();
    if (PKCS11_CTX_load(ctx, module) != 0) return 2;
    PKCS11_SLOT *slots = nullptr;
    unsigned int nslots = 0;
    if (PKCS11_enumerate_slots(ctx, &slots, &nslots) != 0) return 3;
    unsigned int total = 0;
    for (unsigned int i = 0; i < nslots; ++i) {
        if (slots[i].token == nullptr || !slots[i].token->initialized) continue;
        PKCS11_CERT *certs = nullptr;
        unsigned int ncerts = 0;
        if (PKCS11_enumerate_certs(slots[i].token, &certs, &ncerts) == 0) total += ncerts;
    }
    std::printf("%u\n", total);
    PKCS11_release_all_slots(ctx, slots, nslots);
    PKCS11_CTX_unload(ctx);
    PKCS11_CTX_free(ctx);
    return 0;
}

int auth(const char *module, const char *label, const char *pin, const char *cert_label, int n) {
    PKCS11_CTX *ctx = PKCS11_CTX_new();
    if (PKCS11_CTX_load(ctx, module) != 0) return 2;
    PKCS11_SLOT *slots = nullptr;
    unsigned int nslots = 0;
    if (PKCS11_enumerate_slots(ctx, &slots, &nslots) != 0) return 3;
    PKCS11_SLOT *slot = nullptr;
    for (unsigned int i = 0; i < nslots; ++i)
        if (slots[i].token && std::strcmp(slots[i].token->label, label) == 0) slot = &slots[i];
    if (slot == nullptr) return 4;
    PKCS11_CERT *certs = nullptr;
    unsigned int ncerts = 0;
    if (PKCS11_enumerate_certs(slot->token, &certs, &ncerts) != 0 || ncerts == 0) return 5;
    PKCS11_CERT *cert = nullptr;
    for (unsigned int i = 0; i < ncerts; ++i)
        if (certs[i].label && std::strcmp(certs[i].label, cert_label) == 0) cert = &certs[i];
    if (cert == nullptr) return 5;
    // Logout wipes libp11's object cache, so keep the certificate's CKA_ID, not `cert`.
    const std::vector<unsigned char> certId(cert->id, cert->id + cert->id_len);
    unsigned char msg[64];
    std::memset(msg, 7, sizeof msg);
    for (int it = 0; it < n; ++it) {
        auto t0 = std::chrono::steady_clock::now();
        const long long c0 = cpuMicroseconds();
        if (PKCS11_open_session(slot, 0) != 0) return 6;
        if (PKCS11_login(slot, 0, pin) != 0) return 7;
        // The private key is found after login by the certificate's CKA_ID, as any
        // libp11 program must: PKCS11_find_key() on a certificate enumerated before
        // login hands back a key whose PKCS11_get_private_key() crashes in 0.4.12.
        PKCS11_KEY *keys = nullptr;
        unsigned int nkeys = 0;
        if (PKCS11_enumerate_keys(slot->token, &keys, &nkeys) != 0) return 8;
        PKCS11_KEY *key = nullptr;
        for (unsigned int i = 0; i < nkeys && key == nullptr; ++i)
            if (keys[i].isPrivate && keys[i].id_len == certId.size() && !certId.empty() &&
                std::memcmp(keys[i].id, certId.data(), certId.size()) == 0)
                key = &keys[i];
        if (key == nullptr) return 8;
        EVP_PKEY *pkey = PKCS11_get_private_key(key);
        if (pkey == nullptr) return 9;
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        size_t siglen = 0;
        if (EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, pkey) != 1) return 10;
        if (EVP_DigestSign(md, nullptr, &siglen, msg, sizeof msg) != 1) return 11;
        std::vector<unsigned char> sig(siglen);
        if (EVP_DigestSign(md, sig.data(), &siglen, msg, sizeof msg) != 1) return 12;
        EVP_MD_CTX_free(md);
        EVP_PKEY_free(pkey);
        PKCS11_logout(slot);
        auto t1 = std::chrono::steady_clock::now();
        std::printf("%lld %lld\n",
                    static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count()),
                    cpuMicroseconds() - c0);
    }
    return 0;
}
}  // namespace

int main(int argc, char **argv) {
    if (argc >= 3 && std::strcmp(argv[1], "list") == 0) return list(argv[2]);
    if (argc >= 7 && std::strcmp(argv[1], "auth") == 0)
        return auth(argv[2], argv[3], argv[4], argv[5], std::stoi(argv[6]));
    std::fprintf(stderr, "usage: baseline-libp11 list MODULE | auth MODULE TOKEN PIN CERT N\n");
    return 2;
}
