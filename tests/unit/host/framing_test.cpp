#include "framing.h"

#include "controller.h"

#include <cabridge/test_support/native_messaging.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <unistd.h>

using namespace cabridge;
using cabridge::test_support::lengthPrefix;

namespace {

// A pipe whose write end is closed after `bytes` are written, so reads see EOF.
class Pipe {
public:
    explicit Pipe(const std::string& bytes)
    {
        EXPECT_EQ(::pipe(fds_), 0);
        EXPECT_EQ(::write(fds_[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
        ::close(fds_[1]);
    }
    ~Pipe() { ::close(fds_[0]); }
    int readFd() const { return fds_[0]; }

private:
    int fds_[2] = {-1, -1};
};

}  // namespace

TEST(Framing, ReadsSeveralMessagesThenEof)
{
    Pipe pipe(lengthPrefix(2) + "{}" + lengthPrefix(7) + "{\"a\":1}");
    auto frame = readFrame(pipe.readFd());
    ASSERT_EQ(frame.kind, Frame::Kind::Message);
    EXPECT_EQ(std::string(frame.body.begin(), frame.body.end()), "{}");
    frame = readFrame(pipe.readFd());
    ASSERT_EQ(frame.kind, Frame::Kind::Message);
    EXPECT_EQ(std::string(frame.body.begin(), frame.body.end()), "{\"a\":1}");
    EXPECT_EQ(readFrame(pipe.readFd()).kind, Frame::Kind::EndOfInput);
}

TEST(Framing, ZeroLengthIsEmpty)
{
    Pipe pipe(lengthPrefix(0));
    EXPECT_EQ(readFrame(pipe.readFd()).kind, Frame::Kind::Empty);
}

TEST(Framing, OversizedLengthIsRefusedWithoutReadingBody)
{
    Pipe pipe(lengthPrefix(0xFFFFFFFFu) + "xyz");
    const auto frame = readFrame(pipe.readFd());
    EXPECT_EQ(frame.kind, Frame::Kind::TooLarge);
    EXPECT_EQ(frame.announcedLength, 0xFFFFFFFFu);
    EXPECT_TRUE(frame.body.empty());
    char rest[3];
    EXPECT_EQ(::read(pipe.readFd(), rest, 3), 3);  // body left unread
}

TEST(Framing, LimitIsExactlyOneMebibyte)
{
    Pipe over(lengthPrefix(kMaxMessageSize + 1));
    EXPECT_EQ(readFrame(over.readFd()).kind, Frame::Kind::TooLarge);
    Pipe at(lengthPrefix(kMaxMessageSize));  // allowed length, body missing -> EOF
    EXPECT_EQ(readFrame(at.readFd()).kind, Frame::Kind::EndOfInput);
}

TEST(Framing, TruncatedLengthOrBodyIsEndOfInput)
{
    Pipe shortLength(std::string("\x05\x00", 2));
    EXPECT_EQ(readFrame(shortLength.readFd()).kind, Frame::Kind::EndOfInput);
    Pipe shortBody(lengthPrefix(10) + "{\"a\"");
    EXPECT_EQ(readFrame(shortBody.readFd()).kind, Frame::Kind::EndOfInput);
}

TEST(Framing, WriteThenReadRoundTripsBinarySafe)
{
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    constexpr char kBody[] = "{\"x\":\"\xE6\xB2\xB3\"}\r\n";
    const std::string body(kBody, sizeof kBody - 1);
    ASSERT_TRUE(writeFrame(fds[1], body));
    ::close(fds[1]);
    const auto frame = readFrame(fds[0]);
    ::close(fds[0]);
    ASSERT_EQ(frame.kind, Frame::Kind::Message);
    EXPECT_EQ(std::string(frame.body.begin(), frame.body.end()), body);
}

TEST(Framing, WriteRefusesMoreThanOneMebibyte)
{
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    EXPECT_FALSE(writeFrame(fds[1], std::string(kMaxMessageSize + 1, 'a')));
    ::close(fds[1]);
    char c;
    EXPECT_EQ(::read(fds[0], &c, 1), 0);  // nothing was written
    ::close(fds[0]);
}

// The last guard before writeFrame: a reply over the browser's 1 MiB limit must still go out,
// as INTERNAL_ERROR, or writeFrame refuses it and the host stops serving.
TEST(SerializeReply, FittingReplyIsSentAsIs)
{
    const nlohmann::json reply = {{"id", 7}, {"result", {{"text", std::string(1000, 'x')}}}};
    EXPECT_EQ(nlohmann::json::parse(serializeReply(reply)), reply);
}

TEST(SerializeReply, OversizedReplyBecomesInternalErrorWithTheSameId)
{
    const nlohmann::json reply = {{"id", "req-1"}, {"result", {{"text", std::string(kMaxMessageSize, 'x')}}}};
    const auto text = serializeReply(reply);
    ASSERT_LE(text.size(), kMaxMessageSize);
    const auto sent = nlohmann::json::parse(text);
    EXPECT_EQ(sent["id"], "req-1");
    EXPECT_EQ(sent["error"]["code"], "INTERNAL_ERROR");
    EXPECT_EQ(sent["error"]["details"]["reason"], "reply too large");
    EXPECT_FALSE(sent.contains("result"));
}

TEST(SerializeReply, IdTooLargeToEchoIsReplacedByNull)
{
    // An id that alone fills the frame: echoing it in the INTERNAL_ERROR would overflow again.
    const nlohmann::json reply = {{"id", std::string(kMaxMessageSize - 10, 'i')},
                                  {"error", {{"code", "UNKNOWN_COMMAND"}}}};
    const auto text = serializeReply(reply);
    ASSERT_LE(text.size(), kMaxMessageSize);
    const auto sent = nlohmann::json::parse(text);
    EXPECT_EQ(sent["id"], nullptr);
    EXPECT_EQ(sent["error"]["code"], "INTERNAL_ERROR");
}

TEST(SerializeReply, ExactlyOneMebibyteIsStillSentAsIs)
{
    nlohmann::json reply = {{"id", 1}, {"result", {{"t", ""}}}};
    const auto overhead = reply.dump().size();
    reply["result"]["t"] = std::string(kMaxMessageSize - overhead, 'x');
    const auto text = serializeReply(reply);
    EXPECT_EQ(text.size(), kMaxMessageSize);
    EXPECT_EQ(nlohmann::json::parse(text), reply);
}
