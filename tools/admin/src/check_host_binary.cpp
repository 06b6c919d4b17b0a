// Doctor check: the host binary the manifests should point to exists and can be run.
#include <system_error>
#include <unistd.h>

#include "doctor.h"

namespace fs = std::filesystem;

namespace cabridge::admin {

bool host_is_runnable(const fs::path& host) {
  std::error_code ec;
  const auto status = fs::status(host, ec);
  if (ec || !fs::is_regular_file(status)) return false;
  // access(X_OK) alone is not enough: for root it succeeds if any execute bit is set.
  constexpr auto any_exec = fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec;
  return (status.permissions() & any_exec) != fs::perms::none && ::access(host.c_str(), X_OK) == 0;
}

void check_host_binary(const DoctorOptions& options, std::vector<Finding>& out) {
  const fs::path& host = options.host;
  std::error_code ec;
  const auto status = fs::status(host, ec);
  if (ec || !fs::exists(status)) {
    out.push_back({Severity::error, "host-missing", host.string(), "找不到本地程序 cabridge-host。",
                   "The native host cabridge-host is missing.",
                   "重新安装 cabridge 软件包，或用 cabridge install --host <路径> 指向实际位置。",
                   "Reinstall the cabridge package, or run `cabridge install --host <path>` "
                   "with its real location."});
    return;
  }
  if (!fs::is_regular_file(status)) {
    out.push_back({Severity::error, "host-not-a-file", host.string(), "cabridge-host 不是普通文件。",
                   "cabridge-host is not a regular file.", "删除该路径上的目录或设备文件后重新安装 cabridge。",
                   "Remove whatever is at that path and reinstall cabridge."});
    return;
  }
  if (!host_is_runnable(host)) {
    out.push_back({Severity::error, "host-not-executable", host.string(),
                   "cabridge-host 没有可执行权限，浏览器无法启动它。",
                   "cabridge-host is not executable, so the browser cannot start it.",
                   "执行: chmod 755 " + host.string(), "Run: chmod 755 " + host.string()});
    return;
  }
  out.push_back({Severity::info, "host-present", host.string(), "本地程序 cabridge-host 已安装。",
                 "The native host cabridge-host is installed.", "", ""});
}

}  // namespace cabridge::admin
