// Token faults (plugin_start_cache.h) and the per-host call markers (token_call_marker.h): what
// a marker file says, and what the next host makes of the markers of hosts that are gone.
#include "plugin_start_cache.h"
#include <cabridge/test_support/temp_dir.h>
#include "token_call_marker.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

using namespace cabridge;
using namespace std::chrono_literals;

namespace {

std::string readAll(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void writeAll(const std::filesystem::path& file, const std::string& text)
{
    std::ofstream(file, std::ios::binary) << text;
}

// A pid that ran and has been reaped: no process has it (until the pid counter wraps around).
pid_t gonePid()
{
    const pid_t child = ::fork();
    if (child == 0) {
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return child;
}

class TokenCallMarkerTest : public ::testing::Test {
protected:
    TokenCallMarkerTest() : probes_(dir_.path() / "plugin-probes.json")
    {
        // A build that started cleanly before, as a host records it.
        ProbeCache cache(probes_);
        cache.rememberStarted(kIdentity, {"v", "Vendor", "1.0", std::nullopt, {"https://a.example"}, {}});
        cache.save();
    }

    std::optional<TokenFault> faultOf(const std::string& identity)
    {
        ProbeCache cache(probes_);
        const auto verdict = cache.find(identity);
        return verdict ? verdict->tokenFault : std::nullopt;
    }

    std::size_t markerCount() const
    {
        std::error_code ec;
        std::size_t n = 0;
        for (auto it = std::filesystem::directory_iterator(callMarkerDir(probes_), ec);
             !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
            ++n;
        }
        return n;
    }

    static constexpr const char* kIdentity = "0123456789abcdef";
    test_support::TempDir dir_;
    std::filesystem::path probes_;
};

}  // namespace

TEST_F(TokenCallMarkerTest, FaultIsRememberedBesideTheStartRecordAndForgotten)
{
    EXPECT_FALSE(faultOf(kIdentity));
    rememberTokenFault(probes_, kIdentity, TokenFault {TokenFault::Kind::NotResponding, "login", "too slow"});
    auto fault = faultOf(kIdentity);
    ASSERT_TRUE(fault);
    EXPECT_EQ(fault->kind, TokenFault::Kind::NotResponding);
    EXPECT_EQ(fault->call, "login");
    EXPECT_EQ(fault->reason, "too slow");
    // The start record is kept: status can still answer without loading the plugin.
    ProbeCache cache(probes_);
    const auto verdict = cache.find(kIdentity);
    ASSERT_TRUE(verdict && verdict->started);
    EXPECT_EQ(verdict->started->origins, std::vector<std::string> {"https://a.example"});
    EXPECT_EQ((std::filesystem::status(probes_).permissions() & std::filesystem::perms::all),
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

    rememberTokenFault(probes_, kIdentity, std::nullopt);
    EXPECT_FALSE(faultOf(kIdentity));
}

TEST_F(TokenCallMarkerTest, MalformedFaultRecordIsNoFault)
{
    auto verdicts = nlohmann::json::parse(readAll(probes_));
    verdicts[kIdentity]["tokenFault"] = {{"kind", "exploded"}, {"call", "login"}, {"reason", "x"}};
    writeAll(probes_, verdicts.dump());
    EXPECT_FALSE(faultOf(kIdentity));
}

TEST_F(TokenCallMarkerTest, MarkerSaysWhichCallTheHostIsInsideAndGoesWithTheHost)
{
    {
        TokenCallMarker marker(probes_);
        EXPECT_EQ(markerCount(), 0u);  // created by the first call, not before
        marker.enter(kIdentity, "v", "list_tokens", 300ms);
        ASSERT_EQ(markerCount(), 1u);
        const auto file = std::filesystem::directory_iterator(callMarkerDir(probes_))->path();
        EXPECT_EQ(file.filename().string().rfind(std::to_string(::getpid()) + "-", 0), 0u) << file;
        EXPECT_EQ(readAll(file), std::string("1  \n") + kIdentity + "\nv\nlist_tokens\n");
        EXPECT_EQ((std::filesystem::status(file).permissions() & std::filesystem::perms::all),
                  std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        ASSERT_TRUE(marker.current());
        EXPECT_EQ(marker.current()->call, "list_tokens");
        marker.leave();
        EXPECT_EQ(readAll(file)[0], '0');
        EXPECT_FALSE(marker.current());
        // A running host's marker is never taken for a gone one.
        EXPECT_EQ(collectCrashedCalls(probes_), 0u);
        EXPECT_EQ(markerCount(), 1u);
    }
    EXPECT_EQ(markerCount(), 0u);
}

TEST_F(TokenCallMarkerTest, DeadlinePassedRecordsTheCallUnderWay)
{
    TokenCallMarker marker(probes_);
    EXPECT_FALSE(marker.deadlinePassed());  // no call under way: nothing to blame
    // A call that may wait for the person: its deadline is not held against the build.
    marker.enter(kIdentity, "v", "login", 20000ms, false);
    EXPECT_FALSE(marker.deadlinePassed());
    EXPECT_FALSE(faultOf(kIdentity));
    EXPECT_FALSE(marker.current());

    marker.enter(kIdentity, "v", "identify", 10000ms);
    const auto fault = marker.deadlinePassed();
    ASSERT_TRUE(fault);
    EXPECT_EQ(fault->kind, TokenFault::Kind::NotResponding);
    EXPECT_NE(fault->reason.find("identify did not answer within 10000 ms"), std::string::npos) << fault->reason;
    const auto recorded = faultOf(kIdentity);
    ASSERT_TRUE(recorded);
    EXPECT_EQ(recorded->reason, fault->reason);
    EXPECT_FALSE(marker.current());
    marker.forgetFault(kIdentity);
    EXPECT_FALSE(faultOf(kIdentity));
}

TEST_F(TokenCallMarkerTest, GoneHostsMarkersAreReadOnceCrashesRecordedOthersDropped)
{
    const auto dir = callMarkerDir(probes_);
    std::filesystem::create_directories(dir);
    const auto crashed = dir / (std::to_string(gonePid()) + "-0");
    writeAll(crashed, std::string("211\n") + kIdentity + "\nv\nlist_tokens\n");
    const auto killed = dir / (std::to_string(gonePid()) + "-0");
    writeAll(killed, "1  \nfedcba9876543210\nw\nlogin\n");
    const auto idle = dir / (std::to_string(gonePid()) + "-0");
    writeAll(idle, std::string("0  \n") + kIdentity + "\nv\nsign\n");
    // A marker of this very process, but from an earlier process that had the same pid
    // (another start time): gone too.
    const auto reused = dir / (std::to_string(::getpid()) + "-1");
    writeAll(reused, "0");
    const auto stranger = dir / "not-a-marker";
    writeAll(stranger, "2");

    EXPECT_EQ(collectCrashedCalls(probes_), 1u);
    const auto fault = faultOf(kIdentity);
    ASSERT_TRUE(fault);
    EXPECT_EQ(fault->kind, TokenFault::Kind::Crashed);
    EXPECT_EQ(fault->call, "list_tokens");
    EXPECT_NE(fault->reason.find("crashed (SIGSEGV) inside list_tokens"), std::string::npos) << fault->reason;
    EXPECT_FALSE(faultOf("fedcba9876543210"));  // killed without a crash signal: not held against it
    EXPECT_FALSE(std::filesystem::exists(crashed));
    EXPECT_FALSE(std::filesystem::exists(killed));
    EXPECT_FALSE(std::filesystem::exists(idle));
    EXPECT_TRUE(std::filesystem::exists(stranger));  // not ours to remove
    EXPECT_EQ(collectCrashedCalls(probes_), 0u);     // each marker is read once
}

TEST_F(TokenCallMarkerTest, NoMarkerDirectoryIsNothingToDo)
{
    EXPECT_EQ(collectCrashedCalls(dir_.path() / "elsewhere" / "plugin-probes.json"), 0u);
}
