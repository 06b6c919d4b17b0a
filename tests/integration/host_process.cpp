#include "host_process.h"

#include <cabridge/test_support/child_process.h>

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <poll.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace bp = boost::process;

namespace cabridge::test {

HostProcess::HostProcess(const std::filesystem::path& configFile, const std::string& callerOrigin,
                         const std::vector<std::string>& extraEnv, const std::filesystem::path& executable,
                         const std::vector<std::string>& extraArgs)
{
    test_support::EnvironmentChanges changes {{"CABRIDGE_CONFIG", configFile.string()},
                                              {"CABRIDGE_PLUGIN_PATH", std::nullopt}};
    for (const auto& entry : extraEnv) {
        const auto eq = entry.find('=');
        changes[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    std::vector<std::string> args {callerOrigin};
    args.insert(args.end(), extraArgs.begin(), extraArgs.end());
    child_ = bp::child(bp::exe = executable.string(), bp::args = args, test_support::childEnvironment(changes),
                       bp::std_in<in_, bp::std_out> out_, bp::std_err > (scratch_.path() / "host.stderr").string());
    // Boost closed the child's ends in this process; forget them so they are not closed twice.
    in_.assign_source(-1);
    out_.assign_sink(-1);
}

HostProcess::~HostProcess()
{
    if (child_.valid() && child_.joinable()) {  // not yet reaped by waitForExit
        if (in_.native_sink() != -1) {
            closeInput();
        }
        if (!waitForExit(std::chrono::seconds(10))) {
            std::error_code ec;
            child_.terminate(ec);
        }
    }
    std::ifstream err(scratch_.path() / "host.stderr", std::ios::binary);
    const std::string text {std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>()};
    test_support::expectNoSanitizerReport(CABRIDGE_HOST_EXE, text);
}

void HostProcess::sendRaw(const std::string& bytes)
{
    if (!test_support::writeAll(in_.native_sink(), bytes)) {
        throw std::runtime_error("cannot write to host stdin");
    }
}

void HostProcess::sendFramed(const std::string& body)
{
    sendRaw(test_support::frame(body));
}

void HostProcess::send(const nlohmann::json& message)
{
    sendFramed(message.dump());
}

void HostProcess::closeInput()
{
    ::close(in_.native_sink());
    in_.assign_sink(-1);
}

std::optional<nlohmann::json> HostProcess::readReply(std::chrono::milliseconds timeout)
{
    using test_support::FrameRead;
    const FrameRead read = test_support::readFrame(out_.native_source(), std::chrono::steady_clock::now() + timeout);
    if (read.outcome == FrameRead::Outcome::tooLarge) {
        ADD_FAILURE() << "host announced a reply of " << read.announced << " bytes";
    }
    if (read.outcome != FrameRead::Outcome::message) {
        return std::nullopt;
    }
    return nlohmann::json::parse(read.body);
}

nlohmann::json HostProcess::request(const nlohmann::json& message, std::chrono::milliseconds timeout)
{
    send(message);
    auto reply = readReply(timeout);
    if (!reply) {
        throw std::runtime_error("no reply to " + message.value("command", "?"));
    }
    return *reply;
}

bool HostProcess::outputClosed(std::chrono::milliseconds timeout)
{
    pollfd pfd {out_.native_source(), POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(timeout.count())) <= 0) {
        return false;
    }
    char c;
    return ::read(out_.native_source(), &c, 1) == 0;
}

std::optional<int> HostProcess::waitForExit(std::chrono::milliseconds timeout)
{
    // waitpid polling rather than child::wait_for, which in Boost 1.74 waits out
    // the whole timeout when the child has already exited.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t pid = ::waitpid(child_.id(), &status, WNOHANG);
        if (pid == child_.id()) {
            child_.detach();  // reaped here; Boost must not wait or kill it again
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (pid < 0 || std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

}  // namespace cabridge::test
