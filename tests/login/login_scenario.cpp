#include "login_scenario.h"

#include "login_paths.h"
#include "run_command.h"
#include "token_check.h"

#include <p11-kit-1/p11-kit/pkcs11.h>

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace cabridge::logintest {
namespace {

std::filesystem::path createPki()
{
    if (const char* given = std::getenv("CABRIDGE_LOGIN_PKI_DIR"); given && *given) {
        if (std::filesystem::exists(std::filesystem::path(given) / "pki.json")) {
            return given;
        }
        throw std::runtime_error(std::string("CABRIDGE_LOGIN_PKI_DIR has no pki.json: ") + given);
    }
    // A PKI made by this process when CTest did not provide one; removed at exit.
    static const test_support::TempDir own("cabridge-login-pki-");
    const auto run = runCommand({"/bin/bash", std::string(kPkiToolsDir) + "/make-test-pki.sh", own.path().string()},
                                own.path(), {}, std::chrono::seconds(300));
    if (run.exitCode != 0) {
        throw std::runtime_error("make-test-pki.sh failed: " + run.err);
    }
    return own.path();
}

// The host's reply to `message`, which must carry the same id.
nlohmann::json requestWithSameId(HostProcess& host, const nlohmann::json& message, std::chrono::milliseconds timeout)
{
    auto reply = host.request(message, timeout);
    if (reply.value("id", nlohmann::json()) != message.at("id")) {
        throw std::runtime_error("reply id does not match the request: " + reply.dump());
    }
    return reply;
}

void checkRv(CK_RV rv, const char* call)
{
    if (rv != CKR_OK) {
        std::ostringstream text;
        text << call << " failed: CKR 0x" << std::hex << rv;
        throw std::runtime_error(text.str());
    }
}

// SOFTHSM2_CONF set for as long as SoftHSM is loaded in this process (it reads the variable
// in C_Initialize), then put back, so hosts started later get only their own scenario's.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name)
    {
        if (const char* old = std::getenv(name)) old_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv()
    {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

// SoftHSM loaded and initialized in this process; finalized and unloaded on destruction, so
// the next scenario's token directory is read afresh.
class SoftHsmSession {
public:
    SoftHsmSession(const std::string& tokenLabel, const std::string& pin)
    {
        library_ = ::dlopen(kSoftHsmModule, RTLD_NOW | RTLD_LOCAL);
        if (library_ == nullptr) throw std::runtime_error(std::string("dlopen SoftHSM: ") + ::dlerror());
        // dlsym gives an object pointer; POSIX guarantees it converts to the function pointer.
        const auto getList = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(library_, "C_GetFunctionList"));
        if (getList == nullptr) throw std::runtime_error("SoftHSM has no C_GetFunctionList");
        checkRv(getList(&f_), "C_GetFunctionList");
        checkRv(f_->C_Initialize(nullptr), "C_Initialize");
        initialized_ = true;

        CK_ULONG count = 0;
        checkRv(f_->C_GetSlotList(CK_TRUE, nullptr, &count), "C_GetSlotList");
        std::vector<CK_SLOT_ID> slots(count);
        checkRv(f_->C_GetSlotList(CK_TRUE, slots.data(), &count), "C_GetSlotList");
        std::string padded = tokenLabel;
        padded.resize(32, ' ');
        for (CK_ULONG i = 0; i < count && session_ == CK_INVALID_HANDLE; ++i) {
            CK_TOKEN_INFO info {};
            checkRv(f_->C_GetTokenInfo(slots[i], &info), "C_GetTokenInfo");
            if (std::memcmp(info.label, padded.data(), sizeof info.label) == 0) {
                checkRv(f_->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session_),
                        "C_OpenSession");
            }
        }
        if (session_ == CK_INVALID_HANDLE) throw std::runtime_error("no SoftHSM token labelled " + tokenLabel);
        std::string pinCopy = pin;
        checkRv(f_->C_Login(session_, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pinCopy.data()), pinCopy.size()),
                "C_Login");
    }
    ~SoftHsmSession()
    {
        if (session_ != CK_INVALID_HANDLE) {
            f_->C_Logout(session_);
            f_->C_CloseSession(session_);
        }
        if (initialized_) f_->C_Finalize(nullptr);
        if (library_ != nullptr) ::dlclose(library_);
    }
    SoftHsmSession(const SoftHsmSession&) = delete;
    SoftHsmSession& operator=(const SoftHsmSession&) = delete;

    void writeCertificate(const RawCertificateObject& object)
    {
        CK_OBJECT_CLASS certClass = CKO_CERTIFICATE;
        CK_CERTIFICATE_TYPE x509 = CKC_X_509;
        CK_BBOOL yes = CK_TRUE;
        CK_BBOOL no = CK_FALSE;
        // SoftHSM wants a subject when an X.509 object is created; nobody under test reads it,
        // and for bytes that are not a certificate there is none, so it is an empty Name.
        std::uint8_t emptyName[] = {0x30, 0x00};
        std::vector<std::uint8_t> value = object.value;
        std::string id = object.id;
        std::string label = object.label;
        CK_ATTRIBUTE templ[] = {
            {CKA_CLASS, &certClass, sizeof certClass},
            {CKA_CERTIFICATE_TYPE, &x509, sizeof x509},
            {CKA_TOKEN, &yes, sizeof yes},
            {CKA_PRIVATE, &no, sizeof no},
            {CKA_SUBJECT, emptyName, sizeof emptyName},
            {CKA_VALUE, value.data(), value.size()},
            {CKA_ID, id.data(), id.size()},
            {CKA_LABEL, label.data(), label.size()},
        };
        CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
        checkRv(f_->C_CreateObject(session_, templ, sizeof templ / sizeof templ[0], &handle),
                "C_CreateObject (certificate)");
    }

private:
    void* library_ = nullptr;
    CK_FUNCTION_LIST_PTR f_ = nullptr;
    bool initialized_ = false;
    CK_SESSION_HANDLE session_ = CK_INVALID_HANDLE;
};

}  // namespace

