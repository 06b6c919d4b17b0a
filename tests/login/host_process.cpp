#include "host_process.h"

#include <cabridge/test_support/child_process.h>
#include <cabridge/test_support/native_messaging.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <poll.h>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace bp = boost::process;

namespace cabridge::logintest {
namespace {

// The extension id the host serves by default (CMake CABRIDGE_EXTENSION_ID).
constexpr const char* kCallerOrigin = "chrome-extension://nojnbkjmnolldjcnebneodoflnialbln/";

}  // namespace

HostProcess::HostProcess(const std::filesystem::path& exe, const std::map<std::string, std::string>& env,
                         const std::filesystem::path& stderrFile)
    : exe_(exe), stderrFile_(stderrFile)
{
    // A host that exits while we write must give us EPIPE, not kill the test.
    std::signal(SIGPIPE, SIG_IGN);
    child_ = bp::child(exe.string(), kCallerOrigin, bp::std_in<toHost_, bp::std_out> fromHost_,
                       bp::std_err > stderrFile.string(), test_support::childEnvironment({env.begin(), env.end()}));
    // Only the child keeps the far ends, so EOF and EPIPE are seen.
    ::close(toHost_.native_source());
    toHost_.assign_source(-1);
    ::close(fromHost_.native_sink());
    fromHost_.assign_sink(-1);
}

HostProcess::~HostProcess()
{
    closeInput();
    std::error_code ec;
    if (!waitForExit(std::chrono::seconds(10)) && child_.running(ec)) {
        child_.terminate(ec);
    }
    if (child_.joinable()) {
        child_.wait(ec);
    }
    std::ifstream err(stderrFile_, std::ios::binary);
    const std::string text {std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>()};
    test_support::expectNoSanitizerReport(exe_.string(), text);
}

void HostProcess::send(const nlohmann::json& message)
{
    if (!test_support::writeAll(toHost_.native_sink(), test_support::frame(message.dump()))) {
        throw std::runtime_error(std::string("write to host failed: ") + std::strerror(errno));
    }
}

nlohmann::json HostProcess::receive(std::chrono::milliseconds timeout)
{
    using test_support::FrameRead;
    const FrameRead read = test_support::readFrame(fromHost_.native_source(), std::chrono::steady_clock::now() + timeout);
    switch (read.outcome) {
    case FrameRead::Outcome::message:
        break;
    case FrameRead::Outcome::timedOut:
        throw std::runtime_error("timed out waiting for the host's reply");
    case FrameRead::Outcome::endOfInput:
        throw std::runtime_error("host closed its output instead of replying");
    case FrameRead::Outcome::truncated:
        throw std::runtime_error("host closed its output in the middle of a reply");
    case FrameRead::Outcome::tooLarge:
        throw std::runtime_error("host announced a reply over 1 MiB: " + std::to_string(read.announced));
    }
    const std::string& body = read.body;
    auto reply = nlohmann::json::parse(body, nullptr, false);
    if (reply.is_discarded() || !reply.is_object()) {
        throw std::runtime_error("host replied with something that is not a JSON object: " + body);
    }
    return reply;
}

nlohmann::json HostProcess::request(const nlohmann::json& message, std::chrono::milliseconds timeout)
{
    send(message);
    auto reply = receive(timeout);
    if (reply.value("id", nlohmann::json()) != message.at("id")) {
        throw std::runtime_error("reply id does not match the request: " + reply.dump());
    }
    return reply;
}

void HostProcess::closeInput()
{
    if (toHost_.native_sink() != -1) {
        ::close(toHost_.native_sink());
        toHost_.assign_sink(-1);
    }
}

std::optional<int> HostProcess::waitForExit(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::error_code ec;
    while (child_.running(ec)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return child_.exit_code();
}

}  // namespace cabridge::logintest
