// Test helpers: running the built `cabridge` binary (temporary directories: tests/support's TempDir).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cabridge::admin::testing {

struct RunResult {
  int exit_code = -1;  // -1 when killed (timeout) or died from a signal
  std::string out, err;
};

// Runs the built cabridge with `args`, the test's environment with HOME replaced by `home`,
// XDG_CONFIG_HOME replaced by `xdg_config_home` (removed when nullopt) plus `extra_env`.
// Kills it after 60 s. Fails the test if its stderr holds a sanitizer report.
RunResult run_cabridge(const std::vector<std::string>& args, const std::string& home = "/home/tester",
                       std::optional<std::string> xdg_config_home = std::nullopt,
                       const std::map<std::string, std::string>& extra_env = {});

std::string read_text(const std::filesystem::path& file);
void write_text(const std::filesystem::path& file, const std::string& text);

// Every regular file (or symlink) under `dir`, relative to it, sorted.
std::vector<std::string> files_under(const std::filesystem::path& dir);

}  // namespace cabridge::admin::testing
