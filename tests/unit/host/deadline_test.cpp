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

TEST(DeadlineDeathTest, TokenTimeoutRunsHookThenExitsWithStatus3)
{
    EXPECT_EXIT(
        {
            setTokenTimeoutReplyHook([](std::string_view what) {
                const std::string line = "reply:" + std::string(what);
                (void)!::write(2, line.data(), line.size());
            });
            exitAfterTokenTimeout("vendor: login");
        },
        ::testing::ExitedWithCode(kTokenTimeoutExitStatus), "reply:vendor: login");
}
