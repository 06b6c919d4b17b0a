// Putting a checked vendor plugin into a plugin directory and taking it out.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "plugins_locations.h"
#include "plugins_validation.h"

namespace cabridge::admin {

struct InstalledPlugin {
  std::filesystem::path descriptor;  // <install_dir>/<id>.json
  std::filesystem::path library;     // <install_dir>/<library file name>
};

// Writes <install_dir>/<id>.json (the vendor's descriptor with "library" made
// the bare file name) and copies the library next to it, or with `link` makes
// it a symbolic link to the original (which the host accepts only when the
// original lies inside one of its plugin dirs, e.g. the bundled generic plugin).
// Then loads the installed plugin as the host will; on any failure nothing new
// is left behind. Refuses an id already installed there, an id an earlier
// plugin dir already provides (the host would ignore the new one), and a
// different library of the same name. Throws AdminError with the reason.
InstalledPlugin install_plugin(const CandidatePlugin &candidate, const PluginLocations &locations, bool link);

// Removes <install_dir>/<id>.json, and its library when it lies in install_dir
// and no other descriptor there names it. Returns the removed paths. Throws
// AdminError when the id is not installed there.
std::vector<std::filesystem::path> remove_plugin(const std::string &id, const PluginLocations &locations);

}  // namespace cabridge::admin
