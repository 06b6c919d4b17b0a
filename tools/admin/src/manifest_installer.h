// Writes and removes our host manifest in browsers' manifest directories.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "browser_locations.h"

namespace cabridge::admin {

// What `cabridge install` / `cabridge uninstall` act on.
struct ManifestTarget {
  std::vector<Browser> browsers;
  Scope scope = Scope::user;
  std::filesystem::path host;              // absolute path written into "path"
  std::vector<std::string> extension_ids;  // allowed_origins (Chromium-based browsers)
  std::vector<std::string> gecko_ids;      // allowed_extensions (Firefox)
  // Other Chromium-based browsers' configuration directories (fork_manifest_dir() of each
  // gets the Chromium manifest), real paths: --root is not applied to them.
  std::vector<std::filesystem::path> browser_dirs;
  std::filesystem::path root;  // every written/removed path lies under it (if set)
  UserDirs user;               // for Scope::user
};

// One manifest file `target` covers and which kind of manifest goes there.
struct ManifestPlace {
  std::filesystem::path file;
  bool gecko = false;  // Firefox's manifest (allowed_extensions) rather than Chromium's
};

// The manifest files `target` covers: one per browser, root-prefixed, in browsers' order,
// then one per browser_dirs entry.
std::vector<ManifestPlace> manifest_files(const ManifestTarget& target);

// Writes the manifest for each browser (creating directories 0755, file 0644, replaced
// atomically). Returns the files written. Throws AdminError naming the path on failure.
std::vector<std::filesystem::path> install_manifests(const ManifestTarget& target);

struct UninstallOutcome {
  std::vector<std::filesystem::path> removed;
  // Manifests left in place because they are not ours (other name, other host path,
  // unreadable or not JSON), each with the reason.
  std::vector<std::pair<std::filesystem::path, std::string>> kept;
};

// Removes each browser's manifest only when it names org.cabridge.host and points to
// target.host; then removes the manifest directory if that left it empty.
UninstallOutcome uninstall_manifests(const ManifestTarget& target);

}  // namespace cabridge::admin
