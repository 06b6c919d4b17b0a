#include "self_path.h"

#include <system_error>

#include "admin_error.h"

namespace fs = std::filesystem;

namespace cabridge::admin {

fs::path own_executable() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) {
    throw AdminError("cannot find this program's own path (/proc/self/exe): " + ec.message());
  }
  return exe;
}

fs::path default_host_path() { return own_executable().parent_path() / "cabridge-host"; }

}  // namespace cabridge::admin
