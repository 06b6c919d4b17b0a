// Where this program and its companion host binary live.
#pragma once

#include <filesystem>

namespace cabridge::admin {

// The real path of the running executable (/proc/self/exe). Throws AdminError if unknown.
std::filesystem::path own_executable();

// cabridge-host in the same directory as this program: the layout of both the build tree
// (build/bin) and the package (/usr/bin).
std::filesystem::path default_host_path();

}  // namespace cabridge::admin
