#include "run_cabridge.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>

#include <boost/process.hpp>

#include <cabridge/test_support/child_process.h>
#include <cabridge/test_support/temp_dir.h>

namespace bp = boost::process;
namespace fs = std::filesystem;

namespace cabridge::admin::testing {

RunResult run_cabridge(const std::vector<std::string>& args, const std::string& home,
                       std::optional<std::string> xdg_config_home,
                       const std::map<std::string, std::string>& extra_env) {
  const test_support::TempDir io("cabridge-admin-");
  const fs::path out = io.path() / "out", err = io.path() / "err";
  test_support::EnvironmentChanges changes{{"HOME", home}, {"XDG_CONFIG_HOME", xdg_config_home}};
  for (const auto& [key, value] : extra_env) changes[key] = value;
  bp::child child(bp::exe = CABRIDGE_TOOL, bp::args = args, test_support::childEnvironment(changes),
                  bp::std_in<bp::null, bp::std_out> out.string(), bp::std_err > err.string());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  RunResult result;
  while (child.running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      child.terminate();
      result.out = read_text(out);
      result.err = read_text(err) + "\n(killed after 60 s)";
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const int native = child.native_exit_code();
  result.exit_code = WIFEXITED(native) ? WEXITSTATUS(native) : -1;
  result.out = read_text(out);
  result.err = read_text(err);
  test_support::expectNoSanitizerReport(CABRIDGE_TOOL, result.err);
  return result;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_text(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

std::vector<std::string> files_under(const fs::path& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_directory()) files.push_back(fs::relative(entry.path(), dir).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace cabridge::admin::testing
