// One SKF test world in its own temp directory: a copy of the software SKF library's state
// (tests/softskf, provisioned from the SM2 test PKI), a descriptor for the SKF plugin pointing
// at libcabridge-softskf.so, an origin policy and a host configuration, and helpers to drive
// the real cabridge-host over native messaging and to set softskf's faults.
#pragma once

#include <cabridge/test_support/host_process.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cabridge::skftest {

using test_support::HostProcess;

inline constexpr const char* kPortalOrigin = "https://si.hebei.example.gov.cn";
// The standard softskf layout's user PIN (tools/pki/provision-skf.py).
inline constexpr const char* kUserPin = "123456";

// Where the built parts are; set by tests/skf/CMakeLists.txt.
inline constexpr const char* kHostExe = CABRIDGE_SKF_HOST_EXE;
inline constexpr const char* kSkfPlugin = CABRIDGE_SKF_PLUGIN;
inline constexpr const char* kSoftSkf = CABRIDGE_SKF_SOFTSKF_LIBRARY;
inline constexpr const char* kVerifyExe = CABRIDGE_SKF_VERIFY_EXE;
inline constexpr const char* kBuildPluginDir = CABRIDGE_SKF_BUILD_PLUGIN_DIR;

// The fixture (softskf.fixture: CABRIDGE_SOFTSKF_FIXTURE) holds pki/ and state/.
std::filesystem::path fixtureDir();
std::filesystem::path pkiDir();
// The pki/pki.json entry of `name`.
const nlohmann::json& pkiEntry(const std::string& name);
std::vector<std::uint8_t> pkiDer(const std::string& name);

std::string readText(const std::filesystem::path& file);
void writeText(const std::filesystem::path& file, const std::string& text);

class SkfWorld {
public:
    // `pluginConfig` entries replace the defaults (libraries = softskf, origins = the portal).
    explicit SkfWorld(const nlohmann::json& pluginConfig = nlohmann::json::object(),
                      const nlohmann::json& deadlines = nlohmann::json::object());
    ~SkfWorld();
    SkfWorld(const SkfWorld&) = delete;
    SkfWorld& operator=(const SkfWorld&) = delete;

    const std::filesystem::path& dir() const { return dir_; }
    std::filesystem::path stateDir() const { return dir_ / "state"; }
    std::map<std::string, std::string> environment() const;
    std::unique_ptr<HostProcess> startHost();

    nlohmann::json request(HostProcess& host, const std::string& command,
                           const nlohmann::json& arguments = nlohmann::json::object(),
                           std::chrono::milliseconds timeout = std::chrono::seconds(60));
    // list-certificates (purpose any): the result's certificates.
    nlohmann::json certificates(HostProcess& host);
    // CertInfo.id of the PKI certificate `name`.
    std::string certificateId(HostProcess& host, const std::string& name);
    nlohmann::json authenticate(HostProcess& host, const std::string& certificateId,
                                const std::vector<std::uint8_t>& challenge, const std::string& pin,
                                std::chrono::milliseconds timeout = std::chrono::seconds(60));

    // softskf's faults.json (README "Faults"); {} clears them.
    void setFaults(const nlohmann::json& faults);
    // The device.json of the standard layout's device `index` (0: HEBCA-SKF-1).
    nlohmann::json device(int index) const;
    void setDevice(int index, const nlohmann::json& device);

    std::string hostLog() const;

private:
    std::filesystem::path dir_;
    int hostsStarted_ = 0;
    int nextId_ = 1;
};

std::vector<std::uint8_t> randomBytes(std::size_t count);
std::string base64(const std::vector<std::uint8_t>& bytes);
std::vector<std::uint8_t> unbase64(const std::string& text);
// "cabridge-auth:2" 0x00 SM3/SHA-256(origin) || H(challenge), rebuilt here from protocol.md.
std::vector<std::uint8_t> signedMessage(const std::string& hash, const std::string& origin,
                                        const std::vector<std::uint8_t>& challenge);

}  // namespace cabridge::skftest
