// Runs a helper program (provisioning script, cabridge-verify) to completion with a deadline.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace cabridge::logintest {

struct CommandResult {
    int exitCode = -1;
    std::string out;  // stdout
    std::string err;  // stderr
};

// Runs `argv` (argv[0] is the program path) with this process's environment plus `env`,
// capturing stdout and stderr through files in `scratchDir`. Throws std::runtime_error if it
// does not finish within `timeout` (after killing it). Fails the test if its stderr holds a
// sanitizer report.
CommandResult runCommand(const std::vector<std::string>& argv, const std::filesystem::path& scratchDir,
                         const std::map<std::string, std::string>& env = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(120));

std::string readFile(const std::filesystem::path& file);
void writeFile(const std::filesystem::path& file, const std::string& text);

}  // namespace cabridge::logintest
