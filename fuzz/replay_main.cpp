// main() for the replay build of a fuzz target: runs LLVMFuzzerTestOneInput over
// every regular file in the directories (or files) named on the command line.
// Exits non-zero when no input was found at all, so a misconfigured test cannot
// pass by replaying nothing. A crash or invariant failure aborts the process.
#include "fuzz_target.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

namespace {

std::vector<std::uint8_t> readFile(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Dot files (.gitkeep) only keep empty directories in git.
bool isInput(const std::filesystem::path& file)
{
    return std::filesystem::is_regular_file(file) && !file.filename().string().starts_with(".");
}

}  // namespace

int main(int argc, char** argv)
{
    std::vector<std::filesystem::path> inputs;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path arg(argv[i]);
        if (std::filesystem::is_directory(arg)) {
            for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
                if (isInput(entry.path())) {
                    inputs.push_back(entry.path());
                }
            }
        } else if (std::filesystem::is_regular_file(arg)) {
            inputs.push_back(arg);
        } else {
            std::cerr << "replay: no such file or directory: " << arg << '\n';
            return 2;
        }
    }
    if (inputs.empty()) {
        std::cerr << "replay: no inputs found\n";
        return 2;
    }
    std::sort(inputs.begin(), inputs.end());
    for (const auto& file : inputs) {
        const auto bytes = readFile(file);
        // Announce first: if the input crashes, the last line names it.
        std::cerr << "replay: " << file.string() << " (" << bytes.size() << " bytes)\n";
        LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    }
    std::cerr << "replay: " << inputs.size() << " inputs, no failure\n";
    return 0;
}
