// libcabridge-softskf: a software GM/T 0016 (SKF) library for tests and demos, over OpenSSL.
// State lives in the directory named by CABRIDGE_SOFTSKF_DIR (README.md in this folder describes
// it), so two processes see the same devices, PIN counters and keys. Every call re-reads the
// state and the fault file, so a test can change either between calls.
#include "cabridge/skf.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

template <auto FreeFn>
struct Free {
    template <class T>
    void operator()(T* p) const noexcept
    {
        FreeFn(p);
    }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Free<&EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Free<&EVP_PKEY_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Free<&BIO_free>>;
using X509Ptr = std::unique_ptr<X509, Free<&X509_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Free<&BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Free<&ECDSA_SIG_free>>;

// ---- state directory -------------------------------------------------------------------------

std::optional<fs::path> stateDir()
{
    const char* dir = std::getenv("CABRIDGE_SOFTSKF_DIR");
    if (dir == nullptr || *dir == '\0') return std::nullopt;
    return fs::path(dir);
}

std::optional<Json> readJson(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    Json j = Json::parse(in, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
}

// Atomic replace, so a reader in another process sees the old or the new file, never half.
bool writeJson(const fs::path& path, const Json& j)
{
    fs::path tmp = path;
    tmp += ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return false;
        out << j.dump(2) << '\n';
        if (!out.flush()) return false;
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    return !ec;
}

std::optional<std::string> readFile(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// An exclusive flock on a lock file: serialises read-modify-write of one state file between
// threads and processes (each holder opens its own descriptor, so threads exclude each other too).
class FileLock {
public:
    explicit FileLock(const fs::path& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600))
    {
        if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~FileLock()
    {
        if (fd_ >= 0) ::close(fd_);  // closing releases the lock
    }
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    bool held() const { return fd_ >= 0; }

private:
    int fd_;
};

// The device directories in enumeration order (softskf.json: {"devices": ["dev0", ...]}).
std::optional<std::vector<fs::path>> deviceDirs()
{
    auto dir = stateDir();
    if (!dir) return std::nullopt;
    auto top = readJson(*dir / "softskf.json");
    if (!top || !top->contains("devices") || !(*top)["devices"].is_array()) return std::nullopt;
    std::vector<fs::path> out;
    for (const auto& d : (*top)["devices"]) {
        if (!d.is_string()) return std::nullopt;
        out.push_back(*dir / d.get<std::string>());
    }
    return out;
}

std::optional<Json> loadDevice(const fs::path& devDir)
{
    return readJson(devDir / "device.json");
}

// ---- faults ----------------------------------------------------------------------------------

bool namesCall(const Json& faults, const char* key, std::string_view call)
{
    auto it = faults.find(key);
    if (it == faults.end()) return false;
    if (it->is_string()) return it->get<std::string>() == call;
    if (it->is_array()) {
        return std::any_of(it->begin(), it->end(),
                           [&](const Json& v) { return v.is_string() && v.get<std::string>() == call; });
    }
    return false;
}

bool listed(const Json& faults, const char* key, const std::string& name)
{
    auto it = faults.find(key);
    if (it == faults.end() || !it->is_array()) return false;
    return std::any_of(it->begin(), it->end(),
                       [&](const Json& v) { return v.is_string() && v.get<std::string>() == name; });
}

// faults.json: missing = no faults; unreadable = every call fails (a typo must not turn faults off).
std::optional<Json> readFaults(bool& bad)
{
    bad = false;
    auto dir = stateDir();
    if (!dir) return std::nullopt;
    fs::path path = *dir / "faults.json";
    std::error_code ec;
    if (!fs::exists(path, ec)) return std::nullopt;
    auto j = readJson(path);
    if (!j || !j->is_object()) {
        std::fprintf(stderr, "softskf: %s is not a JSON object; every call fails\n", path.c_str());
        bad = true;
        return std::nullopt;
    }
    return j;
}

bool isRemoved(const std::string& device)
{
    bool bad = false;
    auto f = readFaults(bad);
    return f && listed(*f, "removed", device);
}

// Records devices as pulled out: their names join faults.json's "removed" list, so every process
// sees it and the test re-inserts them by rewriting the file.
void markRemoved(const std::vector<std::string>& names)
{
    auto dir = stateDir();
    if (!dir) return;
    FileLock lock(*dir / "faults.lock");
    bool bad = false;
    auto f = readFaults(bad);
    if (!f) return;
    Json& removed = (*f)["removed"];
    if (!removed.is_array()) removed = Json::array();
    for (const auto& n : names) {
        if (!listed(*f, "removed", n)) removed.push_back(n);
    }
    writeJson(*dir / "faults.json", *f);
}

std::vector<std::string> allDeviceNames()
{
    std::vector<std::string> out;
    if (auto dirs = deviceDirs()) {
        for (const auto& d : *dirs) {
            if (auto dev = loadDevice(d); dev && dev->contains("name"))
                out.push_back((*dev)["name"].get<std::string>());
        }
    }
    return out;
}

// Runs the configured faults for CALL about DEVICE ("" for a call about no device). SAR_OK means
// go on with the call.
ULONG faultGate(std::string_view call, const std::string& device)
{
    const auto start = std::chrono::steady_clock::now();
    for (;;) {
        bool bad = false;
        auto f = readFaults(bad);
        if (bad) return SAR_FAIL;
        if (!f) return SAR_OK;
        if (!device.empty() && listed(*f, "removed", device)) return SAR_DEVICE_REMOVED;
        bool applies = true;
        if (auto it = f->find("device"); it != f->end() && it->is_string()) {
            applies = !device.empty() && it->get<std::string>() == device;
        }
        if (!applies) return SAR_OK;
        if (namesCall(*f, "removeAt", call)) {
            markRemoved(device.empty() ? allDeviceNames() : std::vector<std::string> {device});
            return SAR_DEVICE_REMOVED;
        }
        if (namesCall(*f, "failAt", call)) {
            auto code = f->find("failCode");
            return code != f->end() && code->is_number_unsigned() ? code->get<ULONG>() : SAR_FAIL;
        }
        if (!namesCall(*f, "hangAt", call)) return SAR_OK;
        // Hang until the test clears the fault (then the call goes on), or hangMaxMs passes.
        if (auto max = f->find("hangMaxMs"); max != f->end() && max->is_number_unsigned()) {
            if (std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(max->get<uint64_t>())) {
                return SAR_FAIL;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

// ---- handles ---------------------------------------------------------------------------------

struct Device {
    fs::path dir;
    std::string name;
};
struct App {
    std::shared_ptr<Device> dev;
    std::string name;
    std::mutex m;
    bool userLoggedIn = false;
    bool adminLoggedIn = false;
};
struct Container {
    std::shared_ptr<App> app;
    std::string name;
};

// Handles are the objects' addresses, looked up here, so a stale or made-up handle is
// SAR_INVALIDHANDLEERR and never dereferenced.
struct Registry {
    std::mutex m;
    std::map<void*, std::shared_ptr<Device>> devices;
    std::map<void*, std::shared_ptr<App>> apps;
    std::map<void*, std::shared_ptr<Container>> containers;
};
Registry& registry()
{
    static Registry r;
    return r;
}

template <class T>
std::shared_ptr<T> lookup(std::map<void*, std::shared_ptr<T>>& map, void* handle)
{
    std::lock_guard lock(registry().m);
    auto it = map.find(handle);
    return it == map.end() ? nullptr : it->second;
}

std::optional<fs::path> findDeviceDir(const std::string& name)
{
    auto dirs = deviceDirs();
    if (!dirs) return std::nullopt;
    for (const auto& d : *dirs) {
        auto dev = loadDevice(d);
        if (dev && dev->value("name", "") == name) return d;
    }
    return std::nullopt;
}

Json* findNamed(Json& parent, const char* listKey, const std::string& name)
{
    auto it = parent.find(listKey);
    if (it == parent.end() || !it->is_array()) return nullptr;
    for (auto& item : *it) {
        if (item.value("name", "") == name) return &item;
    }
    return nullptr;
}

// A multi-string answer with the size-query convention. An empty list is two NULs, so a reader
// that looks for the double NUL stays inside the buffer.
ULONG putNameList(const std::vector<std::string>& names, LPSTR out, ULONG* size)
{
    std::string list;
    for (const auto& n : names) {
        list += n;
        list.push_back('\0');
    }
    list.push_back('\0');
    if (list.size() < 2) list.push_back('\0');
    const auto needed = static_cast<ULONG>(list.size());
    if (out == nullptr) {
        *size = needed;
        return SAR_OK;
    }
    if (*size < needed) {
        *size = needed;
        return SAR_BUFFER_TOO_SMALL;
    }
    std::copy(list.begin(), list.end(), out);  // a multi-string: NULs inside and at the end
    *size = needed;
    return SAR_OK;
}

ULONG putBytes(const void* data, size_t len, BYTE* out, ULONG* outLen)
{
    const auto needed = static_cast<ULONG>(len);
    if (out == nullptr) {
        *outLen = needed;
        return SAR_OK;
    }
    if (*outLen < needed) {
        *outLen = needed;
        return SAR_BUFFER_TOO_SMALL;
    }
    std::memcpy(out, data, len);
    *outLen = needed;
    return SAR_OK;
}

// The device and its state file locked for a read-modify-write.
struct LockedDevice {
    std::unique_ptr<FileLock> lock;
    Json dev;
};
std::optional<LockedDevice> lockDevice(const Device& d)
{
    auto lock = std::make_unique<FileLock>(d.dir / "lock");
    if (!lock->held()) return std::nullopt;
    auto dev = loadDevice(d.dir);
    if (!dev) return std::nullopt;
    return LockedDevice {std::move(lock), std::move(*dev)};
}

// Gate + handle lookups shared by the application and container calls.
struct AppCall {
    std::shared_ptr<App> app;
    ULONG rv = SAR_OK;
};
AppCall enterApp(std::string_view call, HAPPLICATION h)
{
    AppCall c;
    c.app = lookup(registry().apps, h);
    if (!c.app) {
        c.rv = SAR_INVALIDHANDLEERR;
        return c;
    }
    c.rv = faultGate(call, c.app->dev->name);
    return c;
}
struct ContainerCall {
    std::shared_ptr<Container> con;
    ULONG rv = SAR_OK;
};
ContainerCall enterContainer(std::string_view call, HCONTAINER h)
{
    ContainerCall c;
    c.con = lookup(registry().containers, h);
    if (!c.con) {
        c.rv = SAR_INVALIDHANDLEERR;
        return c;
    }
    c.rv = faultGate(call, c.con->app->dev->name);
    return c;
}

// ---- PINs ------------------------------------------------------------------------------------

// Test library: PINs are stored in plain text in device.json (README.md says so).
bool pinEquals(const Json& pinState, const char* pin)
{
    const std::string& stored = pinState["pin"].get_ref<const std::string&>();
    const size_t len = std::strlen(pin);
    return len == stored.size() && CRYPTO_memcmp(stored.data(), pin, len) == 0;
}

// Checks PIN against one counter: exact count down, lock at 0, reset on success.
ULONG checkPin(Json& pinState, const char* pin, ULONG* retry)
{
    auto remaining = pinState["remaining"].get<ULONG>();
    const auto max = pinState["maxRetry"].get<ULONG>();
    if (remaining == 0) {
        *retry = 0;
        return SAR_PIN_LOCKED;
    }
    if (pinEquals(pinState, pin)) {
        pinState["remaining"] = max;
        *retry = max;
        return SAR_OK;
    }
    remaining -= 1;
    pinState["remaining"] = remaining;
    *retry = remaining;
    // The try that uses up the last retry is still "incorrect"; later tries say "locked".
    return SAR_PIN_INCORRECT;
}

const char* pinKey(ULONG type)
{
    if (type == USER_TYPE) return "user";
    if (type == ADMIN_TYPE) return "admin";
    return nullptr;
}

bool pinLengthOk(const Json& app, const char* pin)
{
    const size_t len = std::strlen(pin);
    return len >= app.value("minPinLength", 6U) && len <= app.value("maxPinLength", 16U);
}

// ---- online unlock (vendor extension) ---------------------------------------------------------

// The key's unlock secret is shared with the CA's server (tools/pki/provision-skf.py writes both);
// the server answers a challenge with HMAC-SM3(secret, challenge). Test library: the secret is
// stored in plain text in device.json, as the PINs are.
constexpr size_t kUnlockChallengeBytes = 16;
constexpr size_t kUnlockResponseBytes = 32;  // SM3's output

std::string toHex(const unsigned char* data, size_t len)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (size_t i = 0; i < len; ++i) {
        out.push_back(kDigits[data[i] >> 4]);
        out.push_back(kDigits[data[i] & 0x0F]);
    }
    return out;
}

std::optional<std::vector<unsigned char>> fromHex(const std::string& hex)
{
    if (hex.size() % 2 != 0) return std::nullopt;
    std::vector<unsigned char> out;
    out.reserve(hex.size() / 2);
    for (size_t i = 0; i < hex.size(); i += 2) {
        unsigned value = 0;
        for (char ch : {hex[i], hex[i + 1]}) {
            const int digit = std::isdigit(static_cast<unsigned char>(ch)) != 0 ? ch - '0'
                              : (ch >= 'a' && ch <= 'f')                        ? ch - 'a' + 10
                              : (ch >= 'A' && ch <= 'F')                        ? ch - 'A' + 10
                                                                                : -1;
            if (digit < 0) return std::nullopt;
            value = value * 16 + static_cast<unsigned>(digit);
        }
        out.push_back(static_cast<unsigned char>(value));
    }
    return out;
}

// HMAC-SM3(secret, challenge): what the CA's server answers.
std::optional<std::vector<unsigned char>> unlockResponse(const std::vector<unsigned char>& secret,
                                                         const std::vector<unsigned char>& challenge)
{
    std::vector<unsigned char> mac(kUnlockResponseBytes);
    size_t len = 0;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SM3", nullptr, secret.data(), secret.size(), challenge.data(),
                  challenge.size(), mac.data(), mac.size(), &len) == nullptr ||
        len != kUnlockResponseBytes) {
        return std::nullopt;
    }
    return mac;
}

// ---- keys ------------------------------------------------------------------------------------

PkeyPtr loadPrivateKey(const fs::path& path)
{
    BioPtr bio(BIO_new_file(path.c_str(), "rb"));
    if (!bio) return nullptr;
    return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

bool writePrivateKey(const fs::path& path, EVP_PKEY* key)
{
    BioPtr bio(BIO_new_file(path.c_str(), "wb"));
    return bio && PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
}

X509Ptr parseCertificate(const std::string& der)
{
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (cert && p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) return nullptr;
    return cert;
}

// The container's public key: from its key file, else from its certificate.
PkeyPtr containerPublicKey(const fs::path& devDir, const Json& con, bool sign)
{
    const char* keyField = sign ? "signKey" : "encKey";
    const char* certField = sign ? "signCert" : "encCert";
    if (con.contains(keyField) && con[keyField].is_string()) {
        return loadPrivateKey(devDir / con[keyField].get<std::string>());
    }
    if (con.contains(certField) && con[certField].is_string()) {
        auto der = readFile(devDir / con[certField].get<std::string>());
        if (!der) return nullptr;
        auto cert = parseCertificate(*der);
        if (!cert) return nullptr;
        return PkeyPtr(X509_get_pubkey(cert.get()));
    }
    return nullptr;
}

bool bnParam(const EVP_PKEY* key, const char* name, BYTE* out, size_t width)
{
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return false;
    BnPtr bn(raw);
    return BN_bn2binpad(bn.get(), out, static_cast<int>(width)) == static_cast<int>(width);
}

bool eccBlob(const EVP_PKEY* key, ECCPUBLICKEYBLOB* blob)
{
    std::memset(blob, 0, sizeof(*blob));
    blob->BitLen = 256;
    return bnParam(key, OSSL_PKEY_PARAM_EC_PUB_X, blob->XCoordinate + 32, 32) &&
           bnParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, blob->YCoordinate + 32, 32);
}

bool rsaBlob(const EVP_PKEY* key, RSAPUBLICKEYBLOB* blob)
{
    std::memset(blob, 0, sizeof(*blob));
    const int bits = EVP_PKEY_get_bits(key);
    if (bits <= 0 || bits > MAX_RSA_MODULUS_LEN * 8 || bits % 8 != 0) return false;
    blob->AlgID = SGD_RSA;
    blob->BitLen = static_cast<ULONG>(bits);
    const size_t len = static_cast<size_t>(bits) / 8;
    return bnParam(key, OSSL_PKEY_PARAM_RSA_N, blob->Modulus + (MAX_RSA_MODULUS_LEN - len), len) &&
           bnParam(key, OSSL_PKEY_PARAM_RSA_E, blob->PublicExponent, MAX_RSA_EXPONENT_LEN);
}

ULONG containerType(const Json& con)
{
    const std::string type = con.value("type", "");
    if (type == "ECC") return SKF_CONTAINER_ECC;
    if (type == "RSA") return SKF_CONTAINER_RSA;
    return SKF_CONTAINER_EMPTY;
}

// Loads the container's description (no lock: the file is replaced atomically).
std::optional<Json> loadContainer(const Container& c)
{
    auto dev = loadDevice(c.app->dev->dir);
    if (!dev) return std::nullopt;
    Json* app = findNamed(*dev, "applications", c.app->name);
    if (app == nullptr) return std::nullopt;
    Json* con = findNamed(*app, "containers", c.name);
    if (con == nullptr) return std::nullopt;
    return *con;
}

bool userLoggedIn(App& app)
{
    std::lock_guard lock(app.m);
    return app.userLoggedIn;
}

// A file name for generated or imported material, unique per container and role.
std::string materialName(const std::string& container, const char* role)
{
    std::string safe;
    for (char ch : container) safe.push_back(std::isalnum(static_cast<unsigned char>(ch)) != 0 ? ch : '_');
    return safe + "." + role;
}

// Stores a new key pair as the container's signing key (drops the old signing certificate,
// which no longer matches).
ULONG storeNewSigningKey(const Container& c, EVP_PKEY* key, const char* type)
{
    auto locked = lockDevice(*c.app->dev);
    if (!locked) return SAR_FILEERR;
    Json* app = findNamed(locked->dev, "applications", c.app->name);
    Json* con = app == nullptr ? nullptr : findNamed(*app, "containers", c.name);
    if (con == nullptr) return SAR_INVALIDHANDLEERR;
    const std::string file = materialName(c.name, "sign.generated.key.pem");
    if (!writePrivateKey(c.app->dev->dir / file, key)) return SAR_WRITEFILEERR;
    // An encryption pair of the other algorithm cannot stay in the container.
    if (con->value("type", "") != type) {
        con->erase("encKey");
        con->erase("encCert");
    }
    (*con)["type"] = type;
    (*con)["signKey"] = file;
    con->erase("signCert");
    return writeJson(c.app->dev->dir / "device.json", locked->dev) ? SAR_OK : SAR_WRITEFILEERR;
}

void copyField(CHAR* field, size_t width, const std::string& value)
{
    std::memset(field, 0, width);
    std::copy_n(value.begin(), std::min(value.size(), width - 1), field);  // the memset left the NUL
}

// The calls are C: no exception may leave them. A state file of the wrong shape (a test edited
// it) is SAR_FILEERR, not a crash.
ULONG exceptionCode() noexcept
{
    try {
        throw;
    } catch (const Json::exception&) {
        return SAR_FILEERR;
    } catch (const std::bad_alloc&) {
        return SAR_MEMORYERR;
    } catch (...) {
        return SAR_FAIL;
    }
}

}  // namespace

// ---- exported calls --------------------------------------------------------------------------

extern "C" {

ULONG SKF_API SKF_EnumDev(BOOL bPresent, LPSTR szNameList, ULONG* pulSize)
try {
    if (pulSize == nullptr) return SAR_INVALIDPARAMERR;
    if (ULONG rv = faultGate("SKF_EnumDev", ""); rv != SAR_OK) return rv;
    auto dirs = deviceDirs();
    if (!dirs) return SAR_FAIL;
    std::vector<std::string> names;
    for (const auto& d : *dirs) {
        auto dev = loadDevice(d);
        if (!dev) return SAR_FILEERR;
        std::string name = dev->value("name", "");
        if (bPresent != FALSE && isRemoved(name)) continue;
        names.push_back(std::move(name));
    }
    return putNameList(names, szNameList, pulSize);
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_GetDevState(LPSTR szDevName, ULONG* pulDevState)
try {
    if (szDevName == nullptr || pulDevState == nullptr) return SAR_INVALIDPARAMERR;
    const std::string name(szDevName);
    if (ULONG rv = faultGate("SKF_GetDevState", name); rv != SAR_OK && rv != SAR_DEVICE_REMOVED) return rv;
    *pulDevState = findDeviceDir(name) && !isRemoved(name) ? DEV_PRESENT_STATE : DEV_ABSENT_STATE;
    return SAR_OK;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_ConnectDev(LPSTR szName, DEVHANDLE* phDev)
try {
    if (szName == nullptr || phDev == nullptr) return SAR_INVALIDPARAMERR;
    const std::string name(szName);
    if (ULONG rv = faultGate("SKF_ConnectDev", name); rv != SAR_OK) return rv;
    auto dir = findDeviceDir(name);
    if (!dir) return SAR_INVALIDPARAMERR;
    auto dev = std::make_shared<Device>(Device {*dir, name});
    std::lock_guard lock(registry().m);
    registry().devices.emplace(dev.get(), dev);
    *phDev = dev.get();
    return SAR_OK;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_DisConnectDev(DEVHANDLE hDev)
try {
    auto dev = lookup(registry().devices, hDev);
    if (!dev) return SAR_INVALIDHANDLEERR;
    // Disconnecting frees the handle even when the device is gone, as a real library must.
    const ULONG rv = faultGate("SKF_DisConnectDev", dev->name);
    std::lock_guard lock(registry().m);
    std::erase_if(registry().containers, [&](const auto& kv) { return kv.second->app->dev == dev; });
    std::erase_if(registry().apps, [&](const auto& kv) { return kv.second->dev == dev; });
    registry().devices.erase(hDev);
    return rv == SAR_DEVICE_REMOVED ? SAR_OK : rv;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_GetDevInfo(DEVHANDLE hDev, DEVINFO* pDevInfo)
try {
    auto dev = lookup(registry().devices, hDev);
    if (!dev) return SAR_INVALIDHANDLEERR;
    if (pDevInfo == nullptr) return SAR_INVALIDPARAMERR;
    if (ULONG rv = faultGate("SKF_GetDevInfo", dev->name); rv != SAR_OK) return rv;
    auto j = loadDevice(dev->dir);
    if (!j) return SAR_FILEERR;
    std::memset(pDevInfo, 0, sizeof(*pDevInfo));
    pDevInfo->Version = {1, 0};
    copyField(pDevInfo->Manufacturer, sizeof(pDevInfo->Manufacturer), j->value("manufacturer", ""));
    copyField(pDevInfo->Issuer, sizeof(pDevInfo->Issuer), j->value("issuer", ""));
    copyField(pDevInfo->Label, sizeof(pDevInfo->Label), j->value("label", ""));
    copyField(pDevInfo->SerialNumber, sizeof(pDevInfo->SerialNumber), j->value("serial", ""));
    pDevInfo->HWVersion = {1, 0};
    pDevInfo->FirmwareVersion = {1, 0};
    pDevInfo->AlgSymCap = 0;
    pDevInfo->AlgAsymCap = SGD_RSA | j->value("sm2AlgId", SKF_SGD_FAMILY_A_SM2_1);
    pDevInfo->AlgHashCap = SGD_SM3 | SGD_SHA1 | SGD_SHA256;
    pDevInfo->DevAuthAlgId = 0;
    pDevInfo->TotalSpace = j->value("totalSpace", 65536U);
    pDevInfo->FreeSpace = j->value("freeSpace", 32768U);
    pDevInfo->MaxECCBufferSize = 1024;
    pDevInfo->MaxBufferSize = 2048;
    return SAR_OK;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_GenRandom(DEVHANDLE hDev, BYTE* pbRandom, ULONG ulRandomLen)
try {
    auto dev = lookup(registry().devices, hDev);
    if (!dev) return SAR_INVALIDHANDLEERR;
    if (pbRandom == nullptr || ulRandomLen == 0) return SAR_INVALIDPARAMERR;
    if (ULONG rv = faultGate("SKF_GenRandom", dev->name); rv != SAR_OK) return rv;
    return RAND_bytes(pbRandom, static_cast<int>(ulRandomLen)) == 1 ? SAR_OK : SAR_GENRANDERR;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_EnumApplication(DEVHANDLE hDev, LPSTR szAppName, ULONG* pulSize)
try {
    auto dev = lookup(registry().devices, hDev);
    if (!dev) return SAR_INVALIDHANDLEERR;
    if (pulSize == nullptr) return SAR_INVALIDPARAMERR;
    if (ULONG rv = faultGate("SKF_EnumApplication", dev->name); rv != SAR_OK) return rv;
    auto j = loadDevice(dev->dir);
    if (!j) return SAR_FILEERR;
    std::vector<std::string> names;
    for (const auto& app : j->value("applications", Json::array())) names.push_back(app.value("name", ""));
    return putNameList(names, szAppName, pulSize);
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_OpenApplication(DEVHANDLE hDev, LPSTR szAppName, HAPPLICATION* phApplication)
try {
    auto dev = lookup(registry().devices, hDev);
    if (!dev) return SAR_INVALIDHANDLEERR;
    if (szAppName == nullptr || phApplication == nullptr) return SAR_INVALIDPARAMERR;
    if (ULONG rv = faultGate("SKF_OpenApplication", dev->name); rv != SAR_OK) return rv;
    auto j = loadDevice(dev->dir);
    if (!j) return SAR_FILEERR;
    if (findNamed(*j, "applications", szAppName) == nullptr) return SAR_APPLICATION_NOT_EXISTS;
    auto app = std::make_shared<App>();
    app->dev = dev;
    app->name = szAppName;
    std::lock_guard lock(registry().m);
    registry().apps.emplace(app.get(), app);
    *phApplication = app.get();
    return SAR_OK;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_CloseApplication(HAPPLICATION hApplication)
try {
    auto app = lookup(registry().apps, hApplication);
    if (!app) return SAR_INVALIDHANDLEERR;
    const ULONG rv = faultGate("SKF_CloseApplication", app->dev->name);
    std::lock_guard lock(registry().m);
    std::erase_if(registry().containers, [&](const auto& kv) { return kv.second->app == app; });
    registry().apps.erase(hApplication);
    return rv == SAR_DEVICE_REMOVED ? SAR_OK : rv;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_GetPINInfo(HAPPLICATION hApplication, ULONG ulPINType, ULONG* pulMaxRetryCount,
                             ULONG* pulRemainRetryCount, BOOL* pbDefaultPin)
try {
    auto c = enterApp("SKF_GetPINInfo", hApplication);
    if (c.rv != SAR_OK) return c.rv;
    if (pulMaxRetryCount == nullptr || pulRemainRetryCount == nullptr || pbDefaultPin == nullptr) {
        return SAR_INVALIDPARAMERR;
    }
    const char* key = pinKey(ulPINType);
    if (key == nullptr) return SAR_USER_TYPE_INVALID;
    auto j = loadDevice(c.app->dev->dir);
    if (!j) return SAR_FILEERR;
    Json* app = findNamed(*j, "applications", c.app->name);
    if (app == nullptr) return SAR_APPLICATION_NOT_EXISTS;
    const Json& pin = (*app)[key];
    *pulMaxRetryCount = pin["maxRetry"].get<ULONG>();
    *pulRemainRetryCount = pin["remaining"].get<ULONG>();
    *pbDefaultPin = pin.value("default", false) ? TRUE : FALSE;
    return SAR_OK;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_VerifyPIN(HAPPLICATION hApplication, ULONG ulPINType, LPSTR szPIN, ULONG* pulRetryCount)
try {
    auto c = enterApp("SKF_VerifyPIN", hApplication);
    if (c.rv != SAR_OK) return c.rv;
    if (szPIN == nullptr || *szPIN == '\0' || pulRetryCount == nullptr) return SAR_INVALIDPARAMERR;
    const char* key = pinKey(ulPINType);
    if (key == nullptr) return SAR_USER_TYPE_INVALID;
    auto locked = lockDevice(*c.app->dev);
    if (!locked) return SAR_FILEERR;
    Json* app = findNamed(locked->dev, "applications", c.app->name);
    if (app == nullptr) return SAR_APPLICATION_NOT_EXISTS;
    const ULONG rv = checkPin((*app)[key], szPIN, pulRetryCount);
    if (rv != SAR_PIN_LOCKED && !writeJson(c.app->dev->dir / "device.json", locked->dev)) return SAR_WRITEFILEERR;
    std::lock_guard lock(c.app->m);
    bool& flag = ulPINType == USER_TYPE ? c.app->userLoggedIn : c.app->adminLoggedIn;
    flag = rv == SAR_OK;
    return rv;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_ChangePIN(HAPPLICATION hApplication, ULONG ulPINType, LPSTR szOldPin, LPSTR szNewPin,
                            ULONG* pulRetryCount)
try {
    auto c = enterApp("SKF_ChangePIN", hApplication);
    if (c.rv != SAR_OK) return c.rv;
    if (szOldPin == nullptr || szNewPin == nullptr || *szOldPin == '\0' || pulRetryCount == nullptr) {
        return SAR_INVALIDPARAMERR;
    }
    const char* key = pinKey(ulPINType);
    if (key == nullptr) return SAR_USER_TYPE_INVALID;
    auto locked = lockDevice(*c.app->dev);
    if (!locked) return SAR_FILEERR;
    Json* app = findNamed(locked->dev, "applications", c.app->name);
    if (app == nullptr) return SAR_APPLICATION_NOT_EXISTS;
    // A new PIN the key would refuse is refused before the old one is tried (no retry spent).
    if (!pinLengthOk(*app, szNewPin)) return SAR_PIN_LEN_RANGE;
    Json& pin = (*app)[key];
    const ULONG rv = checkPin(pin, szOldPin, pulRetryCount);
    if (rv == SAR_PIN_LOCKED) return rv;
    if (rv == SAR_OK) {
        pin["pin"] = std::string(szNewPin);
        pin["default"] = false;
    }
    if (!writeJson(c.app->dev->dir / "device.json", locked->dev)) return SAR_WRITEFILEERR;
    return rv;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_UnblockPIN(HAPPLICATION hApplication, LPSTR szAdminPIN, LPSTR szNewUserPIN, ULONG* pulRetryCount)
try {
    auto c = enterApp("SKF_UnblockPIN", hApplication);
    if (c.rv != SAR_OK) return c.rv;
    if (szAdminPIN == nullptr || szNewUserPIN == nullptr || *szAdminPIN == '\0' || pulRetryCount == nullptr) {
        return SAR_INVALIDPARAMERR;
    }
    auto locked = lockDevice(*c.app->dev);
    if (!locked) return SAR_FILEERR;
    Json* app = findNamed(locked->dev, "applications", c.app->name);
    if (app == nullptr) return SAR_APPLICATION_NOT_EXISTS;
    if (!pinLengthOk(*app, szNewUserPIN)) return SAR_PIN_LEN_RANGE;
    const ULONG rv = checkPin((*app)["admin"], szAdminPIN, pulRetryCount);
    if (rv == SAR_PIN_LOCKED) return rv;
    if (rv == SAR_OK) {
        Json& user = (*app)["user"];
        user["pin"] = std::string(szNewUserPIN);
        user["remaining"] = user["maxRetry"];
        user["default"] = false;
    }
    if (!writeJson(c.app->dev->dir / "device.json", locked->dev)) return SAR_WRITEFILEERR;
    return rv;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_ClearSecureState(HAPPLICATION hApplication)
try {
    auto c = enterApp("SKF_ClearSecureState", hApplication);
    if (c.rv != SAR_OK) return c.rv;
    std::lock_guard lock(c.app->m);
    c.app->userLoggedIn = false;
    c.app->adminLoggedIn = false;
    return SAR_OK;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_EnumContainer(HAPPLICATION hApplication, LPSTR szContainerName, ULONG* pulSize)
try {
    auto c = enterApp("SKF_EnumContainer", hApplication);
    if (c.rv != SAR_OK) return c.rv;
    if (pulSize == nullptr) return SAR_INVALIDPARAMERR;
    auto j = loadDevice(c.app->dev->dir);
    if (!j) return SAR_FILEERR;
    Json* app = findNamed(*j, "applications", c.app->name);
    if (app == nullptr) return SAR_APPLICATION_NOT_EXISTS;
    std::vector<std::string> names;
    for (const auto& con : app->value("containers", Json::array())) names.push_back(con.value("name", ""));
    return putNameList(names, szContainerName, pulSize);
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_OpenContainer(HAPPLICATION hApplication, LPSTR szContainerName, HCONTAINER* phContainer)
try {
    auto c = enterApp("SKF_OpenContainer", hApplication);
    if (c.rv != SAR_OK) return c.rv;
    if (szContainerName == nullptr || phContainer == nullptr) return SAR_INVALIDPARAMERR;
    auto j = loadDevice(c.app->dev->dir);
    if (!j) return SAR_FILEERR;
    Json* app = findNamed(*j, "applications", c.app->name);
    if (app == nullptr) return SAR_APPLICATION_NOT_EXISTS;
    if (findNamed(*app, "containers", szContainerName) == nullptr) return SAR_INVALIDPARAMERR;
    auto con = std::make_shared<Container>(Container {c.app, szContainerName});
    std::lock_guard lock(registry().m);
    registry().containers.emplace(con.get(), con);
    *phContainer = con.get();
    return SAR_OK;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_CloseContainer(HCONTAINER hContainer)
try {
    auto con = lookup(registry().containers, hContainer);
    if (!con) return SAR_INVALIDHANDLEERR;
    const ULONG rv = faultGate("SKF_CloseContainer", con->app->dev->name);
    std::lock_guard lock(registry().m);
    registry().containers.erase(hContainer);
    return rv == SAR_DEVICE_REMOVED ? SAR_OK : rv;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_GetContainerType(HCONTAINER hContainer, ULONG* pulContainerType)
try {
    auto c = enterContainer("SKF_GetContainerType", hContainer);
    if (c.rv != SAR_OK) return c.rv;
    if (pulContainerType == nullptr) return SAR_INVALIDPARAMERR;
    auto con = loadContainer(*c.con);
    if (!con) return SAR_FILEERR;
    *pulContainerType = containerType(*con);
    return SAR_OK;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_ExportCertificate(HCONTAINER hContainer, BOOL bSignFlag, BYTE* pbCert, ULONG* pulCertLen)
try {
    auto c = enterContainer("SKF_ExportCertificate", hContainer);
    if (c.rv != SAR_OK) return c.rv;
    if (pulCertLen == nullptr) return SAR_INVALIDPARAMERR;
    auto con = loadContainer(*c.con);
    if (!con) return SAR_FILEERR;
    const char* field = bSignFlag != FALSE ? "signCert" : "encCert";
    if (!con->contains(field) || !(*con)[field].is_string()) return SAR_CERTNOTFOUNTERR;
    const fs::path path = c.con->app->dev->dir / con->at(field).get<std::string>();
    const std::optional<std::string> der = readFile(path);
    if (!der) return SAR_READFILEERR;
    const std::string& bytes = *der;
    return putBytes(bytes.data(), bytes.size(), pbCert, pulCertLen);
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_ImportCertificate(HCONTAINER hContainer, BOOL bSignFlag, BYTE* pbCert, ULONG ulCertLen)
try {
    auto c = enterContainer("SKF_ImportCertificate", hContainer);
    if (c.rv != SAR_OK) return c.rv;
    if (pbCert == nullptr || ulCertLen == 0) return SAR_INVALIDPARAMERR;
    if (!userLoggedIn(*c.con->app)) return SAR_USER_NOT_LOGGED_IN;
    const std::string der(reinterpret_cast<const char*>(pbCert), ulCertLen);
    auto cert = parseCertificate(der);
    if (!cert) return SAR_INVALIDPARAMERR;
    const bool sign = bSignFlag != FALSE;
    auto locked = lockDevice(*c.con->app->dev);
    if (!locked) return SAR_FILEERR;
    const fs::path& dir = c.con->app->dev->dir;
    Json* app = findNamed(locked->dev, "applications", c.con->app->name);
    Json* con = app == nullptr ? nullptr : findNamed(*app, "containers", c.con->name);
    if (con == nullptr) return SAR_INVALIDHANDLEERR;
    // A signing certificate must belong to the container's signing key.
    if (sign && con->contains("signKey")) {
        auto key = loadPrivateKey(dir / (*con)["signKey"].get<std::string>());
        EVP_PKEY* certKey = X509_get0_pubkey(cert.get());
        if (!key || certKey == nullptr || EVP_PKEY_eq(key.get(), certKey) != 1) return SAR_INVALIDPARAMERR;
    }
    const std::string file = materialName(c.con->name, sign ? "sign.imported.der" : "enc.imported.der");
    {
        std::ofstream out(dir / file, std::ios::binary | std::ios::trunc);
        if (!out || !out.write(der.data(), static_cast<std::streamsize>(der.size()))) return SAR_WRITEFILEERR;
    }
    (*con)[sign ? "signCert" : "encCert"] = file;
    return writeJson(dir / "device.json", locked->dev) ? SAR_OK : SAR_WRITEFILEERR;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_ExportPublicKey(HCONTAINER hContainer, BOOL bSignFlag, BYTE* pbBlob, ULONG* pulBlobLen)
try {
    auto c = enterContainer("SKF_ExportPublicKey", hContainer);
    if (c.rv != SAR_OK) return c.rv;
    if (pulBlobLen == nullptr) return SAR_INVALIDPARAMERR;
    auto con = loadContainer(*c.con);
    if (!con) return SAR_FILEERR;
    const ULONG type = containerType(*con);
    if (type == SKF_CONTAINER_EMPTY) return SAR_KEYNOTFOUNTERR;
    auto key = containerPublicKey(c.con->app->dev->dir, *con, bSignFlag != FALSE);
    if (!key) return SAR_KEYNOTFOUNTERR;
    if (type == SKF_CONTAINER_ECC) {
        ECCPUBLICKEYBLOB blob;
        if (!eccBlob(key.get(), &blob)) return SAR_FAIL;
        return putBytes(&blob, sizeof(blob), pbBlob, pulBlobLen);
    }
    RSAPUBLICKEYBLOB blob;
    if (!rsaBlob(key.get(), &blob)) return SAR_FAIL;
    return putBytes(&blob, sizeof(blob), pbBlob, pulBlobLen);
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_ECCSignData(HCONTAINER hContainer, BYTE* pbDigest, ULONG ulDigestLen, PECCSIGNATUREBLOB pSignature)
try {
    auto c = enterContainer("SKF_ECCSignData", hContainer);
    if (c.rv != SAR_OK) return c.rv;
    if (pbDigest == nullptr || pSignature == nullptr) return SAR_INVALIDPARAMERR;
    if (ulDigestLen != 32) return SAR_INDATALENERR;
    if (!userLoggedIn(*c.con->app)) return SAR_USER_NOT_LOGGED_IN;
    auto con = loadContainer(*c.con);
    if (!con) return SAR_FILEERR;
    if (containerType(*con) != SKF_CONTAINER_ECC || !con->contains("signKey")) return SAR_KEYNOTFOUNTERR;
    auto key = loadPrivateKey(c.con->app->dev->dir / (*con)["signKey"].get<std::string>());
    if (!key) return SAR_KEYNOTFOUNTERR;
    // EVP_PKEY_sign over an SM2 key signs its input as the digest e: no second hash.
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1) return SAR_FAIL;
    std::vector<unsigned char> der(static_cast<size_t>(EVP_PKEY_get_size(key.get())));
    size_t derLen = der.size();
    if (EVP_PKEY_sign(ctx.get(), der.data(), &derLen, pbDigest, ulDigestLen) != 1) return SAR_FAIL;
    const unsigned char* p = der.data();
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(derLen)));
    if (!sig) return SAR_FAIL;
    std::memset(pSignature, 0, sizeof(*pSignature));
    if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), pSignature->r + 32, 32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), pSignature->s + 32, 32) != 32) {
        return SAR_FAIL;
    }
    return SAR_OK;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_RSASignData(HCONTAINER hContainer, BYTE* pbData, ULONG ulDataLen, BYTE* pbSignature,
                              ULONG* pulSignLen)
try {
    auto c = enterContainer("SKF_RSASignData", hContainer);
    if (c.rv != SAR_OK) return c.rv;
    if (pbData == nullptr || ulDataLen == 0 || pulSignLen == nullptr) return SAR_INVALIDPARAMERR;
    if (!userLoggedIn(*c.con->app)) return SAR_USER_NOT_LOGGED_IN;
    auto con = loadContainer(*c.con);
    if (!con) return SAR_FILEERR;
    if (containerType(*con) != SKF_CONTAINER_RSA || !con->contains("signKey")) return SAR_KEYNOTFOUNTERR;
    auto key = loadPrivateKey(c.con->app->dev->dir / (*con)["signKey"].get<std::string>());
    if (!key) return SAR_KEYNOTFOUNTERR;
    const auto k = static_cast<size_t>(EVP_PKEY_get_size(key.get()));
    if (ulDataLen > k - 11) return SAR_INDATALENERR;  // PKCS#1 v1.5 needs 11 bytes of padding
    if (pbSignature == nullptr) {
        *pulSignLen = static_cast<ULONG>(k);
        return SAR_OK;
    }
    if (*pulSignLen < k) {
        *pulSignLen = static_cast<ULONG>(k);
        return SAR_BUFFER_TOO_SMALL;
    }
    // No signature digest set: OpenSSL pads the data as given (block type 1) and signs it.
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
        return SAR_FAIL;
    }
    size_t len = k;
    if (EVP_PKEY_sign(ctx.get(), pbSignature, &len, pbData, ulDataLen) != 1) return SAR_FAIL;
    *pulSignLen = static_cast<ULONG>(len);
    return SAR_OK;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_GenECCKeyPair(HCONTAINER hContainer, ULONG ulAlgId, ECCPUBLICKEYBLOB* pBlob)
try {
    auto c = enterContainer("SKF_GenECCKeyPair", hContainer);
    if (c.rv != SAR_OK) return c.rv;
    if (pBlob == nullptr) return SAR_INVALIDPARAMERR;
    // Either family's number for the SM2 signature algorithm (skf.h).
    if (ulAlgId != SKF_SGD_FAMILY_A_SM2_1 && ulAlgId != SKF_SGD_FAMILY_B_SM2_1) return SAR_NOTSUPPORTYETERR;
    if (!userLoggedIn(*c.con->app)) return SAR_USER_NOT_LOGGED_IN;
    PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2"));
    if (!key || !eccBlob(key.get(), pBlob)) return SAR_FAIL;
    return storeNewSigningKey(*c.con, key.get(), "ECC");
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_GenRSAKeyPair(HCONTAINER hContainer, ULONG ulBitsLen, RSAPUBLICKEYBLOB* pBlob)
try {
    auto c = enterContainer("SKF_GenRSAKeyPair", hContainer);
    if (c.rv != SAR_OK) return c.rv;
    if (pBlob == nullptr) return SAR_INVALIDPARAMERR;
    if (ulBitsLen != 1024 && ulBitsLen != 2048) return SAR_MODULUSLENERR;
    if (!userLoggedIn(*c.con->app)) return SAR_USER_NOT_LOGGED_IN;
    PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(ulBitsLen)));
    if (!key) return SAR_GENRSAKEYERR;
    if (!rsaBlob(key.get(), pBlob)) return SAR_FAIL;
    return storeNewSigningKey(*c.con, key.get(), "RSA");
} catch (...) {
    return exceptionCode();
}

// ---- vendor extension: online unlock (not GM/T 0016; named as a vendor names its own calls) ----

// A fresh random challenge for the application's user-PIN unlock, replacing any earlier one.
// pbChallenge NULL: *pulLen = its size, no challenge is made. SAR_NOTSUPPORTYETERR for a device
// provisioned without an unlock secret; SAR_PIN_LOCKED once refused responses used up the tries.
ULONG SKF_API SKFX_GetUnblockChallenge(HAPPLICATION hApplication, BYTE* pbChallenge, ULONG* pulChallengeLen)
try {
    auto c = enterApp("SKFX_GetUnblockChallenge", hApplication);
    if (c.rv != SAR_OK) return c.rv;
    if (pulChallengeLen == nullptr) return SAR_INVALIDPARAMERR;
    auto locked = lockDevice(*c.app->dev);
    if (!locked) return SAR_FILEERR;
    auto unlock = locked->dev.find("unlock");
    if (unlock == locked->dev.end() || !unlock->is_object()) return SAR_NOTSUPPORTYETERR;
    Json* app = findNamed(locked->dev, "applications", c.app->name);
    if (app == nullptr) return SAR_APPLICATION_NOT_EXISTS;
    if ((*unlock)["remaining"].get<ULONG>() == 0) return SAR_PIN_LOCKED;
    if (pbChallenge == nullptr) {
        *pulChallengeLen = static_cast<ULONG>(kUnlockChallengeBytes);
        return SAR_OK;
    }
    if (*pulChallengeLen < kUnlockChallengeBytes) {
        *pulChallengeLen = static_cast<ULONG>(kUnlockChallengeBytes);
        return SAR_BUFFER_TOO_SMALL;
    }
    std::array<unsigned char, kUnlockChallengeBytes> challenge {};
    if (RAND_bytes(challenge.data(), static_cast<int>(challenge.size())) != 1) return SAR_GENRANDERR;
    (*app)["unlockChallenge"] = toHex(challenge.data(), challenge.size());
    if (!writeJson(c.app->dev->dir / "device.json", locked->dev)) return SAR_WRITEFILEERR;
    std::memcpy(pbChallenge, challenge.data(), challenge.size());
    *pulChallengeLen = static_cast<ULONG>(challenge.size());
    return SAR_OK;
} catch (...) {
    return exceptionCode();
}

// Answers the application's latest challenge: a right response (HMAC-SM3 of the challenge under
// the device's unlock secret) sets the user PIN to szNewUserPIN, its counter to the maximum, and
// refills the response counter. The challenge is spent by any answer that is tried, right or
// wrong; a response with no challenge outstanding (a replay) is wrong. A wrong one counts down the
// response counter (*pulRetryCount = tries left, SAR_PIN_INCORRECT); at 0 SAR_PIN_LOCKED, nothing
// counted. A new PIN outside the application's length range: SAR_PIN_LEN_RANGE before anything.
ULONG SKF_API SKFX_UnblockPINByResponse(HAPPLICATION hApplication, BYTE* pbResponse, ULONG ulResponseLen,
                                        LPSTR szNewUserPIN, ULONG* pulRetryCount)
try {
    auto c = enterApp("SKFX_UnblockPINByResponse", hApplication);
    if (c.rv != SAR_OK) return c.rv;
    if (pbResponse == nullptr || ulResponseLen == 0 || szNewUserPIN == nullptr || pulRetryCount == nullptr) {
        return SAR_INVALIDPARAMERR;
    }
    auto locked = lockDevice(*c.app->dev);
    if (!locked) return SAR_FILEERR;
    auto unlockIt = locked->dev.find("unlock");
    if (unlockIt == locked->dev.end() || !unlockIt->is_object()) return SAR_NOTSUPPORTYETERR;
    Json& unlock = *unlockIt;
    Json* app = findNamed(locked->dev, "applications", c.app->name);
    if (app == nullptr) return SAR_APPLICATION_NOT_EXISTS;
    if (!pinLengthOk(*app, szNewUserPIN)) return SAR_PIN_LEN_RANGE;
    auto remaining = unlock["remaining"].get<ULONG>();
    if (remaining == 0) {
        *pulRetryCount = 0;
        return SAR_PIN_LOCKED;
    }
    std::optional<std::vector<unsigned char>> expected;
    if (auto challenge = app->find("unlockChallenge"); challenge != app->end() && challenge->is_string()) {
        const auto secret = fromHex(unlock["secret"].get<std::string>());
        const auto bytes = fromHex(challenge->get<std::string>());
        if (!secret || !bytes) return SAR_FILEERR;
        expected = unlockResponse(*secret, *bytes);
        if (!expected) return SAR_FAIL;
        app->erase("unlockChallenge");  // good once, whatever the answer
    }
    const bool right = expected && ulResponseLen == expected->size() &&
                       CRYPTO_memcmp(expected->data(), pbResponse, expected->size()) == 0;
    ULONG rv = SAR_OK;
    if (right) {
        const auto max = unlock["maxRetry"].get<ULONG>();
        unlock["remaining"] = max;
        *pulRetryCount = max;
        Json& user = (*app)["user"];
        user["pin"] = std::string(szNewUserPIN);
        user["remaining"] = user["maxRetry"];
        user["default"] = false;
    } else {
        remaining -= 1;
        unlock["remaining"] = remaining;
        *pulRetryCount = remaining;
        rv = SAR_PIN_INCORRECT;
    }
    if (!writeJson(c.app->dev->dir / "device.json", locked->dev)) return SAR_WRITEFILEERR;
    return rv;
    return rv;
} catch (...) {
    return exceptionCode();
}

// ---- Enrolment (#18): containers made and removed by a CA's renewal --------------------------

ULONG SKF_API SKF_CreateContainer(HAPPLICATION hApplication, LPSTR szContainerName, HCONTAINER* phContainer)
try {
    auto c = enterApp("SKF_CreateContainer", hApplication);
    if (c.rv != SAR_OK) return c.rv;
    if (szContainerName == nullptr || phContainer == nullptr) return SAR_INVALIDPARAMERR;
    const std::string name(szContainerName);
    // GM/T 0016: a container name is at most 64 bytes.
    if (name.empty() || name.size() > 64) return SAR_NAMELENERR;
    if (!userLoggedIn(*c.app)) return SAR_USER_NOT_LOGGED_IN;
    auto locked = lockDevice(*c.app->dev);
    if (!locked) return SAR_FILEERR;
    Json* app = findNamed(locked->dev, "applications", c.app->name);
    if (app == nullptr) return SAR_APPLICATION_NOT_EXISTS;
    if (findNamed(*app, "containers", name) != nullptr) return SAR_FILE_ALREADY_EXIST;
    if (!app->contains("containers") || !(*app)["containers"].is_array()) (*app)["containers"] = Json::array();
    (*app)["containers"].push_back({{"name", name}});
    if (!writeJson(c.app->dev->dir / "device.json", locked->dev)) return SAR_WRITEFILEERR;
    auto con = std::make_shared<Container>(Container {c.app, name});
    std::lock_guard lock(registry().m);
    registry().containers.emplace(con.get(), con);
    *phContainer = con.get();
    return SAR_OK;
} catch (...) {
    return exceptionCode();
}

ULONG SKF_API SKF_DeleteContainer(HAPPLICATION hApplication, LPSTR szContainerName)
try {
    auto c = enterApp("SKF_DeleteContainer", hApplication);
    if (c.rv != SAR_OK) return c.rv;
    if (szContainerName == nullptr) return SAR_INVALIDPARAMERR;
    const std::string name(szContainerName);
    if (!userLoggedIn(*c.app)) return SAR_USER_NOT_LOGGED_IN;
    auto locked = lockDevice(*c.app->dev);
    if (!locked) return SAR_FILEERR;
    Json* app = findNamed(locked->dev, "applications", c.app->name);
    if (app == nullptr) return SAR_APPLICATION_NOT_EXISTS;
    if (findNamed(*app, "containers", name) == nullptr) return SAR_INVALIDPARAMERR;
    // Its key and certificate files go with it (a deleted container leaves nothing behind).
    Json& containers = (*app)["containers"];
    for (auto it = containers.begin(); it != containers.end(); ++it) {
        if (it->value("name", "") != name) continue;
        for (const char* field : {"signKey", "signCert", "encKey", "encCert"}) {
            if (it->contains(field) && (*it)[field].is_string()) {
                std::error_code ignored;
                fs::remove(c.app->dev->dir / (*it)[field].get<std::string>(), ignored);
            }
        }
        containers.erase(it);
        break;
    }
    if (!writeJson(c.app->dev->dir / "device.json", locked->dev)) return SAR_WRITEFILEERR;
    // Open handles on it are stale now.
    std::lock_guard lock(registry().m);
    std::erase_if(registry().containers,
                  [&](const auto& kv) { return kv.second->app == c.app && kv.second->name == name; });
    return SAR_OK;
} catch (...) {
    return exceptionCode();
}

}  // extern "C"
