// Native messaging framing as the browser speaks it to the host: a 4-byte length in native
// byte order, then that many bytes of UTF-8 JSON (docs/protocol.md section 1).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace cabridge::admin {

// Largest message either side may send.
inline constexpr uint32_t kMaxFrameBytes = 1024 * 1024;

// The framed bytes of `message`.
std::string encode_frame(const nlohmann::json& message);

// Why read_frame() produced no message.
enum class FrameReadFailure { timed_out, end_of_input, truncated, too_large, not_json, io_error };
const char* describe(FrameReadFailure failure);

struct FrameReadResult {
  std::optional<nlohmann::json> message;
  FrameReadFailure failure = FrameReadFailure::io_error;  // meaningful when !message
};

// Reads one framed message from `fd`, giving up at `deadline` (poll-based: a silent peer
// cannot block the caller).
FrameReadResult read_frame(int fd, std::chrono::steady_clock::time_point deadline);

// Writes all of `bytes` to `fd`; false on error (EPIPE when the peer has gone).
bool write_all(int fd, const std::string& bytes);

}  // namespace cabridge::admin
