// Noticing a host that died inside a plugin's token call (docs/architecture.md "One broken
// vendor does not take the others down").
//
// Plugins run inside the host, so vendor code that crashes in a token call ends the whole host,
// before any reply, and would do so again in every new host that lists all vendors. Each host
// that calls plugins keeps one small file of its own, <dir>/<pid>-<process start time>, that says
// which call it is inside: "1\n<identity>\n<vendor id>\n<call>\n" while in a call, "0" after it.
// A handler for the crash signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) overwrites the
// state with "2<signal number>" while a call is under way and then lets the signal end the
// process as before. The next host that reads the plugin records (collectCrashedCalls) finds
// that file of a process that no longer runs and remembers the vendor's build as crashed
// (plugin_start_cache.h TokenFault). A host that ended inside a call without a crash signal (the
// browser kills a host whose page went away; vendor code that calls exit()) is not held against
// the plugin: its file is only removed.
//
// Cost: the file is created on the first call; then two pwrite()s per call (about 4 us on ext4),
// no file created, renamed or synced.
#pragma once

#include "plugin_start_cache.h"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace cabridge {

// Where the markers of the hosts sharing the verdict file `probeFile` live.
inline std::filesystem::path callMarkerDir(const std::filesystem::path& probeFile)
{
    return probeFile.parent_path() / "plugin-calls";
}

class TokenCallMarker {
public:
    // Faults are recorded in the verdict file `probeFile`; markers go to callMarkerDir(probeFile)
    // (created 0700 when first needed).
    explicit TokenCallMarker(std::filesystem::path probeFile);
    // Removes this host's file: a host that ends normally left no call behind.
    ~TokenCallMarker();
    TokenCallMarker(const TokenCallMarker&) = delete;
    TokenCallMarker& operator=(const TokenCallMarker&) = delete;
    TokenCallMarker(TokenCallMarker&&) = delete;
    TokenCallMarker& operator=(TokenCallMarker&&) = delete;

    // Installs the crash-signal handler (once per process; the handlers found before are
    // restored and re-raised to when it has marked the file).
    static void markCrashes();

    // This host is now inside `call` of the plugin build `identity` (plugin_start_cache.h),
    // vendor `vendorId`, with deadline `limit`; `rememberDeadline`: whether passing it is a
    // fault of the build (false for calls that may wait for the person, deadlinePassed). Never
    // throws: without a marker file the host only loses crash detection (logged once).
    void enter(const std::string& identity, const std::string& vendorId, std::string_view call,
               std::chrono::milliseconds limit, bool rememberDeadline = true) noexcept;
    // The call returned (or was abandoned and its deadline already recorded).
    void leave() noexcept;

    struct Call {
        std::string identity;
        std::string vendorId;
        std::string call;
        std::chrono::milliseconds limit {};
        bool rememberDeadline = true;
    };
    // The call this host is inside, if any (for the deadline handler, on the watchdog thread).
    std::optional<Call> current() const;

    // The call under way passed its deadline: remembers its plugin build as not responding
    // (rememberTokenFault) unless the call was entered with rememberDeadline false, and leaves
    // the call. Returns the fault, nullopt when none was remembered.
    std::optional<TokenFault> deadlinePassed() noexcept;
    // A build with a remembered fault answered again: forgets the fault.
    void forgetFault(const std::string& identity);

    // Removes this host's file now: it is about to exit for a reason already recorded.
    void discard() noexcept;

private:
    bool open() noexcept;

    std::filesystem::path probeFile_;
    std::filesystem::path dir_;
    std::filesystem::path file_;
    mutable std::mutex mutex_;
    std::optional<Call> current_;
    bool failed_ = false;
};

// Reads the markers in callMarkerDir(probeFile) of hosts that no longer run: one that died of a crash signal inside
// a call is remembered in `probeFile` as that build having crashed in that call
// (rememberTokenFault); every one of them is removed. Markers of running hosts are left alone.
// Returns how many crashes it recorded. Costs one failed open() when that directory does not exist.
std::size_t collectCrashedCalls(const std::filesystem::path& probeFile);

}  // namespace cabridge