const std::filesystem::path& sharedPkiDir()
{
    static const std::filesystem::path dir = createPki();
    return dir;
}

const nlohmann::json& sharedPki()
{
    static const nlohmann::json pki = nlohmann::json::parse(readFile(sharedPkiDir() / "pki.json"));
    return pki;
}

const nlohmann::json& pkiEntry(const std::string& name)
{
    for (const auto& entry : sharedPki().at("certificates")) {
        if (entry.at("name") == name) return entry;
    }
    throw std::runtime_error("no certificate " + name + " in pki.json");
}

LoginScenario::LoginScenario(ScenarioOptions options)
    : options_(std::move(options)), temp_("cabridge-login-"), dir_(temp_.path())
{
    std::vector<std::string> provision = {"/bin/bash", std::string(kPkiToolsDir) + "/provision-token.sh",
                                          "--dir",     (dir_ / "softhsm").string(),
                                          "--label",   options_.label,
                                          "--pin",     kTokenPin,
                                          "--so-pin",  kSoPin,
                                          "--pki",     sharedPkiDir().string()};
    provision.insert(provision.end(), options_.certs.begin(), options_.certs.end());
    const auto run = runCommand(provision, dir_);
    if (run.exitCode != 0) {
        throw std::runtime_error("provision-token.sh failed: " + run.err);
    }
    std::string conf = run.out;
    while (!conf.empty() && (conf.back() == '\n' || conf.back() == '\r')) conf.pop_back();
    softhsmConf_ = conf.substr(conf.find_last_of('\n') == std::string::npos ? 0 : conf.find_last_of('\n') + 1);

    // HeBCA as shipped (the generic PKCS#11 plugin's hebca.json), on the test's module and origins.
    nlohmann::json descriptor = nlohmann::json::parse(readFile(std::filesystem::path(kBuildPluginDir) / "hebca.json"));
    nlohmann::json& pluginConfig = descriptor["config"];
    pluginConfig["modules"] = {options_.faultModule ? kFaultModule : kSoftHsmModule};
    pluginConfig["origins"] = options_.pluginOrigins;
    pluginConfig["legacyOrigins"] = options_.pluginLegacyOrigins;
    if (!options_.enrollOrigins.empty() || !options_.enrollCAs.empty()) {
        pluginConfig["enrollOrigins"] = options_.enrollOrigins;
        pluginConfig["enrollCAs"] = options_.enrollCAs;
    }
    if (options_.faultModule) {
        pluginConfig["retryCounter"] = {{"symbol", "cabridge_fault_get_pin_retries"}};
        setFaults("");
    }
    std::filesystem::create_directories(dir_ / "plugins");
    descriptor["library"] = kPkcs11Plugin;
    descriptor["deadlines"] = {
        {"enumerateMs", options_.enumerateMs}, {"loginMs", options_.loginMs}, {"signMs", options_.signMs}};
    writeFile(dir_ / "plugins" / "hebca.json", descriptor.dump());
    nlohmann::json policy = {{"allowOrigins", options_.policyAllowOrigins}, {"legacyOrigins", options_.legacyOrigins}};
    if (!options_.policyEnrollOrigins.empty() || !options_.policyDenyEnrollOrigins.empty()) {
        policy["enrollOrigins"] = options_.policyEnrollOrigins;
        policy["denyEnrollOrigins"] = options_.policyDenyEnrollOrigins;
    }
    writeFile(dir_ / "policy.json", policy.dump());
    std::filesystem::permissions(dir_ / "policy.json", std::filesystem::perms(0644));
    writeFile(dir_ / "host.json", nlohmann::json {{"pluginDirs", {(dir_ / "plugins").string(), kBuildPluginDir}},
                                                  {"policyFile", (dir_ / "policy.json").string()},
                                                  {"logFile", (dir_ / "host.log").string()}}
                                      .dump());
}

