// Baseline for the SKF benchmarks: the same work as the host, done with the SKF library
// directly (dlopen, as a vendor's own application would) and nothing else.
//   baseline-skf list LIBRARY
//       enumerate devices, applications and containers, export and parse each container's
//       signing certificate; print the count
//   baseline-skf auth LIBRARY DEVICE APPLICATION CONTAINER PIN N
//       connect and read the container's signing certificate once, then N x (open the
//       application, SKF_VerifyPIN, open the container, e = SM3(Z || M) for 64 bytes,
//       SKF_ECCSignData, blob to DER, SKF_ClearSecureState, close), printing each iteration's
//       wall-clock and CPU (this process) microseconds on one line
// Z and the blob's DER come from common/ sm2.* (the code the plugin uses), so the ratio
// measures the host and the plugin around the same arithmetic.
#include <cabridge/common/openssl_ptr.h>
#include <cabridge/common/sm2.h>
#include <cabridge/skf.h>

#include <dlfcn.h>
#include <openssl/x509.h>

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

// The calls this program makes, bound by name.
struct Skf {
    decltype(&SKF_EnumDev) enumDev = nullptr;
    decltype(&SKF_ConnectDev) connectDev = nullptr;
    decltype(&SKF_DisConnectDev) disconnectDev = nullptr;
    decltype(&SKF_EnumApplication) enumApplication = nullptr;
    decltype(&SKF_OpenApplication) openApplication = nullptr;
    decltype(&SKF_CloseApplication) closeApplication = nullptr;
    decltype(&SKF_VerifyPIN) verifyPin = nullptr;
    decltype(&SKF_ClearSecureState) clearSecureState = nullptr;
    decltype(&SKF_EnumContainer) enumContainer = nullptr;
    decltype(&SKF_OpenContainer) openContainer = nullptr;
    decltype(&SKF_CloseContainer) closeContainer = nullptr;
    decltype(&SKF_ExportCertificate) exportCertificate = nullptr;
    decltype(&SKF_ECCSignData) eccSignData = nullptr;
};

template <class F>
bool bind(void *library, const char *name, F &slot) {
    slot = reinterpret_cast<F>(dlsym(library, name));
    return slot != nullptr;
}

bool load(const char *path, Skf &skf) {
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);  // kept open until exit
    return library != nullptr && bind(library, "SKF_EnumDev", skf.enumDev) &&
           bind(library, "SKF_ConnectDev", skf.connectDev) && bind(library, "SKF_DisConnectDev", skf.disconnectDev) &&
           bind(library, "SKF_EnumApplication", skf.enumApplication) &&
           bind(library, "SKF_OpenApplication", skf.openApplication) &&
           bind(library, "SKF_CloseApplication", skf.closeApplication) &&
           bind(library, "SKF_VerifyPIN", skf.verifyPin) &&
           bind(library, "SKF_ClearSecureState", skf.clearSecureState) &&
           bind(library, "SKF_EnumContainer", skf.enumContainer) &&
           bind(library, "SKF_OpenContainer", skf.openContainer) &&
           bind(library, "SKF_CloseContainer", skf.closeContainer) &&
           bind(library, "SKF_ExportCertificate", skf.exportCertificate) &&
           bind(library, "SKF_ECCSignData", skf.eccSignData);
}

// A multi-string from a size query and a read.
template <class Call>
bool nameList(Call call, std::vector<std::string> &names) {
    ULONG size = 0;
    if (call(nullptr, &size) != SAR_OK) return false;
    std::vector<char> buffer(size + 1, '\0');
    if (size > 0 && call(buffer.data(), &size) != SAR_OK) return false;
    for (const char *at = buffer.data(); *at != '\0'; at += std::strlen(at) + 1) names.emplace_back(at);
    return true;
}

bool exportSigningCertificate(const Skf &skf, HCONTAINER container, std::vector<BYTE> &der) {
    ULONG size = 0;
    if (skf.exportCertificate(container, TRUE, nullptr, &size) != SAR_OK || size == 0) return false;
    der.resize(size);
    if (skf.exportCertificate(container, TRUE, der.data(), &size) != SAR_OK) return false;
    der.resize(size);
    return true;
}

