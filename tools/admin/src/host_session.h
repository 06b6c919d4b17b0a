// Runs cabridge-host the way a browser does and talks to it over framed stdio, with a
// deadline on every reply so a stuck host is reported instead of hanging the caller.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "native_framing.h"

namespace cabridge::admin {

class HostSession {
 public:
  // Starts `host` with argv[1] = "chrome-extension://<extension_id>/" (then `extra_args`), in
  // the host's own directory, with this process's environment and stderr discarded (as Chrome
  // would). Throws AdminError when the process cannot be started.
  HostSession(const std::filesystem::path& host, std::string_view extension_id,
              const std::vector<std::string>& extra_args = {});
  ~HostSession();  // kills the host if it is still running
  HostSession(const HostSession&) = delete;
  HostSession& operator=(const HostSession&) = delete;

  // Sends `request` and waits up to `timeout` for one reply.
  FrameReadResult exchange(const nlohmann::json& request, std::chrono::milliseconds timeout);

  // Closes the host's stdin (what the browser does on disconnect) and waits up to `timeout`
  // for it to exit; kills it after that. The exit code, or nullopt if it had to be killed
  // or died from a signal.
  std::optional<int> finish(std::chrono::milliseconds timeout);

 private:
  struct Process;
  std::unique_ptr<Process> process_;
};

}  // namespace cabridge::admin
