#include "skf_world.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace cabridge::skftest {

std::filesystem::path fixtureDir()
{
    const char* given = std::getenv("CABRIDGE_SOFTSKF_FIXTURE");
    if (given == nullptr || *given == '\0')
        throw std::runtime_error("CABRIDGE_SOFTSKF_FIXTURE is not set (run through ctest: softskf.fixture)");
    return given;
}

std::filesystem::path pkiDir()
{
    return fixtureDir() / "pki";
}

std::string readText(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void writeText(const std::filesystem::path& file, const std::string& text)
{
    const auto temp = file.string() + ".tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) throw std::runtime_error("cannot write " + temp);
    }
    std::filesystem::rename(temp, file);
}

const nlohmann::json& pkiEntry(const std::string& name)
{
    // The SM2 chain and the SKF material are described in sm2.json, the rest in pki.json.
    static const nlohmann::json sm2 = nlohmann::json::parse(readText(pkiDir() / "sm2.json"));
    static const nlohmann::json pki = nlohmann::json::parse(readText(pkiDir() / "pki.json"));
    for (const nlohmann::json* file : {&sm2, &pki})
        for (const auto& entry : file->at("certificates"))
            if (entry.value("name", "") == name) return entry;
    throw std::runtime_error("no certificate " + name + " in sm2.json or pki.json");
}

std::vector<std::uint8_t> pkiDer(const std::string& name)
{
    const std::string der = readText(pkiDir() / pkiEntry(name).at("der").get<std::string>());
    return {der.begin(), der.end()};
}

namespace {

std::filesystem::path freshWorldDir()
{
    static std::atomic<unsigned> counter {0};
    return std::filesystem::temp_directory_path() /
           ("cabridge-skf-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
}

}  // namespace

SkfWorld::SkfWorld(const nlohmann::json& pluginConfig, const nlohmann::json& deadlines) : dir_(freshWorldDir())
{
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "plugins");
    std::filesystem::copy(fixtureDir() / "state", stateDir(), std::filesystem::copy_options::recursive);

    nlohmann::json config = {{"id", "hebca-skf"},
                             {"name", "河北 CA（SKF）"},
                             {"libraries", {"/nonexistent/libvendor_skf.so", kSoftSkf}},
                             {"origins", {kPortalOrigin}},
                             {"pin", {{"minLength", 6}, {"maxLength", 16}, {"charset", "printable"}}},
                             {"help", {{"unlock", {{"text", "请办理“重置证书密码”。"}}}}}};
    for (const auto& [key, value] : pluginConfig.items()) config[key] = value;
    nlohmann::json limits = {{"enumerateMs", 20000}, {"loginMs", 20000}, {"signMs", 20000}};
    for (const auto& [key, value] : deadlines.items()) limits[key] = value;
    writeText(dir_ / "plugins" / "hebca-skf.json", nlohmann::json {{"id", "hebca-skf"},
                                                                   {"name", "河北 CA（SKF）"},
                                                                   {"abi", 1},
                                                                   {"library", kSkfPlugin},
                                                                   {"config", config},
                                                                   {"deadlines", limits}}
                                                       .dump());
    writeText(
        dir_ / "policy.json",
        nlohmann::json {{"allowOrigins", nlohmann::json::array()}, {"legacyOrigins", nlohmann::json::array()}}.dump());
    std::filesystem::permissions(dir_ / "policy.json", std::filesystem::perms(0644));
    // The build's plugin directory holds the plugin library (the host loads libraries from its
    // plugin directories only); this world's descriptor comes first.
    writeText(dir_ / "host.json", nlohmann::json {{"pluginDirs", {(dir_ / "plugins").string(), kBuildPluginDir}},
                                                  {"policyFile", (dir_ / "policy.json").string()},
                                                  {"logFile", (dir_ / "host.log").string()}}
                                      .dump());
}

SkfWorld::~SkfWorld()
{
    std::error_code ec;
    if (std::getenv("CABRIDGE_SKF_KEEP") == nullptr) std::filesystem::remove_all(dir_, ec);
}

std::map<std::string, std::string> SkfWorld::environment() const
{
    return {{"CABRIDGE_CONFIG", (dir_ / "host.json").string()},
            {"CABRIDGE_LOG", (dir_ / "host.log").string()},
            {"CABRIDGE_SOFTSKF_DIR", stateDir().string()}};
}

