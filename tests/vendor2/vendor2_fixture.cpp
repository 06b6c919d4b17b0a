#include "vendor2_fixture.h"

#include <cabridge/test_support/child_process.h>

#include <boost/process.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bp = boost::process;
namespace fs = std::filesystem;

namespace cabridge::vendor2 {

namespace {

void writeFile(const fs::path& file, const std::string& text)
{
    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out << text;
}

std::string readFile(const fs::path& file)
{
    std::ifstream in(file, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

CommandResult runProgram(const std::string& exe, const std::vector<std::string>& args,
                         const std::vector<std::string>& env, const std::string& stdinText)
{
    test_support::TempDir io;
    const fs::path outFile = io.path() / "out", errFile = io.path() / "err", inFile = io.write("in", stdinText);
    test_support::EnvironmentChanges changes;
    for (const auto& entry : env) {
        const auto eq = entry.find('=');
        changes[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    CommandResult result;
    result.exitCode = bp::system(bp::exe = exe, bp::args = args, test_support::childEnvironment(changes),
                                 bp::std_in<inFile.string(), bp::std_out> outFile.string(),
                                 bp::std_err > errFile.string());
    result.out = readFile(outFile);
    result.err = readFile(errFile);
    test_support::expectNoSanitizerReport(exe, result.err);
    return result;
}

Installation::Installation()
{
    fs::create_directories(root());
    // HeBCA on SoftHSM: the shipped descriptor with SoftHSM in place of the real HeBCA middleware paths.
    const fs::path hebcaDir = dir() / "hebca-plugin";
    nlohmann::json hebca = nlohmann::json::parse(readFile(fs::path(CABRIDGE_V2_PLUGIN_DIR) / "hebca.json"));
    hebca["library"] = std::string(CABRIDGE_V2_PLUGIN_DIR) + "/libcabridge-pkcs11.so";
    hebca["config"]["modules"] = nlohmann::json::array({"/usr/lib/softhsm/libsofthsm2.so"});
    writeFile(hebcaDir / "hebca.json", hebca.dump());
    writeFile(dir() / "policy.json", nlohmann::json {{"allowOrigins", nlohmann::json::array({kPortalOrigin})}}.dump());
    fs::permissions(dir() / "policy.json", fs::perms(0644));
    writeFile(hostConfig(),
              nlohmann::json {{"pluginDirs", {hebcaDir.string(), systemPluginDir().string(), CABRIDGE_V2_PLUGIN_DIR}},
                              {"policyFile", (dir() / "policy.json").string()},
                              {"logFile", (dir() / "host.log").string()}}
                  .dump());
    fs::create_directories(dir() / "softhsm");
}

fs::path Installation::pkiDir() const
{
    return CABRIDGE_V2_PKI_DIR;
}

std::vector<std::string> Installation::environment() const
{
    return {"CABRIDGE_CONFIG=" + hostConfig().string(), "CABRIDGE_LOG=" + (dir() / "host.log").string(),
            "SOFTHSM2_CONF=" + (dir() / "softhsm" / "softhsm2.conf").string()};
}

void Installation::provisionToken(const std::string& label, const std::vector<std::string>& certs)
{
    std::vector<std::string> args = {std::string(CABRIDGE_V2_PKI_TOOLS) + "/provision-token.sh",
                                     "--dir",
                                     (dir() / "softhsm").string(),
                                     "--label",
                                     label,
                                     "--pin",
                                     kPin,
                                     "--pki",
                                     pkiDir().string()};
    args.insert(args.end(), certs.begin(), certs.end());
    const CommandResult r = runProgram("/bin/bash", args, {});
    if (r.exitCode != 0) throw std::runtime_error("provision-token.sh failed: " + r.err);
}

nlohmann::json Installation::demoDescriptor()
{
    return {{"id", "demo-ca"},
            {"name", "演示 CA"},
            {"abi", 1},
            {"library", "libcabridge-pkcs11.so"},
            {"config",
             {{"id", "demo-ca"},
              {"name", "演示 CA"},
              {"modules", nlohmann::json::array({"/usr/lib/softhsm/libsofthsm2.so"})},
              {"origins", nlohmann::json::array({kPortalOrigin})},
              {"tokenLabels", nlohmann::json::array({kDemoLabel})},
              {"identity", "cn-org"},
              {"pin", {{"minLength", 6}, {"maxLength", 8}, {"charset", "digits"}}},
              {"help",
               {{"unlock", {{"text", "请联系演示 CA 解锁。"}, {"phone", "400-000-0000"}}},
                {"contact", {{"text", "演示 CA 客服"}, {"url", "https://demo-ca.test/help"}}}}}}}};
}

fs::path Installation::writeDescriptor(const std::string& name, const nlohmann::json& descriptor) const
{
    fs::path file = dir() / "incoming" / name;
    writeFile(file, descriptor.dump(2));
    return file;
}

CommandResult Installation::cabridge(const std::vector<std::string>& args) const
{
    return runProgram(CABRIDGE_V2_TOOL, args, environment());
}

}  // namespace cabridge::vendor2
