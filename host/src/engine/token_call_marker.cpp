#include "token_call_marker.h"

#include "file_text.h"
#include "logger.h"
#include "plugin_start_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <memory>
#include <vector>

namespace cabridge {
namespace {

// The first line of a marker is always three bytes, so each state overwrites it in place.
constexpr char kIdle = '0';
constexpr char kInCall = '1';
constexpr char kCrashed = '2';
constexpr std::size_t kMaxMarkerBytes = 4096;

// What the signal handler reads: async-signal-safe by being lock-free atomics.
std::atomic<int> markerFd {-1};
std::atomic<bool> inCall {false};

constexpr std::array<int, 5> kCrashSignals = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
std::array<struct sigaction, 32> previousActions {};

const char* signalName(int signal)
{
    switch (signal) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGBUS:
        return "SIGBUS";
    case SIGILL:
        return "SIGILL";
    case SIGFPE:
        return "SIGFPE";
    case SIGABRT:
        return "SIGABRT";
    default:
        return "a signal";
    }
}

void onCrashSignal(int signal, siginfo_t* info, void*)
{
    const int fd = markerFd.load();
    if (fd >= 0 && inCall.load()) {
        const std::array<char, 3> state = {kCrashed, static_cast<char>('0' + signal / 10 % 10),
                                           static_cast<char>('0' + signal % 10)};
        if (::pwrite(fd, state.data(), state.size(), 0) < 0) {
            // Nothing more can be done in a handler; the host ends either way.
        }
    }
    // The signal goes on as if this handler were not there: to the handler found before (a
    // sanitizer's report) or the default action, ending the process.
    ::sigaction(signal, &previousActions[static_cast<std::size_t>(signal)], nullptr);
    if (info == nullptr || info->si_code <= 0) {
        ::raise(signal);  // sent, not a fault: delivered again once this handler returns
    }
    // A fault happens again when the faulting instruction runs again, under that handler.
}

// The start time (clock ticks since boot, /proc/<pid>/stat field 22) of process `pid`, which
// tells a process from a later one that got the same pid; nullopt when it cannot be read.
std::optional<unsigned long long> processStartTime(long pid)
{
    const auto text = readSmallFile("/proc/" + std::to_string(pid) + "/stat", kMaxMarkerBytes);
    if (!text) {
        return std::nullopt;
    }
    // The command name (field 2) may hold spaces and parentheses: count fields after its end.
    auto at = text->rfind(')');
    if (at == std::string::npos) {
        return std::nullopt;
    }
    for (int field = 2; field < 22 && at != std::string::npos; ++field) {
        at = text->find(' ', at + 1);
    }
    if (at == std::string::npos) {
        return std::nullopt;
    }
    unsigned long long start = 0;
    const char* begin = text->data() + at + 1;
    const auto [end, error] = std::from_chars(begin, text->data() + text->size(), start);
    return error == std::errc() && end != begin ? std::optional(start) : std::nullopt;
}

bool processRuns(long pid, unsigned long long startTime)
{
    if (const auto start = processStartTime(pid)) {
        return startTime == 0 || *start == startTime;
    }
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// "<pid>-<start time>" of a marker file name, or nullopt.
std::optional<std::pair<long, unsigned long long>> markerOwner(std::string_view name)
{
    const auto dash = name.find('-');
    if (dash == std::string_view::npos || dash == 0) {
        return std::nullopt;
    }
    long pid = 0;
    unsigned long long start = 0;
    const auto pidEnd = name.data() + dash;
    if (std::from_chars(name.data(), pidEnd, pid).ptr != pidEnd || pid <= 0 ||
        std::from_chars(pidEnd + 1, name.data() + name.size(), start).ptr != name.data() + name.size()) {
        return std::nullopt;
    }
    return std::pair(pid, start);
}

std::vector<std::string> lines(const std::string& text)
{
    std::vector<std::string> out;
    std::size_t begin = 0;
    for (auto end = text.find('\n'); end != std::string::npos; end = text.find('\n', begin)) {
        out.push_back(text.substr(begin, end - begin));
        begin = end + 1;
    }
    return out;
}

// Records the crash a gone host's marker holds, if it holds one.
bool recordCrash(const std::string& name, const std::string& text, const std::filesystem::path& probeFile)
{
    const auto fields = lines(text);
    if (text.empty() || text[0] == kIdle || fields.size() < 4 || fields[1].empty()) {
        return false;
    }
    const std::string& vendor = fields[2];
    const std::string& call = fields[3];
    if (text[0] != kCrashed) {
        Logger::warn("host " + name + " ended inside " + vendor + ": " + call +
                     " without a crash signal (stopped by the browser?); not held against the plugin");
        return false;
    }
    int signal = 0;
    std::from_chars(fields[0].data() + 1, fields[0].data() + fields[0].size(), signal);
    const std::string reason = "the host crashed (" + std::string(signalName(signal)) + ") inside " + call +
                               "; left out of listings of all vendors until a request names this vendor and it answers";
    Logger::error("plugin " + vendor + ": " + reason + " (host " + name + ")");
    rememberTokenFault(probeFile, fields[1], TokenFault {TokenFault::Kind::Crashed, call, reason});
    return true;
}

}  // namespace

TokenCallMarker::TokenCallMarker(std::filesystem::path probeFile)
    : probeFile_(std::move(probeFile)), dir_(callMarkerDir(probeFile_))
{
    const auto start = processStartTime(::getpid());
    file_ = dir_ / (std::to_string(::getpid()) + "-" + std::to_string(start.value_or(0)));
}

TokenCallMarker::~TokenCallMarker()
{
    discard();
}

void TokenCallMarker::markCrashes()
{
    static const bool installed = [] {
        // Room for the handler when vendor code overflowed the main thread's stack (a
        // sanitizer may have set one up already).
        stack_t existing {};
        if (::sigaltstack(nullptr, &existing) == 0 && (existing.ss_flags & SS_DISABLE) != 0) {
            static std::vector<char> altStack(std::size_t {64} * 1024);
            stack_t ours {};
            ours.ss_sp = altStack.data();
            ours.ss_size = altStack.size();
            ::sigaltstack(&ours, nullptr);
        }
        for (const int signal : kCrashSignals) {
            struct sigaction action {};
            action.sa_sigaction = &onCrashSignal;
            action.sa_flags = SA_SIGINFO | SA_ONSTACK;
            sigemptyset(&action.sa_mask);
            ::sigaction(signal, &action, &previousActions[static_cast<std::size_t>(signal)]);
        }
        return true;
    }();
    (void)installed;
}

bool TokenCallMarker::open() noexcept
{
    if (markerFd.load() >= 0) {
        return true;
    }
    if (failed_) {
        return false;
    }
    ::mkdir(dir_.c_str(), 0700);  // EEXIST is the usual answer
    const int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        failed_ = true;
        Logger::warn("cannot create " + file_.string() + "; a plugin that crashes the host will not be noticed");
        return false;
    }
    markerFd.store(fd);
    return true;
}