std::unique_ptr<HostProcess> SkfWorld::startHost()
{
    const auto stderrFile = dir_ / ("host-" + std::to_string(hostsStarted_++) + ".stderr");
    const auto env = environment();
    return std::make_unique<HostProcess>(test_support::HostLaunch {
        kHostExe, test_support::kTestExtensionOrigin, {}, {env.begin(), env.end()}, stderrFile});
}

nlohmann::json SkfWorld::request(HostProcess& host, const std::string& command, const nlohmann::json& arguments,
                                 std::chrono::milliseconds timeout)
{
    return host.request({{"id", nextId_++}, {"command", command}, {"origin", kPortalOrigin}, {"arguments", arguments}},
                        timeout);
}

nlohmann::json SkfWorld::certificates(HostProcess& host)
{
    const auto reply = request(host, "list-certificates", {{"purpose", "any"}});
    if (!reply.contains("result")) throw std::runtime_error("list-certificates failed: " + reply.dump());
    return reply["result"]["certificates"];
}

std::string SkfWorld::certificateId(HostProcess& host, const std::string& name)
{
    const std::string sha256 = pkiEntry(name).at("sha256");
    const auto listed = certificates(host);
    for (const auto& cert : listed)
        if (cert.value("sha256", "") == sha256) return cert.at("id");
    throw std::runtime_error("certificate " + name + " not listed: " + listed.dump());
}

nlohmann::json SkfWorld::authenticate(HostProcess& host, const std::string& certificateId,
                                      const std::vector<std::uint8_t>& challenge, const std::string& pin,
                                      std::chrono::milliseconds timeout)
{
    return request(host, "authenticate",
                   {{"certificateId", certificateId}, {"challenge", base64(challenge)}, {"pin", pin}}, timeout);
}

void SkfWorld::setFaults(const nlohmann::json& faults)
{
    writeText(stateDir() / "faults.json", faults.dump());
}

nlohmann::json SkfWorld::device(int index) const
{
    return nlohmann::json::parse(readText(stateDir() / ("dev" + std::to_string(index)) / "device.json"));
}

void SkfWorld::setDevice(int index, const nlohmann::json& device)
{
    writeText(stateDir() / ("dev" + std::to_string(index)) / "device.json", device.dump());
}

std::string SkfWorld::hostLog() const
{
    std::error_code ec;
    return std::filesystem::exists(dir_ / "host.log", ec) ? readText(dir_ / "host.log") : std::string();
}

std::vector<std::uint8_t> randomBytes(std::size_t count)
{
    std::vector<std::uint8_t> out(count);
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) throw std::runtime_error("RAND_bytes failed");
    return out;
}

std::string base64(const std::vector<std::uint8_t>& bytes)
{
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::vector<std::uint8_t> unbase64(const std::string& text)
{
    std::vector<std::uint8_t> out(3 * (text.size() / 4) + 3);
    const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    if (n < 0 || text.size() % 4 != 0) throw std::runtime_error("bad base64");
    std::size_t size = static_cast<std::size_t>(n);
    if (!text.empty() && text.back() == '=') --size;
    if (text.size() > 1 && text[text.size() - 2] == '=') --size;
    out.resize(size);
    return out;
}

std::vector<std::uint8_t> signedMessage(const std::string& hash, const std::string& origin,
                                        const std::vector<std::uint8_t>& challenge)
{
    const EVP_MD* md = EVP_get_digestbyname(hash.c_str());
    if (md == nullptr) throw std::runtime_error("no digest " + hash);
    std::vector<std::uint8_t> message {'c', 'a', 'b', 'r', 'i', 'd', 'g', 'e', '-', 'a', 'u', 't', 'h', ':', '2', 0};
    for (const auto& part : {std::vector<std::uint8_t>(origin.begin(), origin.end()), challenge}) {
        std::vector<std::uint8_t> digest(EVP_MAX_MD_SIZE);
        unsigned int length = 0;
        if (EVP_Digest(part.data(), part.size(), digest.data(), &length, md, nullptr) != 1)
            throw std::runtime_error("digest failed");
        message.insert(message.end(), digest.begin(), digest.begin() + length);
    }
    return message;
}

}  // namespace cabridge::skftest
