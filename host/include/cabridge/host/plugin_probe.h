// Starting a plugin in a child process before the host loads it (docs/architecture.md
// "Plugins that crash while starting").
//
// Plugins run inside the host, so a library that crashes while it starts (a static
// constructor at dlopen, or create/describe) would take the host down on every start, and
// every other vendor with it. Before the host loads a plugin build it has not seen start, it
// runs a copy of itself (`cabridge-host --probe-plugin <id> <library> <ms> <config>`) that loads that
// one plugin alone. A crash there marks the plugin `state: error` instead; the verdict is
// remembered per plugin identity, so a normal cold start costs a few stat() calls, not a process.
#pragma once

#include "plugin_descriptor.h"
#include "plugin_start_cache.h"

#include <filesystem>
#include <optional>
#include <string>

namespace cabridge {

// argv[1] of the probing child. Chrome always passes an extension origin there, so a browser
// can never start the host in this mode.
inline constexpr const char* kProbePluginFlag = "--probe-plugin";

// Exit codes of the probing child. Not 1: that is how a sanitizer ends a process it caught
// crashing, and such a plugin must not look as if it merely failed.
inline constexpr int kProbeLoaded = 0;    // the plugin started (and was destroyed again)
inline constexpr int kProbeRefused = 70;  // it failed cleanly; the host reports the same reason itself
inline constexpr int kProbeBadArguments = 71;

// Runs `prober --probe-plugin <id> <library> <enumerate ms> <config JSON>` for `descriptor` (the
// child needs no file but the library, so a descriptor not yet installed can be probed too)
// and waits for it, at most twice the enumerate deadline (create and describe each run under
// it) plus a second for the process. A child killed by a signal is `crashed` with the
// signal's name; one that does not finish in time is killed and reported as not answering
// (not remembered: a slow key may be fine next time). nullopt when the child could not be
// started or did not understand the request (then the caller loads the plugin in-process as
// it would without probing).
struct ProbeRun {
    ProbeVerdict verdict;
    bool remember = true;
};
std::optional<ProbeRun> probeInChild(const std::filesystem::path& prober, const PluginDescriptor& descriptor);

// The child's side, given main()'s arguments (argv[1] is kProbePluginFlag): loads the plugin,
// destroys it and returns an exit code above. Never returns if the plugin crashes, by design.
int runPluginProbe(int argc, char** argv);

}  // namespace cabridge
