// Deadlines for plugin calls. A plugin (through libp11 and a vendor's PKCS#11 module) can block
// forever, so every call has a deadline, kept one of two ways:
//
//   - Token calls (list_token(s) for one vendor, identify, check_certificate, authenticate,
//     login, sign, logout) run on the host's main thread, the one serving the request, while one
//     watchdog thread keeps the deadline (runUnderWatchdog). Past it, the watchdog thread runs
//     the caller's timeout action (the controller's TOKEN_NOT_RESPONDING reply) and ends the
//     process: the stuck call never returns into a host that went on.
//   - create, describe and list_tokens for a listing of all vendors run on one worker thread
//     while the main thread waits (runWithDeadline). Past the deadline the worker is abandoned
//     with its call and the host goes on without that plugin. An abandoned call cannot be
//     cancelled or joined, so everything the work touches must be owned by the work itself
//     (capture by value or shared_ptr), never borrowed from the caller's stack.
//
// The host calls one plugin from one thread at a time (plugin.h): both kinds are serialized.
#pragma once

#include <chrono>
#include <functional>
#include <string_view>

namespace cabridge {

// Runs `work` on the worker thread (started on first use, kept for later calls)
// and waits at most `limit`. Returns true when it
// finished in time (an exception it threw is rethrown here); false when the
// deadline passed, in which case that thread is abandoned (left running, never
// used again) and the next call starts a new one. Calls are serialized.
bool runWithDeadline(std::chrono::milliseconds limit, std::function<void()> work);

// What the watchdog thread runs when a token call passed its deadline, before the process exits
// (the call is still stuck on the main thread): writes the reply for the request being served
// and notes what must outlive the process. May be empty.
using TokenTimeoutAction = std::function<void()>;

// Runs `work` on the calling thread while the watchdog thread (started on first use, kept)
// keeps the deadline: if `work` has not returned after `limit`, the watchdog calls
// exitAfterTokenTimeout(what, onTimeout) while the call is still stuck. For token calls, whose
// timeout ends the process anyway: unlike runWithDeadline the call needs no hand-off to another
// thread (two context switches per call, and on a busy machine a wait until the worker is
// scheduled). The watchdog is woken only when a call's deadline is earlier than the one it
// already sleeps towards. An exception from `work` propagates. Calls are serialized.
void runUnderWatchdog(std::chrono::milliseconds limit, std::string_view what, const TokenTimeoutAction& onTimeout,
                      const std::function<void()>& work);

// What the process does after a token call passed its deadline: log it, run `onTimeout` (when
// set), then _exit(3) without running destructors, so the plugin is never touched again.
[[noreturn]] void exitAfterTokenTimeout(std::string_view what, const TokenTimeoutAction& onTimeout);

// Exit status after a token call timed out.
inline constexpr int kTokenTimeoutExitStatus = 3;

}  // namespace cabridge