cabridge::X509Ptr parse(const std::vector<BYTE> &der) {
    const unsigned char *cursor = der.data();
    return cabridge::X509Ptr(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
}

int list(const Skf &skf) {
    std::vector<std::string> devices;
    if (!nameList([&](char *b, ULONG *s) { return skf.enumDev(TRUE, b, s); }, devices)) return 3;
    unsigned total = 0;
    for (auto &deviceName : devices) {
        DEVHANDLE device = nullptr;
        if (skf.connectDev(deviceName.data(), &device) != SAR_OK) continue;
        std::vector<std::string> applications;
        nameList([&](char *b, ULONG *s) { return skf.enumApplication(device, b, s); }, applications);
        for (auto &applicationName : applications) {
            HAPPLICATION application = nullptr;
            if (skf.openApplication(device, applicationName.data(), &application) != SAR_OK) continue;
            std::vector<std::string> containers;
            nameList([&](char *b, ULONG *s) { return skf.enumContainer(application, b, s); }, containers);
            for (auto &containerName : containers) {
                HCONTAINER container = nullptr;
                if (skf.openContainer(application, containerName.data(), &container) != SAR_OK) continue;
                std::vector<BYTE> der;
                if (exportSigningCertificate(skf, container, der) && parse(der)) ++total;
                skf.closeContainer(container);
            }
            skf.closeApplication(application);
        }
        skf.disconnectDev(device);
    }
    std::printf("%u\n", total);
    return 0;
}

// By value on purpose: the SKF calls take the names and the PIN as non-const char *.
// cppcheck-suppress passedByValue
int auth(const Skf &skf, std::string deviceName, std::string applicationName, std::string containerName,
         // cppcheck-suppress passedByValue
         std::string pin, int n) {
    DEVHANDLE device = nullptr;
    if (skf.connectDev(deviceName.data(), &device) != SAR_OK) return 4;
    // The certificate (Z needs its public key), read once as the PKCS#11 baselines read theirs.
    cabridge::X509Ptr certificate;
    {
        HAPPLICATION application = nullptr;
        HCONTAINER container = nullptr;
        std::vector<BYTE> der;
        if (skf.openApplication(device, applicationName.data(), &application) != SAR_OK ||
            skf.openContainer(application, containerName.data(), &container) != SAR_OK ||
            !exportSigningCertificate(skf, container, der))
            return 8;
        certificate = parse(der);
        skf.closeContainer(container);
        skf.closeApplication(application);
    }
    if (!certificate) return 9;
    std::array<std::uint8_t, 64> message{};
    message.fill(7);
    for (int it = 0; it < n; ++it) {
        const auto t0 = std::chrono::steady_clock::now();
        const long long c0 = cpuMicroseconds();
        HAPPLICATION application = nullptr;
        if (skf.openApplication(device, applicationName.data(), &application) != SAR_OK) return 5;
        ULONG retry = 0;
        if (skf.verifyPin(application, USER_TYPE, pin.data(), &retry) != SAR_OK) return 6;
        HCONTAINER container = nullptr;
        if (skf.openContainer(application, containerName.data(), &container) != SAR_OK) return 7;
        cabridge::sm2::Digest e = cabridge::sm2::computeE(certificate.get(), message);
        ECCSIGNATUREBLOB blob{};
        if (skf.eccSignData(container, e.data(), static_cast<ULONG>(e.size()), &blob) != SAR_OK) return 10;
        const auto signature = cabridge::sm2::derFromDeviceSignature(
            std::span(reinterpret_cast<const std::uint8_t *>(&blob), sizeof blob));
        if (!signature) return 11;
        skf.clearSecureState(application);
        skf.closeContainer(container);
        skf.closeApplication(application);
        const auto t1 = std::chrono::steady_clock::now();
        std::printf("%lld %lld\n",
                    static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count()),
                    cpuMicroseconds() - c0);
    }
    skf.disconnectDev(device);
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    Skf skf;
    if (argc >= 3 && !load(argv[2], skf)) {
        std::fprintf(stderr, "baseline-skf: cannot load %s\n", argv[2]);
        return 2;
    }
    if (argc >= 3 && std::strcmp(argv[1], "list") == 0) return list(skf);
    if (argc >= 8 && std::strcmp(argv[1], "auth") == 0)
        return auth(skf, argv[3], argv[4], argv[5], argv[6], std::stoi(argv[7]));
    std::fprintf(stderr, "usage: baseline-skf list LIBRARY | auth LIBRARY DEVICE APPLICATION CONTAINER PIN N\n");
    return 2;
}
