// Tests of cabridge/test_support/native_messaging.h over real pipes.
#include <cabridge/test_support/native_messaging.h>

#include <gtest/gtest.h>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>

using cabridge::test_support::frame;
using cabridge::test_support::FrameRead;
using cabridge::test_support::lengthPrefix;
using cabridge::test_support::readFrame;
using cabridge::test_support::writeAll;
using Outcome = FrameRead::Outcome;
using namespace std::chrono_literals;

namespace {

// A pipe whose ends close with the object; the write end can be closed earlier.
class Pipe {
public:
    Pipe() { EXPECT_EQ(::pipe(fds_), 0); }
    ~Pipe()
    {
        closeWrite();
        ::close(fds_[0]);
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;

    int readFd() const { return fds_[0]; }
    int writeFd() const { return fds_[1]; }
    void closeWrite()
    {
        if (fds_[1] != -1) {
            ::close(fds_[1]);
            fds_[1] = -1;
        }
    }

private:
    int fds_[2] = {-1, -1};
};

FrameRead readSoon(int fd, std::size_t maxBytes = cabridge::test_support::kMaxReplyBytes)
{
    return readFrame(fd, std::chrono::steady_clock::now() + 200ms, maxBytes);
}

}  // namespace

TEST(NativeMessaging, LengthIsFourBytesInThisMachinesOrder)
{
    const std::string prefix = lengthPrefix(0x01020304u);
    ASSERT_EQ(prefix.size(), 4u);
    std::uint32_t back = 0;
    std::memcpy(&back, prefix.data(), 4);
    EXPECT_EQ(back, 0x01020304u);
    EXPECT_EQ(frame(R"({"id":1})"), lengthPrefix(8) + R"({"id":1})");
    EXPECT_EQ(frame(""), std::string(4, '\0'));
}

TEST(NativeMessaging, ReadsFramesInTurnThenEndOfInput)
{
    Pipe pipe;
    ASSERT_TRUE(writeAll(pipe.writeFd(), frame("{}") + frame("证书")));
    pipe.closeWrite();
    FrameRead first = readSoon(pipe.readFd());
    EXPECT_EQ(first.outcome, Outcome::message);
    EXPECT_EQ(first.body, "{}");
    FrameRead second = readSoon(pipe.readFd());
    EXPECT_EQ(second.outcome, Outcome::message);
    EXPECT_EQ(second.body, "证书");
    EXPECT_EQ(second.announced, std::string("证书").size());
    EXPECT_EQ(readSoon(pipe.readFd()).outcome, Outcome::endOfInput);
}

TEST(NativeMessaging, SaysWhyThereIsNoMessage)
{
    {
        Pipe pipe;  // open and silent
        EXPECT_EQ(readSoon(pipe.readFd()).outcome, Outcome::timedOut);
    }
    {
        Pipe pipe;  // a length and half a body, still open
        ASSERT_TRUE(writeAll(pipe.writeFd(), lengthPrefix(10) + "12345"));
        const FrameRead read = readSoon(pipe.readFd());
        EXPECT_EQ(read.outcome, Outcome::timedOut);
        EXPECT_EQ(read.body, "");
    }
    for (const std::string& bytes : {std::string("\x05\x00", 2), lengthPrefix(10) + "12345"}) {
        Pipe pipe;
        ASSERT_TRUE(writeAll(pipe.writeFd(), bytes));
        pipe.closeWrite();
        EXPECT_EQ(readSoon(pipe.readFd()).outcome, Outcome::truncated);
    }
    {
        Pipe pipe;
        ASSERT_TRUE(writeAll(pipe.writeFd(), lengthPrefix(11) + "not read"));
        const FrameRead read = readSoon(pipe.readFd(), 10);
        EXPECT_EQ(read.outcome, Outcome::tooLarge);
        EXPECT_EQ(read.announced, 11u);
    }
}

TEST(NativeMessaging, WriteAllFailsOnceTheReaderHasGone)
{
    std::signal(SIGPIPE, SIG_IGN);
    int fds[2] = {-1, -1};
    ASSERT_EQ(::pipe(fds), 0);
    ::close(fds[0]);
    EXPECT_FALSE(writeAll(fds[1], frame("{}")));
    EXPECT_EQ(errno, EPIPE);
    ::close(fds[1]);
}

TEST(NativeMessaging, WritesMoreThanAPipeHoldsWhileTheReaderReads)
{
    Pipe pipe;
    const std::string body(std::size_t {1} << 20, 'x');  // 1 MiB: many times a pipe's buffer
    std::thread writer([&] { EXPECT_TRUE(writeAll(pipe.writeFd(), frame(body))); });
    const FrameRead read = readFrame(pipe.readFd(), std::chrono::steady_clock::now() + 30s);
    writer.join();
    EXPECT_EQ(read.outcome, Outcome::message);
    EXPECT_EQ(read.body.size(), body.size());
}