void TokenCallMarker::enter(const std::string& identity, const std::string& vendorId, std::string_view call,
                            std::chrono::milliseconds limit, bool rememberDeadline) noexcept
{
    try {
        std::lock_guard lock(mutex_);
        current_ = Call {identity, vendorId, std::string(call), limit, rememberDeadline};
        if (identity.empty() || !open()) {
            return;
        }
        std::string text;
        text.reserve(8 + identity.size() + vendorId.size() + call.size());
        text.append({kInCall, ' ', ' ', '\n'}).append(identity).append(1, '\n').append(vendorId).append(1, '\n');
        text.append(call).append(1, '\n');
        if (::pwrite(markerFd.load(), text.data(), text.size(), 0) == static_cast<ssize_t>(text.size())) {
            inCall.store(true);
        }
    } catch (...) {
        // Out of memory: the call goes ahead unmarked.
    }
}

void TokenCallMarker::leave() noexcept
{
    std::lock_guard lock(mutex_);
    current_.reset();
    if (inCall.exchange(false)) {
        const char idle = kIdle;
        if (::pwrite(markerFd.load(), &idle, 1, 0) != 1) {
            // The file then still says "in call"; only a crash signal would make it count.
        }
    }
}

std::optional<TokenCallMarker::Call> TokenCallMarker::current() const
{
    std::lock_guard lock(mutex_);
    return current_;
}

std::optional<TokenFault> TokenCallMarker::deadlinePassed() noexcept
{
    try {
        const auto call = current();
        if (!call || !call->rememberDeadline) {
            leave();
            return std::nullopt;
        }
        TokenFault fault {TokenFault::Kind::NotResponding, call->call,
                          call->call + " did not answer within " + std::to_string(call->limit.count()) +
                              " ms; left out of listings of all vendors until a request names this vendor and it "
                              "answers"};
        rememberTokenFault(probeFile_, call->identity, fault);
        leave();
        return fault;
    } catch (...) {
        leave();
        return std::nullopt;
    }
}

void TokenCallMarker::forgetFault(const std::string& identity)
{
    rememberTokenFault(probeFile_, identity, std::nullopt);
}

void TokenCallMarker::discard() noexcept
{
    inCall.store(false);
    const int fd = markerFd.exchange(-1);
    if (fd >= 0) {
        ::unlink(file_.c_str());
        ::close(fd);
    }
}

std::size_t collectCrashedCalls(const std::filesystem::path& probeFile)
{
    const auto dir = callMarkerDir(probeFile);
    struct CloseDir {
        void operator()(DIR* d) const { ::closedir(d); }
    };
    std::unique_ptr<DIR, CloseDir> listing(::opendir(dir.c_str()));
    if (!listing) {
        return 0;
    }
    std::vector<std::string> gone;
    while (const dirent* entry = ::readdir(listing.get())) {
        const std::string name = entry->d_name;
        const auto owner = markerOwner(name);
        if (owner && !processRuns(owner->first, owner->second)) {
            gone.push_back(name);
        }
    }
    listing.reset();
    std::size_t crashes = 0;
    for (const auto& name : gone) {
        const auto file = dir / name;
        if (const auto text = readSmallFile(file, kMaxMarkerBytes); text && recordCrash(name, *text, probeFile)) {
            ++crashes;
        }
        ::unlink(file.c_str());
    }
    return crashes;
}

}  // namespace cabridge
