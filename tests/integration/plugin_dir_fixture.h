// A fixture for tests that start the real host on a plugin directory of their own: a temp dir
// with host.json (pluginDirs = <dir>/plugins, policy and log beside it), test plugin libraries
// copied in with their descriptors, and the soft plugin's token configuration.
#pragma once

#include <cabridge/test_support/test_certificate.h>

#include <cabridge/test_support/host_process.h>
#include <cabridge/test_support/temp_dir.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace cabridge::test {

using test_support::CertificateSpec;
using test_support::makeCertificateAndKey;

class PluginDirFixture : public ::testing::Test {
protected:
    PluginDirFixture() : plugins_(dir_.path() / "plugins")
    {
        std::filesystem::create_directories(plugins_);
        config_ = dir_.write("host.json", nlohmann::json {{"pluginDirs", {plugins_.string()}},
                                                          {"policyFile", (dir_.path() / "policy.json").string()},
                                                          {"logFile", (dir_.path() / "host.log").string()}}
                                              .dump());
    }

    // Copies `library` into the plugin dir as lib<id>.so and writes <id>.json; `extra` keys
    // (e.g. "deadlines") are added to the descriptor.
    void addPlugin(const std::string& id, const char* library, const nlohmann::json& config,
                   const nlohmann::json& extra = nlohmann::json::object())
    {
        const std::string name = "lib" + id + ".so";
        std::filesystem::copy_file(library, plugins_ / name, std::filesystem::copy_options::overwrite_existing);
        nlohmann::json descriptor = {{"id", id}, {"name", id}, {"abi", 1}, {"library", name}, {"config", config}};
        descriptor.update(extra);
        dir_.write("plugins/" + id + ".json", descriptor.dump());
    }

    // The soft plugin with one token holding one new certificate, for `origin`. Each call writes
    // files of its own: a plugin's identity includes the files its config names.
    nlohmann::json softConfig(const std::string& origin)
    {
        CertificateSpec spec;
        spec.subject = {{"CN", "河北测试科技有限公司"}};
        const auto made = makeCertificateAndKey(spec);
        const std::string name = "cert" + std::to_string(++certificates_);
        const auto der = dir_.write(name + ".der", std::string(made.der.begin(), made.der.end()));
        const auto key = dir_.write(name + ".key.pem", made.keyPem);
        return {{"origins", {origin}},
                {"tokens",
                 {{{"serial", "SOFT-1"},
                   {"label", "KEY-1"},
                   {"pin", "123456"},
                   {"certificates", {{{"label", "c"}, {"der", der.string()}, {"key", key.string()}}}}}}}};
    }

    std::string log() const
    {
        std::ifstream in(dir_.path() / "host.log");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    test_support::TempDir dir_;
    std::filesystem::path plugins_;
    std::filesystem::path config_;

private:
    int certificates_ = 0;
};

}  // namespace cabridge::test
