// Reading the host's small configuration files (host.json, descriptors, the policy, probe
// records), and replacing the records, with plain POSIX calls. Not iostreams: the first file stream of a process builds
// the C++ locale (every facet, the time zone), a measurable part of a cold `status`.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace cabridge {

// A small file read in one go: the open error (errno, 0 when it opened), what fstat said of
// it, and its content as readSmallFile gives it.
struct SmallFile {
    int openError = 0;
    struct stat status {};
    std::optional<std::string> text;
};
SmallFile openSmallFile(const std::filesystem::path& file, std::size_t maxBytes);

// The whole content of `file`, or nullopt when it cannot be opened or read, is not a regular
// file, or holds more than `maxBytes` (then nothing beyond maxBytes + 1 is read).
std::optional<std::string> readSmallFile(const std::filesystem::path& file, std::size_t maxBytes);

// Replaces `file` with `text` atomically: written to a temporary file of this process beside it
// (mode 0600, the user's own records), then renamed over it, so a reader, or another host writing
// at the same time, never sees half a file. Creates the parent directory (0700) when missing.
// Returns false (and leaves `file` as it was) when any step fails.
bool replaceFile(const std::filesystem::path& file, std::string_view text);

}  // namespace cabridge
