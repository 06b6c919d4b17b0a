#include "deadline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <unistd.h>

using namespace cabridge;
using namespace std::chrono_literals;

TEST(Deadline, FinishedWorkReturnsTrue)
{
    int value = 0;
    EXPECT_TRUE(runWithDeadline(1000ms, [&value] { value = 42; }));
    EXPECT_EQ(value, 42);
}

TEST(Deadline, ExceptionsAreRethrownInTheCaller)
{
    EXPECT_THROW(runWithDeadline(1000ms, [] { throw std::runtime_error("boom"); }), std::runtime_error);
}

TEST(Deadline, StuckWorkIsAbandonedAtTheDeadline)
{
    auto release = std::make_shared<std::atomic<bool>>(false);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(runWithDeadline(100ms, [release] {
        while (!*release) std::this_thread::sleep_for(5ms);
    }));
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_GE(waited, 100ms);
    EXPECT_LT(waited, 1000ms);
    *release = true;  // let the detached worker end
}

TEST(DeadlineDeathTest, TokenTimeoutRunsItsActionThenExitsWithStatus3)
{
    EXPECT_EXIT(
        {
            exitAfterTokenTimeout("vendor: login", [] {
                const std::string line = "reply:login";
                (void)!::write(2, line.data(), line.size());
            });
        },
        ::testing::ExitedWithCode(kTokenTimeoutExitStatus), "reply:login");
}

TEST(Watchdog, WorkRunsOnTheCallingThreadAndExceptionsPropagate)
{
    const auto caller = std::this_thread::get_id();
    std::thread::id ranOn;
    runUnderWatchdog(1000ms, "vendor: sign", {}, [&ranOn] { ranOn = std::this_thread::get_id(); });
    EXPECT_EQ(ranOn, caller);
    EXPECT_THROW(runUnderWatchdog(1000ms, "vendor: sign", {}, [] { throw std::runtime_error("boom"); }),
                 std::runtime_error);
    // A short deadline after a long one still fires on time (see the next test); a call
    // well within its deadline is left alone.
    runUnderWatchdog(20000ms, "vendor: login", {}, [] {});
    runUnderWatchdog(200ms, "vendor: list_token", {}, [] { std::this_thread::sleep_for(20ms); });
}

TEST(WatchdogDeathTest, StuckCallRunsItsOwnActionThenExitsWithStatus3AtItsDeadline)
{
    EXPECT_EXIT(
        {
            const auto replyFor = [](const std::string& what) {
                return [what] {
                    const std::string line = "reply:" + what;
                    (void)!::write(2, line.data(), line.size());
                };
            };
            runUnderWatchdog(20000ms, "vendor: login", replyFor("login"),
                             [] {});  // the watchdog now sleeps towards +20 s
            const auto start = std::chrono::steady_clock::now();
            runUnderWatchdog(150ms, "vendor: sign", replyFor("sign"), [start] {
                while (std::chrono::steady_clock::now() - start < 5s) std::this_thread::sleep_for(5ms);
                (void)!::write(2, "too late", 8);
            });
        },
        ::testing::ExitedWithCode(kTokenTimeoutExitStatus), "reply:sign");
}
