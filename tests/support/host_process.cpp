#include <cabridge/test_support/host_process.h>

#include <cabridge/test_support/native_messaging.h>

#include <boost/process/args.hpp>
#include <boost/process/env.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/io.hpp>
#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace bp = boost::process;

namespace cabridge::test_support {
namespace {

HostLaunch launchWithConfig(const std::filesystem::path& configFile, const std::string& callerOrigin,
                            const std::vector<std::string>& extraEnv, const std::filesystem::path& executable,
                            const std::vector<std::string>& extraArgs)
{
    HostLaunch launch {executable,
                       callerOrigin,
                       extraArgs,
                       {{"CABRIDGE_CONFIG", configFile.string()}, {"CABRIDGE_PLUGIN_PATH", std::nullopt}},
                       {}};
    for (const auto& entry : extraEnv) {
        const auto eq = entry.find('=');
        launch.environment[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    return launch;
}

}  // namespace

std::filesystem::path builtHostExecutable()
{
    return CABRIDGE_TEST_SUPPORT_HOST_EXE;
}

HostProcess::HostProcess(HostLaunch launch)
    : scratch_("cabridge-host-"), executable_(std::move(launch.executable)),
      stderrFile_(launch.stderrFile.empty() ? scratch_.path() / "host.stderr" : std::move(launch.stderrFile))
{
    std::signal(SIGPIPE, SIG_IGN);
    std::vector<std::string> args {launch.callerOrigin};
    args.insert(args.end(), launch.extraArgs.begin(), launch.extraArgs.end());
    child_ = bp::child(bp::exe = executable_.string(), bp::args = args, childEnvironment(launch.environment),
                       bp::std_in<in_, bp::std_out> out_, bp::std_err > stderrFile_.string());
    // Boost closed the child's ends in this process; forget them so they are not closed twice.
    in_.assign_source(-1);
    out_.assign_sink(-1);
}

HostProcess::HostProcess(const std::filesystem::path& configFile, const std::string& callerOrigin,
                         const std::vector<std::string>& extraEnv, const std::filesystem::path& executable,
                         const std::vector<std::string>& extraArgs)
    : HostProcess(launchWithConfig(configFile, callerOrigin, extraEnv, executable, extraArgs))
{
}

HostProcess::~HostProcess()
{
    closeInput();
    if (!exitCode_ && !waitForExit(std::chrono::seconds(10))) {
        // Not child::terminate: in Boost 1.74 it reaps with WNOHANG right after SIGKILL, which
        // mostly comes too early and leaves a zombie.
        ::kill(child_.id(), SIGKILL);
        waitForExit(std::chrono::seconds(10));
    }
    expectNoSanitizerReport(executable_.string(), readFile(stderrFile_));
}

void HostProcess::sendRaw(std::string_view bytes)
{
    if (in_.native_sink() == -1 || !writeAll(in_.native_sink(), bytes)) {
        throw std::runtime_error(std::string("cannot write to the host's stdin: ") + std::strerror(errno));
    }
}

void HostProcess::sendFramed(std::string_view body)
{
    sendRaw(frame(body));
}

void HostProcess::send(const nlohmann::json& message)
{
    sendFramed(message.dump());
}

void HostProcess::closeInput()
{
    if (in_.native_sink() != -1) {
        ::close(in_.native_sink());
        in_.assign_sink(-1);
    }
}

std::optional<nlohmann::json> HostProcess::readReply(std::chrono::milliseconds timeout)
{
    const FrameRead read = readFrame(out_.native_source(), std::chrono::steady_clock::now() + timeout);
    if (read.outcome == FrameRead::Outcome::tooLarge) {
        ADD_FAILURE() << "host announced a reply of " << read.announced << " bytes";
    }
    if (read.outcome != FrameRead::Outcome::message) {
        return std::nullopt;
    }
    return nlohmann::json::parse(read.body);
}

nlohmann::json HostProcess::receive(std::chrono::milliseconds timeout)
{
    const FrameRead read = readFrame(out_.native_source(), std::chrono::steady_clock::now() + timeout);
    if (read.outcome == FrameRead::Outcome::tooLarge) {
        throw std::runtime_error("host announced a reply over 1 MiB: " + std::to_string(read.announced));
    }
    if (read.outcome != FrameRead::Outcome::message) {
        throw std::runtime_error(std::string("no reply from the host: ") + describe(read.outcome));
    }
    auto reply = nlohmann::json::parse(read.body, nullptr, false);
    if (reply.is_discarded() || !reply.is_object()) {
        throw std::runtime_error("host replied with something that is not a JSON object: " + read.body);
    }
    return reply;
}

nlohmann::json HostProcess::request(const nlohmann::json& message, std::chrono::milliseconds timeout)
{
    send(message);
    return receive(timeout);
}

bool HostProcess::outputClosed(std::chrono::milliseconds timeout)
{
    pollfd pfd {out_.native_source(), POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(timeout.count())) <= 0) {
        return false;
    }
    char c = 0;
    return ::read(out_.native_source(), &c, 1) == 0;
}

std::optional<int> HostProcess::waitForExit(std::chrono::milliseconds timeout)
{
    if (exitCode_) {
        return exitCode_;
    }
    // waitpid polling rather than child::wait_for, which in Boost 1.74 waits out the whole
    // timeout when the child has already exited.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t pid = ::waitpid(child_.id(), &status, WNOHANG);
        if (pid == child_.id()) {
            child_.detach();  // reaped here; Boost must not wait for it or kill it again
            exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return exitCode_;
        }
        if (pid < 0 || std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

}  // namespace cabridge::test_support
