#include "logger.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <mutex>

namespace cabridge {
namespace {

// Longest log line text kept; see Logger::write.
constexpr std::size_t kMaxLineBytes = 2048;

// A plain descriptor, not an ofstream: the first file stream of a process builds the C++
// locale, which a cold `status` would pay for (file_text.h). O_APPEND with one write() per
// line keeps lines whole when two hosts (two browser windows) share the log.
struct LogState {
    std::mutex mutex;
    int fd = -1;
    std::string pid;  // " [<pid>] ", formatted once: getpid() is a system call each time
};

LogState& state()
{
    static LogState s;
    return s;
}

std::string timestamp()
{
    // Calendar arithmetic in <chrono>, not gmtime_r: glibc's gmtime_r still reads the time
    // zone file on first use, which every cold start would pay for.
    using namespace std::chrono;
    const auto now = time_point_cast<milliseconds>(system_clock::now());
    const auto day = floor<days>(now);
    const year_month_day date {day};
    const hh_mm_ss time {now - day};
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
    return buf;
}

}  // namespace

void createPrivateDirectories(const std::filesystem::path& dir)
{
    if (dir.empty() || ::mkdir(dir.c_str(), 0700) == 0 || errno != ENOENT) {
        return;
    }
    const auto parent = dir.parent_path();
    if (parent == dir) {
        return;
    }
    createPrivateDirectories(parent);
    ::mkdir(dir.c_str(), 0700);
}

void Logger::open(const std::filesystem::path& file)
{
    auto& s = state();
    std::lock_guard lock(s.mutex);
    if (s.fd >= 0) {
        ::close(s.fd);
    }
    constexpr int kFlags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
    s.fd = ::open(file.c_str(), kFlags, 0600);
    if (s.fd < 0 && errno == ENOENT && file.has_parent_path()) {
        // First start for this user: the directory is made then, not checked on every start.
        createPrivateDirectories(file.parent_path());
        s.fd = ::open(file.c_str(), kFlags, 0600);
    }
    s.pid = " [" + std::to_string(::getpid()) + "] ";
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

void Logger::write(std::string_view level, std::string_view text)
{
    auto& s = state();
    std::lock_guard lock(s.mutex);
    if (s.fd < 0) {
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
    std::string line = timestamp();
    line += s.pid;
    line += level;
    line += ' ';
    line += text;
    if (dropped != 0) {
        line += " ... (" + std::to_string(dropped) + " more bytes)";
    }
    line += '\n';
    std::string_view rest = line;
    while (!rest.empty()) {
        const ssize_t n = ::write(s.fd, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;  // a full disk or a revoked file: the log is best effort
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace cabridge
