// The native messaging host manifest: building the one we install (from
// manifest/org.cabridge.host.json.in for Chromium-based browsers, allowed_origins; from
// manifest/org.cabridge.host.firefox.json.in for Firefox, allowed_extensions; compiled in)
// and reading one found on disk.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace cabridge::admin {

inline constexpr std::string_view kHostName = "org.cabridge.host";
inline constexpr std::string_view kManifestFileName = "org.cabridge.host.json";

// The extension ids the template allows (our published extension).
std::vector<std::string> default_extension_ids();

// The Firefox add-on ids the Firefox template allows (the same extension's gecko id).
std::vector<std::string> default_gecko_ids();

// True for a Firefox add-on id: "name@domain" (letters, digits, '-', '.', '_'; the name may be
// empty, as Firefox allows) or
// "{8-4-4-4-12 hex digits}", at most 80 characters (what the host accepts, extension_origin.h).
bool is_valid_gecko_id(std::string_view id);

// True for a Chromium extension id: 32 characters 'a'..'p'.
bool is_valid_extension_id(std::string_view id);

// "chrome-extension://<id>/", the form allowed_origins and the host's argv[1] use.
std::string extension_origin(std::string_view id);

// The manifest for `host` (absolute) allowing exactly `extension_ids` (each valid).
// Throws AdminError on a relative host path or an invalid id.
nlohmann::json make_host_manifest(const std::filesystem::path& host, std::span<const std::string> extension_ids);

// The file text we write: make_host_manifest() pretty-printed, newline-terminated.
std::string render_host_manifest(const std::filesystem::path& host, std::span<const std::string> extension_ids);

// The Firefox manifest for `host` (absolute) allowing exactly `gecko_ids` (each valid).
// Throws AdminError on a relative host path, no id or an invalid id.
nlohmann::json make_firefox_host_manifest(const std::filesystem::path& host, std::span<const std::string> gecko_ids);
std::string render_firefox_host_manifest(const std::filesystem::path& host, std::span<const std::string> gecko_ids);

// What reading a manifest file found.
// The implicit move constructor only moves a std::string and a nlohmann::json, neither of which throws;
// clang-tidy 14 reports an escaping exception in it all the same (false positive).
// NOLINTNEXTLINE(bugprone-exception-escape)
struct ManifestFile {
  enum class State {
    missing,       // no file (or a dangling link)
    unreadable,    // exists but cannot be read (permissions, a directory, ...)
    invalid_json,  // not JSON, or JSON that is not an object
    readable,      // a JSON object; `json` holds it
  };
  State state = State::missing;
  std::string error;  // why, for unreadable / invalid_json
  nlohmann::json json;

  // "name" equals kHostName.
  bool names_our_host() const;
  // "path" as a string, when present and a string.
  std::optional<std::string> host_path() const;
  // "allowed_origins" includes extension_origin(id).
  bool allows_extension(std::string_view id) const;
  // "allowed_extensions" (Firefox) includes `gecko_id`.
  bool allows_gecko_id(std::string_view gecko_id) const;
};

// Reads `file`; never throws for content problems (they are reported in the result).
ManifestFile read_manifest_file(const std::filesystem::path& file);

}  // namespace cabridge::admin
