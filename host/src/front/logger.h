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
    // silently, because there is no other safe place to write to. A new log file is created
    // 0600 and new directories 0700 (createPrivateDirectories): the log names the sites a
    // person used and the certificates they signed with. An existing file keeps its mode.
    static void open(const std::filesystem::path& file);

    static void info(std::string_view text);
    static void warn(std::string_view text);
    static void error(std::string_view text);

private:
    static void write(std::string_view level, std::string_view text);
};

// Creates `dir` and every missing directory above it with mode 0700; existing ones are left
// as they are. Best effort: a failure shows when the file inside cannot be created.
void createPrivateDirectories(const std::filesystem::path& dir);

}  // namespace cabridge
