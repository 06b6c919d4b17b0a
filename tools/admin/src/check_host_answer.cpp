// Doctor check: run the host as a browser would, ask for its status and its tokens.
#include "admin_error.h"
#include "doctor.h"
#include "host_session.h"

namespace cabridge::admin {
namespace {

const nlohmann::json* find_object(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  return it != j.end() && it->is_object() ? &*it : nullptr;
}

std::string string_field(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return {};
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The host refused its policy file (`why` is the host's reason). Names the file the host reads
// and, when the entries are at fault, each one with the rule it breaks; the fix follows the
// cause instead of guessing at JSON syntax or permissions.
Finding policy_finding(const DoctorOptions& options, const std::string& why) {
  const std::string file = options.policy ? options.policy->file.string() : std::string("/etc/cabridge/policy.json");
  if (options.policy && !options.policy->problems.empty()) {
    std::string list;
    for (const auto& problem : options.policy->problems) list += "\n  " + problem;
    return {Severity::warning,
            "policy-error",
            file,
            "管理员策略文件 " + file + " 未被采用，其中有无效条目:" + list,
            "The administrator's policy file " + file + " is not used; invalid entries:" + list,
            "按上面说明修正或删除这些条目(来源形如 https://portal.example.gov.cn 或 http://10.0.0.5:8080，"
            "不带路径和末尾的 /；通配符只能写成 https://*.example.gov.cn)。",
            "Correct or remove these entries (an origin looks like https://portal.example.gov.cn or "
            "http://10.0.0.5:8080, with no path or trailing /; a wildcard only as https://*.example.gov.cn)."};
  }
  return {Severity::warning,
          "policy-error",
          file,
          "管理员策略文件 " + file + " 未被采用: " + why,
          "The administrator's policy file " + file + " is not used: " + why,
          "按原因修正该文件: 它须是一个 JSON 对象，只含 allowOrigins、denyOrigins、legacyOrigins，"
          "且不能所有人可写(chmod 644)。",
          "Fix the file as the reason says: a JSON object with only allowOrigins, denyOrigins and "
          "legacyOrigins, not world-writable (chmod 644)."};
}

// Findings from the reply to `status`; false when the host is unusable.
bool report_status(const DoctorOptions& options, const nlohmann::json& reply, std::vector<Finding>& out) {
  const std::string host = options.host.string();
  if (const auto* error = find_object(reply, "error")) {
    const std::string code = string_field(*error, "code");
    if (code == "EXTENSION_NOT_ALLOWED") {
      out.push_back({Severity::error, "host-extension-not-allowed", host,
                     "本地程序拒绝为扩展 " + options.extension_ids.front() + " 服务。",
                     "The host refuses to serve extension " + options.extension_ids.front() + ".",
                     "在 /etc/cabridge/host.json 的 allowedExtensions 中加入该扩展 ID。",
                     "Add the extension id to allowedExtensions in /etc/cabridge/host.json."});
    } else {
      out.push_back({Severity::error, "host-status-error", host,
                     "本地程序对 status 请求返回错误 " + code + ": " + string_field(*error, "message"),
                     "The host answered status with error " + code + ".",
                     "查看本地程序日志 ~/.local/state/cabridge/host.log。",
                     "See the host log, ~/.local/state/cabridge/host.log."});
    }
    return false;
  }
  const auto* result = find_object(reply, "result");
  if (result == nullptr) {
    out.push_back({Severity::error, "host-bad-answer", host, "本地程序的回复既没有 result 也没有 error。",
                   "The host's reply has neither result nor error.", "重新安装 cabridge 软件包。",
                   "Reinstall the cabridge package."});
    return false;
  }
  const auto version_it = result->find("version");
  const std::string version = version_it == result->end() ? "?"
                              : version_it->is_string()   ? version_it->get<std::string>()
                                                          : version_it->dump();
  out.push_back({Severity::info, "host-answered", host, "本地程序已响应，版本 " + version + "。",
                 "The host answered, version " + version + ".", "", ""});

  size_t working = 0;
  const auto plugins = result->find("plugins");
  if (plugins != result->end() && plugins->is_array()) {
    for (const auto& plugin : *plugins) {
      const std::string id = string_field(plugin, "id");
      if (string_field(plugin, "state") == "ok") {
        ++working;
        continue;
      }
      const std::string why = string_field(plugin, "error");
      // Once per broken plugin, for a person to read: plain `+` over saving a temporary string.
      out.push_back({Severity::warning, "plugin-error", id, "厂商插件 " + id + " 无法使用: " + why,
                     "Vendor plugin " + id + " is in error: " + why,
                     "检查该插件的描述文件和其依赖的厂商 USB Key 驱动是否已安装。",
                     "Check the plugin's descriptor and that the vendor's USB-key "
                     "middleware it needs is installed."});
    }
  }
  if (working == 0) {
    out.push_back({Severity::error, "no-plugin", host, "没有任何可用的厂商插件，无法读取 USB Key。",
                   "No vendor plugin works, so no USB key can be used.",
                   "安装对应 CA 的插件(/usr/lib/cabridge/plugins 或 /etc/cabridge/plugins.d)。",
                   "Install the plugin for your CA (/usr/lib/cabridge/plugins or "
                   "/etc/cabridge/plugins.d)."});
  }
  if (const auto* policy = find_object(*result, "policy");
      policy != nullptr && string_field(*policy, "state") == "error") {
    out.push_back(policy_finding(options, string_field(*policy, "error")));
  }
  return true;
}

// Findings from the reply to `list-certificates`.
void report_tokens(const DoctorOptions& options, const nlohmann::json& reply, std::vector<Finding>& out) {
  const std::string host = options.host.string();
  const Finding no_token{Severity::warning,
                         "no-token",
                         "",
                         "未检测到 USB Key(或其中没有证书)。",
                         "No USB key (or no certificate on it) was found.",
                         "插入 USB Key，并确认已安装 CA 提供的驱动。",
                         "Insert the USB key and make sure the CA's driver is installed."};
  if (const auto* error = find_object(reply, "error")) {
    const std::string code = string_field(*error, "code");
    if (code == "NO_TOKEN") {
      out.push_back(no_token);
    } else if (code == "ORIGIN_NOT_ALLOWED" || code == "INSECURE_ORIGIN") {
      out.push_back({Severity::info, "tokens-not-listed", "",
                     "策略不允许 http://localhost 读取证书，因此未列出 USB Key。",
                     "The origin policy does not allow http://localhost, so tokens were not listed.",
                     "如需检查 USB Key，可临时在 /etc/cabridge/policy.json 的 allowOrigins 中加入 http://localhost。",
                     "To check tokens, add http://localhost to allowOrigins in "
                     "/etc/cabridge/policy.json for a while."});
    } else if (code == "TOKEN_NOT_RESPONDING") {
      out.push_back({Severity::error, "token-not-responding", host, "USB Key 或其驱动没有在时限内响应。",
                     "The USB key or its driver did not answer in time.",
                     "拔下并重新插入 USB Key；如仍然如此，重新安装 CA 的驱动。",
                     "Unplug and re-insert the key; if that does not help, reinstall the CA's driver."});
    } else {
      out.push_back({Severity::warning, "list-certificates-error", host,
                     "读取证书失败 " + code + ": " + string_field(*error, "message"),
                     "Listing certificates failed with " + code + ".",
                     "查看本地程序日志 ~/.local/state/cabridge/host.log。",
                     "See the host log, ~/.local/state/cabridge/host.log."});
    }
    return;
  }
  const auto* result = find_object(reply, "result");
  const auto certs = result != nullptr ? result->find("certificates") : nlohmann::json::const_iterator();
  if (result == nullptr || certs == result->end() || !certs->is_array()) {
    out.push_back({Severity::warning, "list-certificates-error", host, "本地程序对读取证书的回复格式不正确。",
                   "The host's reply to list-certificates is malformed.", "重新安装 cabridge 软件包。",
                   "Reinstall the cabridge package."});
    return;
  }
  if (certs->empty()) {
    out.push_back(no_token);
    return;
  }
  out.push_back({Severity::info, "tokens-found", "", "找到 " + std::to_string(certs->size()) + " 张证书。",
                 "Found " + std::to_string(certs->size()) + " certificate(s).", "", ""});
  for (const auto& cert : *certs) {
    if (cert.is_object() && cert.value("expired", false)) {
      const auto* subject = find_object(cert, "subject");
      const std::string cn = subject != nullptr ? string_field(*subject, "CN") : std::string();
      out.push_back({Severity::warning, "certificate-expired", cn, "证书 " + cn + " 已过期。",
                     "Certificate " + cn + " has expired.", "联系签发该证书的 CA 办理证书延期。",
                     "Ask the issuing CA to renew the certificate."});
    }
  }
}

}  // namespace

void check_host_answer(const DoctorOptions& options, std::vector<Finding>& out) {
  const std::string host = options.host.string();
  try {
    // --admin-status: the host names its plugins and the policy state whatever the origin; to a
    // page's origin that may not use certificates it names none.
    HostSession session(options.host, options.extension_ids.front(), {"--admin-status"});
    const auto status = session.exchange(
        {{"id", 1}, {"command", "status"}, {"origin", "https://localhost"}, {"arguments", nlohmann::json::object()}},
        options.status_timeout);
    if (!status.message) {
      const auto exit_code = session.finish(std::chrono::milliseconds(1000));
      const std::string how = describe(status.failure);
      const std::string exited = exit_code ? " (exit status " + std::to_string(*exit_code) + ")" : "";
      out.push_back({Severity::error, "host-no-answer", host,
                     "本地程序没有正常响应 status 请求(" + how + exited + ")。",
                     "The host did not answer status properly: " + how + exited + ".",
                     "手动运行 cabridge-host 查看日志 ~/.local/state/cabridge/host.log；必要时重新安装 cabridge。",
                     "Look at the host log, ~/.local/state/cabridge/host.log; reinstall cabridge if needed."});
      return;
    }
    if (!report_status(options, *status.message, out)) {
      session.finish(std::chrono::milliseconds(1000));
      return;
    }
    const auto tokens = session.exchange({{"id", 2},
                                          {"command", "list-certificates"},
                                          {"origin", "http://localhost"},
                                          {"arguments", nlohmann::json::object()}},
                                         options.token_timeout);
    if (!tokens.message) {
      out.push_back({Severity::error, "token-not-responding", host,
                     std::string("读取证书时本地程序没有正常响应(") + describe(tokens.failure) + ")。",
                     std::string("The host did not answer list-certificates: ") + describe(tokens.failure) + ".",
                     "拔下并重新插入 USB Key；如仍然如此，重新安装 CA 的驱动。",
                     "Unplug and re-insert the key; if that does not help, reinstall the CA's driver."});
      session.finish(std::chrono::milliseconds(1000));
      return;
    }
    report_tokens(options, *tokens.message, out);
    const auto exit_code = session.finish(std::chrono::milliseconds(3000));
    const bool timed_out_reply = find_object(*tokens.message, "error") != nullptr &&
                                 string_field(tokens.message->at("error"), "code") == "TOKEN_NOT_RESPONDING";
    if (exit_code != 0 && !timed_out_reply) {
      out.push_back({Severity::warning, "host-exit", host, "输入结束后本地程序没有正常退出。",
                     "The host did not exit cleanly at end of input.",
                     "查看本地程序日志 ~/.local/state/cabridge/host.log。",
                     "See the host log, ~/.local/state/cabridge/host.log."});
    }
  } catch (const AdminError& e) {
    out.push_back({Severity::error, "host-cannot-start", host, std::string("无法启动本地程序: ") + e.what(),
                   std::string("The host cannot be started: ") + e.what(), "重新安装 cabridge 软件包。",
                   "Reinstall the cabridge package."});
  }
}

}  // namespace cabridge::admin
