// Tests of cabridge/test_support/host_process.h with the real cabridge-host: it answers, it is
// reaped, and nothing it held (process, pipes) outlives the driver.
#include <cabridge/test_support/host_process.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <cerrno>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;
using cabridge::test_support::HostLaunch;
using cabridge::test_support::HostProcess;
using cabridge::test_support::TempDir;
using namespace std::chrono_literals;

namespace {

// Open file descriptors of this process.
std::size_t openDescriptors()
{
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/fd")) {
        ++count;
    }
    return count;
}

bool processExists(int pid)
{
    return ::kill(pid, 0) == 0 || errno != ESRCH;
}

// A host configuration with no plugins, policy and log in `dir`.
fs::path emptyHostConfig(const TempDir& dir)
{
    return dir.write("host.json", nlohmann::json {{"pluginDirs", nlohmann::json::array()},
                                                  {"policyFile", (dir.path() / "policy.json").string()},
                                                  {"logFile", (dir.path() / "host.log").string()}}
                                      .dump());
}

}  // namespace

TEST(HostProcess, AnswersAndIsReapedWithNothingLeftOpen)
{
    const TempDir dir;
    const fs::path config = emptyHostConfig(dir);
    const std::size_t before = openDescriptors();
    int pid = 0;
    {
        HostProcess host(config);
        pid = host.pid();
        const auto reply = host.request({{"id", 7}, {"command", "status"}, {"origin", "https://a.example.cn"}});
        EXPECT_EQ(reply["id"], 7);
        EXPECT_EQ(reply["result"]["protocol"], 1) << reply.dump();
        host.sendFramed("not json");
        const auto error = host.readReply();
        ASSERT_TRUE(error.has_value());
        EXPECT_TRUE(error->contains("error")) << error->dump();
    }
    EXPECT_FALSE(processExists(pid)) << "the host was not reaped";
    EXPECT_EQ(openDescriptors(), before);
}

TEST(HostProcess, ExitCodeIsKeptOnceReaped)
{
    const TempDir dir;
    HostProcess host(emptyHostConfig(dir));
    host.closeInput();
    EXPECT_EQ(host.waitForExit(10s), 0);
    EXPECT_EQ(host.waitForExit(0ms), 0);
    EXPECT_TRUE(host.outputClosed(1s));
    EXPECT_THROW(host.send({{"id", 1}}), std::runtime_error);
    EXPECT_THROW(host.receive(100ms), std::runtime_error);
    EXPECT_EQ(host.readReply(100ms), std::nullopt);
}

// A child that ignores the end of its input is killed when the driver goes.
TEST(HostProcess, AChildThatDoesNotExitIsKilledAndReaped)
{
    const TempDir dir;
    const std::size_t before = openDescriptors();
    int pid = 0;
    {
        HostProcess child(HostLaunch {"/bin/sh", "-c", {"exec sleep 600"}, {}, dir.path() / "child.stderr"});
        pid = child.pid();
        EXPECT_EQ(child.readReply(50ms), std::nullopt);
    }
    EXPECT_FALSE(processExists(pid));
    EXPECT_EQ(openDescriptors(), before);
    EXPECT_TRUE(fs::exists(dir.path() / "child.stderr"));
}
