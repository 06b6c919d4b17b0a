// The client side of Chrome's native-messaging framing, as the browser speaks it to the host:
// each message is a 4-byte length in this machine's byte order, then that many bytes of UTF-8
// JSON. For tests and the benchmark driver (no GoogleTest here); independent of the host's own
// framing code, so tests of that code check it against a second reading of the format.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cabridge::test_support {

// The largest reply the host may send (docs/protocol.md: 1 MiB).
inline constexpr std::size_t kMaxReplyBytes = std::size_t {1024} * 1024;

// The 4 length bytes of a frame whose body is `length` bytes long.
std::string lengthPrefix(std::uint32_t length);

// One whole frame: lengthPrefix(body.size()) followed by `body`.
std::string frame(std::string_view body);

// Writes all of `bytes` to `fd`, retrying short writes and EINTR. False when a write fails
// (errno tells why: EPIPE once the reader has gone, if SIGPIPE is ignored).
bool writeAll(int fd, std::string_view bytes);

struct FrameRead {
    enum class Outcome {
        message,     // `body` holds a whole frame's body
        endOfInput,  // EOF before the first length byte
        truncated,   // EOF inside the length or the body
        timedOut,    // the deadline passed first
        tooLarge,    // the length exceeds the limit; `announced` says what it was; body not read
    };
    Outcome outcome = Outcome::timedOut;
    std::string body;
    std::uint32_t announced = 0;  // the length the frame announced, once read
};

// Reads one frame from `fd`, waiting (poll) no longer than `deadline`; never blocks past it.
FrameRead readFrame(int fd, std::chrono::steady_clock::time_point deadline, std::size_t maxBytes = kMaxReplyBytes);

// What a failed FrameRead::Outcome means, for error messages ("timed out", ...).
const char* describe(FrameRead::Outcome outcome);

}  // namespace cabridge::test_support