LoginScenario::~LoginScenario()
{
    if (std::getenv("CABRIDGE_LOGIN_KEEP") != nullptr) {
        temp_.keep();
    }
}

std::size_t countOf(const std::string& text, const std::string& needle)
{
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
    return count;
}

std::map<std::string, std::string> LoginScenario::environment() const
{
    std::map<std::string, std::string> env = {{"CABRIDGE_CONFIG", (dir_ / "host.json").string()},
                                              {"CABRIDGE_LOG", (dir_ / "host.log").string()},
                                              {"SOFTHSM2_CONF", softhsmConf_}};
    if (options_.faultModule) {
        env["CABRIDGE_FAULT_TARGET"] = kSoftHsmModule;
        env["CABRIDGE_FAULT_CONTROL"] = (dir_ / "fault-control").string();
        env["CABRIDGE_FAULT_STATE"] = (dir_ / "fault-state").string();
        env["CABRIDGE_FAULT_TRACE"] = "1";
    }
    return env;
}

std::unique_ptr<HostProcess> LoginScenario::startHost()
{
    const auto stderrFile = dir_ / ("host-" + std::to_string(hostsStarted_++) + ".stderr");
    const auto env = environment();
    return std::make_unique<HostProcess>(test_support::HostLaunch {
        kHostExe, test_support::kTestExtensionOrigin, {}, {env.begin(), env.end()}, stderrFile});
}

nlohmann::json LoginScenario::request(HostProcess& host, const std::string& command, const std::string& origin,
                                      const nlohmann::json& arguments)
{
    return requestWithSameId(host,
                             {{"id", nextId_++}, {"command", command}, {"origin", origin}, {"arguments", arguments}},
                             std::chrono::seconds(60));
}

std::string LoginScenario::certificateId(HostProcess& host, const std::string& name)
{
    const std::string sha256 = pkiEntry(name).at("sha256");
    const auto reply = request(host, "list-certificates", kPortalOrigin, {{"purpose", "any"}});
    if (!reply.contains("result")) {
        throw std::runtime_error("list-certificates failed: " + reply.dump());
    }
    for (const auto& cert : reply["result"]["certificates"]) {
        if (cert.value("sha256", "") == sha256) return cert.at("id");
    }
    throw std::runtime_error("certificate " + name + " not listed: " + reply.dump());
}

nlohmann::json LoginScenario::authenticate(HostProcess& host, const std::string& certificateId,
                                           const std::vector<std::uint8_t>& challenge, const std::string& pin,
                                           const std::string& origin, const std::optional<std::string>& mode,
                                           std::chrono::milliseconds timeout)
{
    nlohmann::json arguments = {{"certificateId", certificateId}, {"challenge", base64Encode(challenge)}, {"pin", pin}};
    if (mode) arguments["mode"] = *mode;
    return requestWithSameId(
        host, {{"id", nextId_++}, {"command", "authenticate"}, {"origin", origin}, {"arguments", arguments}}, timeout);
}

void LoginScenario::writeCertificateObjects(const std::vector<RawCertificateObject>& objects)
{
    const ScopedEnv conf("SOFTHSM2_CONF", softhsmConf_);
    SoftHsmSession token(options_.label, kTokenPin);
    for (const auto& object : objects) {
        token.writeCertificate(object);
    }
}

void LoginScenario::setFaults(const std::string& extraLines)
{
    writeFile(dir_ / "fault-control", "pin_max_retries=" + std::to_string(options_.pinMaxRetries) + "\n" + extraLines);
}

std::map<std::string, std::string> LoginScenario::faultState() const
{
    std::map<std::string, std::string> state;
    std::istringstream in(readFile(dir_ / "fault-state"));
    for (std::string line; std::getline(in, line);) {
        if (const auto eq = line.find('='); eq != std::string::npos) {
            state[line.substr(0, eq)] = line.substr(eq + 1);
        }
    }
    return state;
}

void LoginScenario::writeFaultState(const std::string& text)
{
    writeFile(dir_ / "fault-state", text);
}

void LoginScenario::resetFaultState()
{
    std::error_code ec;
    std::filesystem::remove(dir_ / "fault-state", ec);
}

std::string LoginScenario::hostLog() const
{
    return readFile(dir_ / "host.log");
}

std::string LoginScenario::hostStderr() const
{
    std::string all;
    for (int i = 0; i < hostsStarted_; ++i) {
        all += readFile(dir_ / ("host-" + std::to_string(i) + ".stderr"));
    }
    return all;
}

}  // namespace cabridge::logintest
