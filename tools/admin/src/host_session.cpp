#include "host_session.h"

#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <boost/process.hpp>

#include "admin_error.h"
#include "host_manifest.h"

namespace bp = boost::process;
namespace fs = std::filesystem;

namespace cabridge::admin {
namespace {

// Our ends of the pipes must not leak into the host, or it would never see end of input.
void set_close_on_exec(int fd) {
  if (fd >= 0) ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC);
}

void close_end(int fd) {
  if (fd >= 0) ::close(fd);
}

}  // namespace

struct HostSession::Process {
  bp::pipe to_host;
  bp::pipe from_host;
  bp::child child;
};

HostSession::HostSession(const fs::path& host, std::string_view extension_id,
                         const std::vector<std::string>& extra_args)
    : process_(std::make_unique<Process>()) {
  // A host that exits early must surface as a failed write, not kill us with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  for (int fd : {process_->to_host.native_source(), process_->to_host.native_sink(),
                 process_->from_host.native_source(), process_->from_host.native_sink()}) {
    set_close_on_exec(fd);
  }
  std::error_code ec;
  std::vector<std::string> args{extension_origin(extension_id)};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  process_->child = bp::child(bp::exe = host.string(), bp::args = args, bp::start_dir = host.parent_path().string(),
                              bp::std_in<process_->to_host, bp::std_out> process_->from_host, bp::std_err > bp::null,
                              ec);
  // The host's ends now live in the child; ours would hold the pipes open.
  close_end(process_->to_host.native_source());
  process_->to_host.assign_source(-1);
  close_end(process_->from_host.native_sink());
  process_->from_host.assign_sink(-1);
  if (ec) {
    throw AdminError("cannot start " + host.string() + ": " + ec.message());
  }
}

HostSession::~HostSession() {
  std::error_code ec;  // the throwing running() would end the program from this noexcept destructor
  if (process_->child.valid() && process_->child.running(ec)) {
    process_->child.terminate(ec);
  }
}

FrameReadResult HostSession::exchange(const nlohmann::json& request, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (process_->to_host.native_sink() < 0 || !write_all(process_->to_host.native_sink(), encode_frame(request))) {
    return {std::nullopt, FrameReadFailure::end_of_input};
  }
  return read_frame(process_->from_host.native_source(), deadline);
}

std::optional<int> HostSession::finish(std::chrono::milliseconds timeout) {
  close_end(process_->to_host.native_sink());
  process_->to_host.assign_sink(-1);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::error_code ec;
  // running() reaps the child once it has exited; poll it rather than trust wait_for,
  // which is unreliable in Boost.Process v1.
  while (process_->child.running(ec) && !ec) {
    if (std::chrono::steady_clock::now() >= deadline) {
      process_->child.terminate(ec);
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const int native = process_->child.native_exit_code();
  if (!WIFEXITED(native)) return std::nullopt;
  return WEXITSTATUS(native);
}

}  // namespace cabridge::admin
