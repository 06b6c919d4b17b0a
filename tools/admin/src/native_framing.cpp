#include "native_framing.h"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <unistd.h>

namespace cabridge::admin {
namespace {

enum class ReadStatus { ok, timed_out, end_of_input, partial, io_error };

// Fills `buffer` completely unless the deadline passes or the peer closes first.
ReadStatus read_exactly(int fd, char* buffer, size_t size, std::chrono::steady_clock::time_point deadline) {
  size_t got = 0;
  while (got < size) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                            std::chrono::steady_clock::now());
    if (left.count() <= 0) return ReadStatus::timed_out;
    pollfd pfd{fd, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return ReadStatus::io_error;
    if (ready == 0) return ReadStatus::timed_out;
    const ssize_t n = ::read(fd, buffer + got, size - got);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return ReadStatus::io_error;
    if (n == 0) return got == 0 ? ReadStatus::end_of_input : ReadStatus::partial;
    got += static_cast<size_t>(n);
  }
  return ReadStatus::ok;
}

FrameReadResult failed(FrameReadFailure failure) { return {std::nullopt, failure}; }

}  // namespace

const char* describe(FrameReadFailure failure) {
  switch (failure) {
    case FrameReadFailure::timed_out: return "no answer in time";
    case FrameReadFailure::end_of_input: return "closed its output without answering";
    case FrameReadFailure::truncated: return "sent a truncated message";
    case FrameReadFailure::too_large: return "announced a message over 1 MiB";
    case FrameReadFailure::not_json: return "sent a message that is not a JSON object";
    case FrameReadFailure::io_error: return "could not be read from";
  }
  return "unknown";
}

std::string encode_frame(const nlohmann::json& message) {
  const std::string body = message.dump();
  const auto length = static_cast<uint32_t>(body.size());
  std::string frame(sizeof length, '\0');
  std::memcpy(frame.data(), &length, sizeof length);  // native byte order, as Chrome does
  return frame + body;
}

FrameReadResult read_frame(int fd, std::chrono::steady_clock::time_point deadline) {
  uint32_t length = 0;
  switch (read_exactly(fd, reinterpret_cast<char*>(&length), sizeof length, deadline)) {
    case ReadStatus::ok: break;
    case ReadStatus::timed_out: return failed(FrameReadFailure::timed_out);
    case ReadStatus::end_of_input: return failed(FrameReadFailure::end_of_input);
    case ReadStatus::partial: return failed(FrameReadFailure::truncated);
    case ReadStatus::io_error: return failed(FrameReadFailure::io_error);
  }
  if (length > kMaxFrameBytes) return failed(FrameReadFailure::too_large);
  std::string body(length, '\0');
  switch (read_exactly(fd, body.data(), body.size(), deadline)) {
    case ReadStatus::ok: break;
    case ReadStatus::timed_out: return failed(FrameReadFailure::timed_out);
    case ReadStatus::end_of_input:
    case ReadStatus::partial: return failed(FrameReadFailure::truncated);
    case ReadStatus::io_error: return failed(FrameReadFailure::io_error);
  }
  auto message = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded() || !message.is_object()) return failed(FrameReadFailure::not_json);
  return {std::move(message), FrameReadFailure::io_error};
}

bool write_all(int fd, const std::string& bytes) {
  std::string_view rest = bytes;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    rest.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace cabridge::admin
