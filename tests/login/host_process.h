// A real cabridge-host child process spoken to over pipes with the native-messaging
// framing (4-byte native-order length + UTF-8 JSON). Every read has a deadline, so a
// host that hangs fails the test instead of blocking it.
#pragma once

#include <boost/process.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace cabridge::logintest {

class HostProcess {
public:
    // Starts `exe chrome-extension://<default id>/` with this process's environment plus
    // `env`; the host's stderr goes to `stderrFile`.
    HostProcess(const std::filesystem::path& exe, const std::map<std::string, std::string>& env,
                const std::filesystem::path& stderrFile);
    // Closes the host's input, as the browser does, and waits for it to exit (killing it only
    // if it has not within 10 s), so a sanitizer build runs the host's exit-time leak check;
    // fails the test if the host's stderr holds a sanitizer report.
    ~HostProcess();
    HostProcess(const HostProcess&) = delete;
    HostProcess& operator=(const HostProcess&) = delete;

    // Writes one framed message. Throws std::runtime_error if the pipe is closed.
    void send(const nlohmann::json& message);
    // Reads one framed reply; throws std::runtime_error on timeout, EOF or bad JSON.
    nlohmann::json receive(std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // send + receive, checking that the reply carries the same id.
    nlohmann::json request(const nlohmann::json& message, std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // Closes the host's stdin (end of input).
    void closeInput();
    // Exit code if the host exits within `timeout`, else nullopt.
    std::optional<int> waitForExit(std::chrono::milliseconds timeout);

private:
    std::filesystem::path exe_;
    std::filesystem::path stderrFile_;
    boost::process::pipe toHost_;
    boost::process::pipe fromHost_;
    boost::process::child child_;
};

}  // namespace cabridge::logintest
