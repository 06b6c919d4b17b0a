// One CA-login test world in its own temp directory: a SoftHSM token of its own (from the
// shared test PKI), optionally the fault module in front of it, HeBCA's shipped descriptor,
// an origin policy, a host configuration and log file, and helpers to drive real hosts.
#pragma once

#include <cabridge/test_support/host_process.h>
#include <cabridge/test_support/temp_dir.h>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cabridge::logintest {

using test_support::HostProcess;

// The portal origin every scenario's plugin declares.
inline constexpr const char* kPortalOrigin = "https://si.hebei.example.gov.cn";
// The token's user PIN: distinctive so it can be searched for in logs.
inline constexpr const char* kTokenPin = "K7q2Wm9xP4";
// The token's administrator (SO) PIN, as distinctive.
inline constexpr const char* kSoPin = "S0admR8x2Qz";

struct ScenarioOptions {
    std::vector<std::string> certs;  // PKI names put on the token
    std::string label = "LOGIN-KEY";
    bool faultModule = false;  // put libcabridge-faultp11 in front of SoftHSM
    int pinMaxRetries = 3;     // the fault module's retry counter
    std::vector<std::string> pluginOrigins = {kPortalOrigin};
    std::vector<std::string> legacyOrigins;        // the policy file's legacyOrigins
    std::vector<std::string> pluginLegacyOrigins;  // the plugin's (ignored by the host)
    std::vector<std::string> policyAllowOrigins;
    // CA enrolment (#18): the plugin's enrollOrigins and enrollCAs, the policy's lists.
    std::vector<std::string> enrollOrigins;
    std::vector<std::string> enrollCAs;
    std::vector<std::string> policyEnrollOrigins;
    std::vector<std::string> policyDenyEnrollOrigins;
    int enumerateMs = 10000;
    int loginMs = 20000;
    int signMs = 20000;

    // Fluent setters: GCC 12 warns about designated initializers that skip members.
    static ScenarioOptions token(std::vector<std::string> names)
    {
        ScenarioOptions options;
        options.certs = std::move(names);
        return options;
    }
    ScenarioOptions& withFaultModule(int maxRetries = 3)
    {
        faultModule = true;
        pinMaxRetries = maxRetries;
        return *this;
    }
    ScenarioOptions& withPluginOrigins(std::vector<std::string> origins)
    {
        pluginOrigins = std::move(origins);
        return *this;
    }
    ScenarioOptions& withLegacyOrigins(std::vector<std::string> origins)
    {
        legacyOrigins = std::move(origins);
        return *this;
    }
    ScenarioOptions& withPluginLegacyOrigins(std::vector<std::string> origins)
    {
        pluginLegacyOrigins = std::move(origins);
        return *this;
    }
    ScenarioOptions& withPolicyAllowOrigins(std::vector<std::string> origins)
    {
        policyAllowOrigins = std::move(origins);
        return *this;
    }
    ScenarioOptions& withEnrollment(std::vector<std::string> origins, std::vector<std::string> cas)
    {
        enrollOrigins = std::move(origins);
        enrollCAs = std::move(cas);
        return *this;
    }
    ScenarioOptions& withPolicyEnrollment(std::vector<std::string> add, std::vector<std::string> deny)
    {
        policyEnrollOrigins = std::move(add);
        policyDenyEnrollOrigins = std::move(deny);
        return *this;
    }
    ScenarioOptions& withDeadlines(int loginDeadlineMs, int signDeadlineMs)
    {
        loginMs = loginDeadlineMs;
        signMs = signDeadlineMs;
        return *this;
    }
};

// One certificate object to write straight onto a scenario's token.
struct RawCertificateObject {
    std::vector<std::uint8_t> value;  // CKA_VALUE, written as given: need not be a certificate
    std::string id;                   // CKA_ID bytes
    std::string label;                // CKA_LABEL
};

// The test PKI (make-test-pki.sh) shared by all tests: read-only once made. CTest makes it
// once (fixture login.pki, env CABRIDGE_LOGIN_PKI_DIR); a bare run of the binary makes its own.
const std::filesystem::path& sharedPkiDir();
const nlohmann::json& sharedPki();
// The pki.json entry of `name` (throws if absent).
const nlohmann::json& pkiEntry(const std::string& name);

// How often `needle` occurs in `text` (non-overlapping), e.g. a call name in the fault trace.
std::size_t countOf(const std::string& text, const std::string& needle);

class LoginScenario {
public:
    explicit LoginScenario(ScenarioOptions options);
    ~LoginScenario();  // removes the directory (kept when CABRIDGE_LOGIN_KEEP is set)
    LoginScenario(const LoginScenario&) = delete;
    LoginScenario& operator=(const LoginScenario&) = delete;

    const std::filesystem::path& dir() const { return dir_; }
    std::map<std::string, std::string> environment() const;
    std::unique_ptr<HostProcess> startHost();

    // CertInfo.id of the PKI certificate `name`, found through list-certificates.
    std::string certificateId(HostProcess& host, const std::string& name);
    nlohmann::json authenticate(HostProcess& host, const std::string& certificateId,
                                const std::vector<std::uint8_t>& challenge, const std::string& pin,
                                const std::string& origin = kPortalOrigin,
                                const std::optional<std::string>& mode = std::nullopt,
                                std::chrono::milliseconds timeout = std::chrono::seconds(60));
    nlohmann::json request(HostProcess& host, const std::string& command, const std::string& origin,
                           const nlohmann::json& arguments = nlohmann::json::object());

    // Writes CKO_CERTIFICATE (CKC_X_509) objects onto the scenario's token through SoftHSM's
    // PKCS#11 interface in this process, in one session: pkcs11-tool parses what it writes as a
    // certificate (so it refuses broken bytes) and costs a process and a login per object.
    // Throws std::runtime_error on failure. Call it before starting hosts.
    void writeCertificateObjects(const std::vector<RawCertificateObject>& objects);

    // Fault module control: `pin_max_retries` plus these extra lines (replaces earlier ones).
    void setFaults(const std::string& extraLines);
    // The fault module's state file as key -> value (empty when the file does not exist).
    std::map<std::string, std::string> faultState() const;
    void writeFaultState(const std::string& text);
    void resetFaultState();

    std::string hostLog() const;
    std::string hostStderr() const;  // every started host's stderr (fault trace included)

private:
    ScenarioOptions options_;
    test_support::TempDir temp_;
    std::filesystem::path dir_;
    std::string softhsmConf_;
    int hostsStarted_ = 0;
    int nextId_ = 1;
};

}  // namespace cabridge::logintest
