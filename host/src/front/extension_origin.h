// The caller the browser names on the host's command line: Chrome, Chromium and Edge pass
// "chrome-extension://<id>/" as argv[1]; Firefox passes the path of the host manifest it read
// as argv[1] and the add-on's id (manifest "browser_specific_settings.gecko.id") as argv[2].
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cabridge {

// Returns the 32-letter extension id (letters a-p) or nullopt if `arg` is not
// exactly "chrome-extension://<id>/".
std::optional<std::string> parseExtensionOrigin(std::string_view arg);

// True for an id Firefox accepts for an add-on: "{8-4-4-4-12 hex}" or "name@domain" (letters,
// digits, '-', '.', '_'; the name may be empty, as Firefox allows; at most 80 characters).
bool isGeckoId(std::string_view id);

// The extension id of the caller from the host's arguments after argv[0]: the Chromium id of
// a "chrome-extension://<id>/" first argument, or the gecko id when the first argument is an
// absolute path to a .json file (the manifest Firefox read) and the second a valid gecko id.
// Nullopt for anything else; the caller then serves nothing (EXTENSION_NOT_ALLOWED).
std::optional<std::string> parseCallerExtension(std::span<const char* const> args);

}  // namespace cabridge
