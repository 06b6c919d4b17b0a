// Deadlines for plugin calls. A plugin (through libp11 and a vendor's PKCS#11
// module) can block forever; the host runs each call on a worker thread and
// stops waiting when the deadline passes. An abandoned call cannot be cancelled
// or joined, so everything the work touches must be owned by the work itself
// (capture by value or shared_ptr), never borrowed from the caller's stack.
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

// Runs `work` on the calling thread while a watchdog thread (started on first use, kept)
// keeps the deadline: if `work` has not returned after `limit`, the watchdog calls
// exitAfterTokenTimeout(what), which replies and ends the process while the call is still
// stuck. For token calls, whose timeout ends the process anyway: unlike runWithDeadline
// the call needs no hand-off to another thread (two context switches per call, and on a
// busy machine a wait until the worker is scheduled). The watchdog is woken only when a
// call's deadline is earlier than the one it already sleeps towards. An exception from
// `work` propagates. Calls are serialized.
void runUnderWatchdog(std::chrono::milliseconds limit, std::string_view what, const std::function<void()>& work);

// What the process does after a token call passed its deadline: run the reply
// hook (the controller sends TOKEN_NOT_RESPONDING for the current request), flush
// the log, then _exit(3) without running destructors, so the plugin is never
// touched again.
[[noreturn]] void exitAfterTokenTimeout(std::string_view what);

// Installs the hook exitAfterTokenTimeout calls first.
void setTokenTimeoutReplyHook(std::function<void(std::string_view what)> hook);

// Exit status after a token call timed out.
inline constexpr int kTokenTimeoutExitStatus = 3;

}  // namespace cabridge
