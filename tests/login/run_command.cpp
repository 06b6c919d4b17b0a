#include "run_command.h"

#include <cabridge/test_support/child_process.h>

#include <boost/process.hpp>

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace bp = boost::process;

namespace cabridge::logintest {

std::string readFile(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

void writeFile(const std::filesystem::path& file, const std::string& text)
{
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
        throw std::runtime_error("cannot write " + file.string());
    }
}

CommandResult runCommand(const std::vector<std::string>& argv, const std::filesystem::path& scratchDir,
                         const std::map<std::string, std::string>& env, std::chrono::milliseconds timeout)
{
    static std::atomic<unsigned> counter {0};
    const unsigned n = counter++;
    const auto outFile = scratchDir / ("cmd-" + std::to_string(n) + ".out");
    const auto errFile = scratchDir / ("cmd-" + std::to_string(n) + ".err");
    const std::vector<std::string> args(argv.begin() + 1, argv.end());
    bp::child child(argv.at(0), bp::args(args), bp::std_in<bp::null, bp::std_out> outFile.string(),
                    bp::std_err > errFile.string(), test_support::childEnvironment({env.begin(), env.end()}));
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::error_code ec;
    while (child.running(ec)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            child.terminate(ec);
            throw std::runtime_error(argv.at(0) + " did not finish in time");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CommandResult result {child.exit_code(), readFile(outFile), readFile(errFile)};
    test_support::expectNoSanitizerReport(argv.at(0), result.err);
    std::filesystem::remove(outFile, ec);
    std::filesystem::remove(errFile, ec);
    return result;
}

}  // namespace cabridge::logintest
