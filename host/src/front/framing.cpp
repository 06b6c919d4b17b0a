#include "framing.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace cabridge {
namespace {

// Reads exactly `len` bytes; false at EOF or error before that.
bool readFully(int fd, std::uint8_t* buf, std::size_t len)
{
    std::size_t done = 0;
    while (done < len) {
        const ssize_t n = ::read(fd, buf + done, len - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            return false;  // end of input (n == 0) or a read error
        }
    }
    return true;
}

bool writeFully(int fd, const std::uint8_t* buf, std::size_t len)
{
    std::size_t done = 0;
    while (done < len) {
        const ssize_t n = ::write(fd, buf + done, len - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            return false;
        }
    }
    return true;
}

}  // namespace

Frame readFrame(int fd)
{
    Frame frame;
    std::uint8_t header[4];
    if (!readFully(fd, header, sizeof header)) {
        return frame;  // EndOfInput
    }
    std::uint32_t length = 0;
    std::memcpy(&length, header, sizeof length);  // native byte order, as the browser writes it
    frame.announcedLength = length;
    if (length == 0) {
        frame.kind = Frame::Kind::Empty;
        return frame;
    }
    if (length > kMaxMessageSize) {
        frame.kind = Frame::Kind::TooLarge;
        return frame;
    }
    frame.body.resize(length);
    if (!readFully(fd, frame.body.data(), length)) {
        frame.body.clear();
        frame.kind = Frame::Kind::EndOfInput;
        return frame;
    }
    frame.kind = Frame::Kind::Message;
    return frame;
}

std::string wireJson(const nlohmann::json& message)
{
    return message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool writeFrame(int fd, std::string_view body)
{
    if (body.size() > kMaxMessageSize) {
        return false;
    }
    const auto length = static_cast<std::uint32_t>(body.size());
    std::uint8_t header[4];
    std::memcpy(header, &length, sizeof length);
    return writeFully(fd, header, sizeof header) &&
           writeFully(fd, reinterpret_cast<const std::uint8_t*>(body.data()), body.size());
}

}  // namespace cabridge
