// Append-only log file with UTC timestamps; each line is written when logged, nothing is
// buffered, so a process may _exit at any time. Never stdout (that is the wire) and
// never a PIN: callers pass only non-secret text.
#pragma once

#include <filesystem>
#include <string_view>

namespace cabridge {

class Logger {
public:
    // Opens (creating parent directories) `file`; if that fails the log is dropped
    // silently, because there is no other safe place to write to.
    static void open(const std::filesystem::path& file);

    static void info(std::string_view text);
    static void warn(std::string_view text);
    static void error(std::string_view text);

private:
    static void write(std::string_view level, std::string_view text);
};

}  // namespace cabridge
