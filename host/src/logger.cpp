#include "logger.h"

#include <chrono>
#include <ctime>
#include <unistd.h>

namespace cabridge {
namespace {

// Longest log line text kept; see Logger::write.
constexpr std::size_t kMaxLineBytes = 2048;

struct LogState {
    std::mutex mutex;
    std::ofstream out;
};

LogState& state()
{
    static LogState s;
    return s;
}

std::string timestamp()
{
    const auto now = std::chrono::system_clock::now();
    const auto secs = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm {};
    ::gmtime_r(&secs, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
}

}  // namespace

void Logger::open(const std::filesystem::path& file)
{
    auto& s = state();
    std::lock_guard lock(s.mutex);
    std::error_code ec;
    if (file.has_parent_path()) {
        std::filesystem::create_directories(file.parent_path(), ec);
    }
    s.out.open(file, std::ios::app | std::ios::binary);
}

void Logger::info(std::string_view text)
{
    write("INFO", text);
}
void Logger::warn(std::string_view text)
{
    write("WARN", text);
}
void Logger::error(std::string_view text)
{
    write("ERROR", text);
}

void Logger::flush()
{
    auto& s = state();
    std::lock_guard lock(s.mutex);
    if (s.out.is_open()) {
        s.out.flush();
    }
}

void Logger::write(std::string_view level, std::string_view text)
{
    auto& s = state();
    std::lock_guard lock(s.mutex);
    if (!s.out.is_open()) {
        return;
    }
    // Log lines quote what a page sent (an unknown command name can be almost 1 MiB); a flood
    // of those must not fill the disk. Cut at a UTF-8 character boundary.
    std::size_t dropped = 0;
    if (text.size() > kMaxLineBytes) {
        std::size_t cut = kMaxLineBytes;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
            --cut;
        }
        dropped = text.size() - cut;
        text = text.substr(0, cut);
    }
    s.out << timestamp() << " [" << ::getpid() << "] " << level << ' ' << text;
    if (dropped != 0) {
        s.out << " ... (" << dropped << " more bytes)";
    }
    s.out << '\n';
    s.out.flush();  // a deadline exit uses _exit, so nothing may sit in a buffer
}

}  // namespace cabridge
