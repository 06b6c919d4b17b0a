#include <cabridge/test_support/native_messaging.h>

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cabridge::test_support {
namespace {

enum class ReadStatus { complete, endOfInput, timedOut };

// Reads exactly `length` bytes unless EOF or the deadline comes first; `done` counts what arrived.
ReadStatus readExactly(int fd, char* buffer, std::size_t length, std::size_t& done,
                       std::chrono::steady_clock::time_point deadline)
{
    done = 0;
    while (done < length) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return ReadStatus::timedOut;
        }
        pollfd pfd {fd, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (ready <= 0) {
            continue;  // EINTR or nothing yet: the loop head checks the deadline
        }
        const ssize_t n = ::read(fd, buffer + done, length - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return ReadStatus::endOfInput;
        }
        done += static_cast<std::size_t>(n);
    }
    return ReadStatus::complete;
}

}  // namespace

std::string lengthPrefix(std::uint32_t length)
{
    std::string out(sizeof length, '\0');
    std::memcpy(out.data(), &length, sizeof length);
    return out;
}

std::string frame(std::string_view body)
{
    std::string out = lengthPrefix(static_cast<std::uint32_t>(body.size()));
    out.append(body);
    return out;
}

bool writeAll(int fd, std::string_view bytes)
{
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

FrameRead readFrame(int fd, std::chrono::steady_clock::time_point deadline, std::size_t maxBytes)
{
    FrameRead result;
    std::uint32_t length = 0;
    std::size_t got = 0;
    switch (readExactly(fd, reinterpret_cast<char*>(&length), sizeof length, got, deadline)) {
    case ReadStatus::timedOut:
        result.outcome = FrameRead::Outcome::timedOut;
        return result;
    case ReadStatus::endOfInput:
        result.outcome = got == 0 ? FrameRead::Outcome::endOfInput : FrameRead::Outcome::truncated;
        return result;
    case ReadStatus::complete:
        break;
    }
    result.announced = length;
    if (length > maxBytes) {
        result.outcome = FrameRead::Outcome::tooLarge;
        return result;
    }
    result.body.resize(length);
    switch (readExactly(fd, result.body.data(), length, got, deadline)) {
    case ReadStatus::timedOut:
        result.outcome = FrameRead::Outcome::timedOut;
        break;
    case ReadStatus::endOfInput:
        result.outcome = FrameRead::Outcome::truncated;
        break;
    case ReadStatus::complete:
        result.outcome = FrameRead::Outcome::message;
        return result;
    }
    result.body.clear();
    return result;
}

const char* describe(FrameRead::Outcome outcome)
{
    switch (outcome) {
    case FrameRead::Outcome::message:
        return "a message";
    case FrameRead::Outcome::endOfInput:
        return "end of output before a reply";
    case FrameRead::Outcome::truncated:
        return "end of output in the middle of a reply";
    case FrameRead::Outcome::timedOut:
        return "timed out waiting for a reply";
    case FrameRead::Outcome::tooLarge:
        return "a reply announced as larger than the limit";
    }
    return "?";
}

}  // namespace cabridge::test_support
