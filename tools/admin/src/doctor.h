// `cabridge doctor`: inspects a machine (or a --root tree) and says what stops cabridge
// from working, each finding with a fix in Chinese and English.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "browser_locations.h"
#include "finding.h"

namespace cabridge::admin {

// The policy file the host reads and what is wrong in it, worked out with the host's own code
// (cmd_doctor.cpp), so a policy-error finding names the real file and the broken entries.
struct PolicyFileReport {
  std::filesystem::path file;
  std::vector<std::string> problems;  // one line per invalid entry: key, entry, the rule it breaks
};

// The policy file's settings for the extension's HeBCA helper bridge (docs/legacy-bridge.md),
// read with the host's own loader (cmd_doctor.cpp).
struct LegacyBridgeReport {
  std::vector<std::string> origins;        // legacyOrigins
  std::vector<std::string> login_origins;  // legacyLoginOrigins
  std::string hash;
  std::string sm2_signature;
  std::int64_t helper_version = 0;
};

// Where HeBCA's own helper listens (its clients open ws://localhost:17212/test).
inline constexpr std::uint16_t kHebcaHelperPort = 17212;

struct DoctorOptions {
  std::filesystem::path root;              // every inspected file lies under it (if set)
  std::filesystem::path host;              // the host manifests should point to (absolute)
  std::vector<std::string> extension_ids;  // must all be in every manifest's allowed_origins
  std::vector<std::string> gecko_ids;      // must all be in every Firefox manifest's allowed_extensions
  UserDirs user;
  std::chrono::milliseconds status_timeout{5000};
  // list-certificates may wait for the plugin's enumerate deadline (10 s by default).
  std::chrono::milliseconds token_timeout{15000};
  // Unset: the finding falls back to the host's own one-line reason.
  std::optional<PolicyFileReport> policy;
  // Unset when the policy file is absent or refused (the policy finding says why).
  std::optional<LegacyBridgeReport> legacy;
  std::uint16_t helper_port = kHebcaHelperPort;  // tests point it at a port of their own
};

// Runs every check, in a fixed order: host binary, manifests, sandboxed browsers, host answer.
std::vector<Finding> diagnose(const DoctorOptions& options);

// The individual checks, each appending to `out`.
void check_host_binary(const DoctorOptions& options, std::vector<Finding>& out);
void check_manifests(const DoctorOptions& options, std::vector<Finding>& out);
void check_sandboxed_browsers(const DoctorOptions& options, std::vector<Finding>& out);
// Chromium-style configuration directories under the user's config directory (a folder with
// a "Local State" file: Chrome, Chromium, Edge and their forks), each said to have our host
// registered (NativeMessagingHosts/org.cabridge.host.json naming our host) or not.
void check_browser_profiles(const DoctorOptions& options, std::vector<Finding>& out);
void check_host_answer(const DoctorOptions& options, std::vector<Finding>& out);
// The HeBCA helper bridge: which origins get it, with which settings, and whether something
// (HeBCA's own helper) listens on 127.0.0.1 / [::1] port `helper_port`.
void check_legacy_bridge(const DoctorOptions& options, std::vector<Finding>& out);

// True when the host file exists and is an executable regular file (used to decide
// whether running it makes sense).
bool host_is_runnable(const std::filesystem::path& host);

}  // namespace cabridge::admin
