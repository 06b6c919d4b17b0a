#include "native_framing.h"

#include <cabridge/test_support/native_messaging.h>

#include <gtest/gtest.h>

#include <cstring>
#include <unistd.h>

using namespace cabridge::admin;
using cabridge::test_support::lengthPrefix;
using namespace std::chrono_literals;

namespace {

// A pipe whose write end can be closed early.
struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() { EXPECT_EQ(::pipe(fds), 0); }
  ~Pipe() {
    close_write();
    if (fds[0] >= 0) ::close(fds[0]);
  }
  void close_write() {
    if (fds[1] >= 0) ::close(fds[1]);
    fds[1] = -1;
  }
  void put(const std::string& bytes) { ASSERT_TRUE(write_all(fds[1], bytes)); }
};

FrameReadResult read_soon(int fd) { return read_frame(fd, std::chrono::steady_clock::now() + 200ms); }

}  // namespace

TEST(NativeFraming, EncodesNativeOrderLengthThenJson) {
  const std::string frame = encode_frame({{"id", 1}});
  EXPECT_EQ(frame, lengthPrefix(8) + R"({"id":1})");
}

TEST(NativeFraming, RoundTrip) {
  Pipe p;
  p.put(encode_frame({{"id", "x"}, {"text", "证书"}}));
  const auto r = read_soon(p.fds[0]);
  ASSERT_TRUE(r.message);
  EXPECT_EQ((*r.message)["text"], "证书");
}

TEST(NativeFraming, ReportsEachFailure) {
  {
    Pipe p;  // nothing written, still open
    EXPECT_EQ(read_soon(p.fds[0]).failure, FrameReadFailure::timed_out);
  }
  {
    Pipe p;
    p.close_write();
    EXPECT_EQ(read_soon(p.fds[0]).failure, FrameReadFailure::end_of_input);
  }
  {
    Pipe p;
    p.put(lengthPrefix(10) + "{}");
    p.close_write();
    EXPECT_EQ(read_soon(p.fds[0]).failure, FrameReadFailure::truncated);
  }
  {
    Pipe p;
    p.put(std::string("\x01\x00", 2));  // half a length prefix
    p.close_write();
    EXPECT_EQ(read_soon(p.fds[0]).failure, FrameReadFailure::truncated);
  }
  {
    Pipe p;
    p.put(lengthPrefix(kMaxFrameBytes + 1));
    EXPECT_EQ(read_soon(p.fds[0]).failure, FrameReadFailure::too_large);
  }
  {
    Pipe p;
    p.put(lengthPrefix(3) + "[1]");
    EXPECT_EQ(read_soon(p.fds[0]).failure, FrameReadFailure::not_json);
  }
  {
    Pipe p;
    p.put(lengthPrefix(0));
    EXPECT_EQ(read_soon(p.fds[0]).failure, FrameReadFailure::not_json);
  }
}
