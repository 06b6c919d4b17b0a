// The real cabridge-host as a child process, started the way the browser starts it (argv[1] =
// the caller's extension origin) and spoken to over pipes with the native-messaging framing.
// Every read has a deadline, so a host that hangs fails the test instead of blocking it.
#pragma once

#include <cabridge/test_support/child_process.h>
#include <cabridge/test_support/temp_dir.h>

#include <boost/process/child.hpp>
#include <boost/process/pipe.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cabridge::test_support {

// The extension id the host serves by default (CMake CABRIDGE_EXTENSION_ID), as an origin.
inline constexpr const char* kTestExtensionOrigin = "chrome-extension://nojnbkjmnolldjcnebneodoflnialbln/";

// The build's cabridge-host.
std::filesystem::path builtHostExecutable();

// How to start the host. The child gets this process's environment with `environment` applied.
struct HostLaunch {
    std::filesystem::path executable = builtHostExecutable();
    std::string callerOrigin = kTestExtensionOrigin;
    std::vector<std::string> extraArgs;  // after the origin (the admin tool's --admin-status)
    EnvironmentChanges environment;
    std::filesystem::path stderrFile;  // where the host's stderr goes; empty: a file of the driver's own
};

class HostProcess {
public:
    // Starts the host; throws when it cannot. SIGPIPE is ignored from then on in this process,
    // so writing to a host that has exited fails the write instead of killing the test.
    explicit HostProcess(HostLaunch launch);
    // The usual start: CABRIDGE_CONFIG = `configFile`, CABRIDGE_PLUGIN_PATH removed, plus
    // `extraEnv` entries NAME=value.
    explicit HostProcess(const std::filesystem::path& configFile,
                         const std::string& callerOrigin = kTestExtensionOrigin,
                         const std::vector<std::string>& extraEnv = {},
                         const std::filesystem::path& executable = builtHostExecutable(),
                         const std::vector<std::string>& extraArgs = {});
    // Ends the host as the browser does, by closing its input, and reaps it: it is killed only
    // if it has not exited within 10 s, so a sanitizer build runs the host's exit-time leak
    // check. Fails the running test if the host's stderr holds a sanitizer report. No pipe or
    // process outlives the object.
    ~HostProcess();
    HostProcess(const HostProcess&) = delete;
    HostProcess& operator=(const HostProcess&) = delete;
    HostProcess(HostProcess&&) = delete;
    HostProcess& operator=(HostProcess&&) = delete;

    // Writes bytes to the host's stdin as they are. Throws std::runtime_error when the write
    // fails (the host has closed its input or exited, or closeInput() was called).
    void sendRaw(std::string_view bytes);
    // One frame with `body` as it is (need not be JSON).
    void sendFramed(std::string_view body);
    void send(const nlohmann::json& message);
    // Closes the host's stdin: end of input, as when the browser lets go of the port.
    void closeInput();

    // The next reply, or nullopt on end of output, a cut-off frame or when `timeout` passes.
    // A reply announced as over 1 MiB fails the test (and gives nullopt); a body that is not
    // JSON throws nlohmann::json::parse_error.
    std::optional<nlohmann::json> readReply(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // The next reply, which must be a JSON object; throws std::runtime_error saying what came
    // instead (timeout, end of output, a cut-off or oversized frame, not a JSON object).
    nlohmann::json receive(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // send + receive. Does not compare ids: a reply may carry id null (docs/protocol.md).
    nlohmann::json request(const nlohmann::json& message, std::chrono::milliseconds timeout = std::chrono::seconds(10));

    // The exit code (128 + signal when killed by one) once the host has exited within
    // `timeout`, else nullopt. The host is reaped then; later calls give the same code.
    std::optional<int> waitForExit(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // True if the host's stdout reached EOF within `timeout` (it closed it or exited).
    bool outputClosed(std::chrono::milliseconds timeout);

    // The host's process id, e.g. to read /proc/<pid>/status.
    int pid() const { return child_.id(); }
    const std::filesystem::path& stderrFile() const { return stderrFile_; }

private:
    TempDir scratch_;  // holds the default stderr file; outlives child_
    std::filesystem::path executable_;
    std::filesystem::path stderrFile_;
    boost::process::pipe in_;
    boost::process::pipe out_;
    boost::process::child child_;
    std::optional<int> exitCode_;
};

}  // namespace cabridge::test_support
