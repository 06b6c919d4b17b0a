// Starts the real cabridge-host the way the browser does (argv[1] = caller
// extension origin) and speaks native-messaging framing to it over pipes.
// Every read has a timeout, so a host that hangs fails the test instead of
// blocking it.
#pragma once

#include <cabridge/test_support/native_messaging.h>
#include <cabridge/test_support/temp_dir.h>

#include <boost/process.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cabridge::test {

inline constexpr const char* kTestExtensionOrigin = "chrome-extension://nojnbkjmnolldjcnebneodoflnialbln/";

using test_support::lengthPrefix;
using test_support::TempDir;

class HostProcess {
public:
    // `configFile` becomes CABRIDGE_CONFIG; `extraEnv` entries are NAME=value. `executable` is
    // the build's cabridge-host unless a test runs a copy elsewhere.
    // `extraArgs` follow the caller origin on the command line (the admin tool's --admin-status).
    HostProcess(const std::filesystem::path& configFile, const std::string& callerOrigin = kTestExtensionOrigin,
                const std::vector<std::string>& extraEnv = {},
                const std::filesystem::path& executable = CABRIDGE_HOST_EXE,
                const std::vector<std::string>& extraArgs = {});
    // Ends the host as the browser does, by closing its input, and waits for it to exit (it is
    // killed only if it has not within 10 s), so a sanitizer build runs the host's exit-time
    // leak check. Fails the test if the host's stderr holds a sanitizer report.
    ~HostProcess();
    HostProcess(const HostProcess&) = delete;
    HostProcess& operator=(const HostProcess&) = delete;

    void sendRaw(const std::string& bytes);
    void send(const nlohmann::json& message);
    void sendFramed(const std::string& body);
    void closeInput();

    // The next reply, or nullopt on EOF or when `timeout` passes.
    std::optional<nlohmann::json> readReply(std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

    // send + readReply; fails the test (throws) if nothing comes back.
    nlohmann::json request(const nlohmann::json& message,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

    // The exit code once the process exits within `timeout`, else nullopt.
    std::optional<int> waitForExit(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

    // True if the host produced EOF on stdout within `timeout` (it closed or exited).
    bool outputClosed(std::chrono::milliseconds timeout);

    // The host's process id, e.g. to read its memory use from /proc/<pid>/status.
    int pid() const { return child_.id(); }

private:
    TempDir scratch_;  // the host's stderr; outlives child_
    boost::process::pipe in_;
    boost::process::pipe out_;
    boost::process::child child_;
};

}  // namespace cabridge::test
