// Doctor check: the extension's HeBCA helper bridge (docs/legacy-bridge.md). Says which origins
// get it and with which settings, and whether a program (HeBCA's own Windows helper under Wine,
// or anything else) listens on the helper's port: pages of the legacy origins never reach it
// (the extension answers them), every other page still can.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "doctor.h"

namespace cabridge::admin {
namespace {

// Closes a socket descriptor when it goes out of scope.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Whether a TCP connection to the loopback address of `family` on `port` is accepted within
// 500 ms. Connecting sends nothing: whatever listens sees a connection that closes at once.
bool listening(int family, std::uint16_t port) {
  Socket s(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (s.get() < 0) return false;
  int rc = -1;
  if (family == AF_INET) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::connect(s.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr = in6addr_loopback;
    rc = ::connect(s.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a);
  }
  if (rc == 0) return true;
  if (errno != EINPROGRESS) return false;
  pollfd p{s.get(), POLLOUT, 0};
  if (::poll(&p, 1, 500) != 1) return false;
  int error = 0;
  socklen_t length = sizeof error;
  return ::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "-" : out;
}

}  // namespace

void check_legacy_bridge(const DoctorOptions& options, std::vector<Finding>& out) {
  const bool on = options.legacy && !options.legacy->origins.empty();
  if (on) {
    const auto& l = *options.legacy;
    const std::string settings = "legacyLoginOrigins: " + joined(l.login_origins) + "; legacyHash: " + l.hash +
                                 "; legacySm2Signature: " + l.sm2_signature +
                                 "; legacyHelperVersion: " + std::to_string(l.helper_version);
    out.push_back(
        {Severity::info, "legacy-bridge", joined(l.origins),
         "扩展为这些网站提供河北CA证书助手接口(无监听端口，签名不绑定网站): " + joined(l.origins) + "。" + settings,
         "The extension serves HeBCA's helper protocol to these origins (no listening port; the "
         "signature is not bound to the site): " +
             joined(l.origins) + ". " + settings,
         "", ""});
  } else {
    out.push_back({Severity::info, "legacy-bridge-off", "",
                   "策略文件未列出 legacyOrigins: 扩展不为任何网站提供河北CA证书助手接口。",
                   "The policy file lists no legacyOrigins: the extension serves HeBCA's helper protocol to no site.",
                   "", ""});
  }
  const std::string port = std::to_string(options.helper_port);
  const bool v4 = listening(AF_INET, options.helper_port);
  const bool v6 = listening(AF_INET6, options.helper_port);
  if (!v4 && !v6) return;
  const std::string where = std::string(v4 ? "127.0.0.1" : "") + (v4 && v6 ? " / " : "") + (v6 ? "[::1]" : "");
  out.push_back(
      {Severity::warning, "legacy-port-in-use", where + ":" + port,
       "有程序在 " + where + " 端口 " + port + " 上监听(可能是河北CA自己的证书助手)。" +
           (on ? "列入 legacyOrigins 的网站由扩展应答，不会连到它；其他网页仍可直接连接它，不经 cabridge 的网站检查。"
               : "网页可直接连接它，不经 cabridge 的网站检查。"),
       "A program listens on " + where + " port " + port + " (possibly HeBCA's own helper). " +
           (on ? "Pages of the legacyOrigins are answered by the extension and never reach it; any other page "
                 "can still connect to it directly, without cabridge's origin checks."
               : "Any page can connect to it directly, without cabridge's origin checks."),
       "如不再需要河北CA证书助手，请将其卸载或停止(例如 ss -ltnp 'sport = :" + port +
           "' 查看是哪个程序)；需要保留时，请确认只在可信网站上使用。",
       "If HeBCA's helper is no longer needed, uninstall or stop it (ss -ltnp 'sport = :" + port +
           "' shows which program it is); if it must stay, use it only with trusted sites."});
}

}  // namespace cabridge::admin
