// Native-messaging framing: a 4-byte length in native byte order, then that many
// bytes of UTF-8 JSON. Reads and writes go straight to file descriptors with
// read(2)/write(2) so nothing is buffered or translated.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace cabridge {

// Largest message either direction (Chrome's limit for host -> browser).
inline constexpr std::uint32_t kMaxMessageSize = 1024 * 1024;

struct Frame {
    enum class Kind {
        Message,     // `body` holds the message
        Empty,       // announced length 0
        TooLarge,    // announced length > kMaxMessageSize; the body was not read
        EndOfInput,  // clean EOF before a length, or EOF inside a length/body
    };
    Kind kind = Kind::EndOfInput;
    std::uint32_t announcedLength = 0;
    std::vector<std::uint8_t> body;
};

// Reads one frame from `fd`, retrying on EINTR and short reads. Never allocates
// more than kMaxMessageSize. A read error other than EINTR counts as end of input.
Frame readFrame(int fd);

// The text of `message` as the host sends it: compact, invalid UTF-8 replaced (a plugin or a
// certificate may hand us any bytes). Its size is what counts against kMaxMessageSize.
std::string wireJson(const nlohmann::json& message);

// Writes one frame (length + body) to `fd`, retrying on EINTR and short writes.
// Returns false if the body is larger than kMaxMessageSize (nothing written) or
// the descriptor fails.
bool writeFrame(int fd, std::string_view body);

}  // namespace cabridge
