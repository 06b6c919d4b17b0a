// An installation for the second-vendor tests: a temp --root whose
// etc/cabridge/plugins.d starts empty, a HeBCA descriptor of the test's own on
// SoftHSM, a host configuration (CABRIDGE_CONFIG) reading both plus the build's
// bundled plugin dir, and SoftHSM tokens from tools/pki in a private token dir.
#pragma once

#include <cabridge/test_support/temp_dir.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace cabridge::vendor2 {

struct CommandResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

inline constexpr const char* kPin = "246810";
inline constexpr const char* kDemoLabel = "DEMO-CA-KEY";
inline constexpr const char* kHebcaLabel = "HEBCA-KEY";
inline constexpr const char* kPortalOrigin = "https://portal.demo-ca.test";

class Installation {
public:
    Installation();

    const std::filesystem::path& dir() const { return temp_.path(); }
    std::filesystem::path root() const { return dir() / "root"; }
    std::filesystem::path systemPluginDir() const { return root() / "etc/cabridge/plugins.d"; }
    std::filesystem::path hostConfig() const { return dir() / "host.json"; }
    std::filesystem::path pkiDir() const;
    std::vector<std::string> environment() const;  // NAME=value for the tool and the host

    // A new SoftHSM token `label` holding the PKI certificates `certs`.
    void provisionToken(const std::string& label, const std::vector<std::string>& certs);

    // The demo-ca descriptor (generic plugin) written to dir()/name; `edit`
    // may change it first.
    std::filesystem::path writeDescriptor(const std::string& name, const nlohmann::json& descriptor) const;
    static nlohmann::json demoDescriptor();

    // build/bin/cabridge with `args`, in this installation's environment.
    CommandResult cabridge(const std::vector<std::string>& args) const;

private:
    test_support::TempDir temp_;
};

// Runs `exe` with `args` and extra environment entries; captures stdout and stderr.
CommandResult runProgram(const std::string& exe, const std::vector<std::string>& args,
                         const std::vector<std::string>& env, const std::string& stdinText = {});

}  // namespace cabridge::vendor2
