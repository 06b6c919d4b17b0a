// Doctor check: every browser's host manifest, per user and system-wide.
#include <system_error>

#include "doctor.h"
#include "host_manifest.h"

namespace fs = std::filesystem;

namespace cabridge::admin {
namespace {

std::string scope_zh(Scope scope) { return scope == Scope::user ? "当前用户" : "全局(所有用户)"; }
std::string scope_en(Scope scope) { return scope == Scope::user ? "per-user" : "system-wide"; }

std::string install_command(Browser browser, Scope scope) {
  return "cabridge install --browser " + std::string(browser_key(browser)) +
         (scope == Scope::system ? " --system" : "");
}

// Checks one manifest that exists; appends findings; true when it is fully correct.
bool check_one_manifest(const DoctorOptions& options, Browser browser, Scope scope, const fs::path& file,
                        const ManifestFile& manifest, std::vector<Finding>& out) {
  const std::string who_zh = std::string(browser_display_name(browser)) + " (" + scope_zh(scope) + ")";
  const std::string who_en = std::string(browser_display_name(browser)) + " (" + scope_en(scope) + ")";
  const std::string reinstall_zh = "执行 " + install_command(browser, scope) + " 重新生成。";
  const std::string reinstall_en = "Run `" + install_command(browser, scope) + "` to rewrite it.";
  const std::string subject = file.string();

  if (manifest.state == ManifestFile::State::unreadable) {
    out.push_back(
        {Severity::error, "manifest-unreadable", subject, who_zh + " 的本地程序清单无法读取: " + manifest.error,
         who_en + " host manifest cannot be read: " + manifest.error, "检查文件权限(应为 644)，或" + reinstall_zh,
         "Check its permissions (should be 0644), or " + reinstall_en});
    return false;
  }
  if (manifest.state == ManifestFile::State::invalid_json) {
    out.push_back({Severity::error, "manifest-invalid-json", subject,
                   who_zh + " 的本地程序清单不是有效的 JSON，浏览器会报告找不到本地程序。",
                   who_en + " host manifest is not valid JSON (" + manifest.error +
                       "); the browser reports the host as not found.",
                   reinstall_zh, reinstall_en});
    return false;
  }
  if (!manifest.names_our_host()) {
    out.push_back({Severity::error, "manifest-wrong-name", subject,
                   who_zh + " 的清单 name 字段不是 org.cabridge.host，浏览器不会使用它。",
                   who_en + " manifest's \"name\" is not org.cabridge.host; the browser ignores it.", reinstall_zh,
                   reinstall_en});
    return false;
  }
  bool ok = true;
  const auto type = manifest.json.find("type");
  if (type == manifest.json.end() || *type != "stdio") {
    out.push_back({Severity::error, "manifest-wrong-type", subject, who_zh + " 的清单 type 字段不是 \"stdio\"。",
                   who_en + " manifest's \"type\" is not \"stdio\".", reinstall_zh, reinstall_en});
    ok = false;
  }
  const auto path = manifest.host_path();
  if (!path || !fs::path(*path).is_absolute()) {
    out.push_back({Severity::error, "manifest-no-path", subject, who_zh + " 的清单缺少 path 字段或不是绝对路径。",
                   who_en + " manifest has no \"path\", or it is not absolute.", reinstall_zh, reinstall_en});
    ok = false;
  } else if (fs::path(*path).lexically_normal() != options.host.lexically_normal()) {
    const bool target_runnable = host_is_runnable(*path);
    out.push_back({Severity::error, "manifest-wrong-path", subject,
                   who_zh + " 的清单指向另一个程序 " + *path + (target_runnable ? "" : "(该文件不存在或不可执行)") +
                       "，而不是 " + options.host.string() + "。",
                   who_en + " manifest points to " + *path + (target_runnable ? "" : " (missing or not executable)") +
                       " instead of " + options.host.string() + ".",
                   reinstall_zh, reinstall_en});
    ok = false;
  }
  if (is_gecko(browser)) {
    for (const auto& id : options.gecko_ids) {
      if (manifest.allows_gecko_id(id)) continue;
      // Firefox says "No such native application" for this as for a missing manifest.
      out.push_back(
          {Severity::error, "manifest-extension-missing", subject,
           who_zh + " 的清单 allowed_extensions 中没有扩展 " + id + "，Firefox 会报告找不到本地程序。",
           who_en + " manifest's allowed_extensions lacks add-on " + id + "; Firefox reports the host as not found.",
           "执行 " + install_command(browser, scope) + " --gecko-id " + id + "。",
           "Run `" + install_command(browser, scope) + " --gecko-id " + id + "`."});
      ok = false;
    }
  }
  for (const auto& id : is_gecko(browser) ? std::vector<std::string>{} : options.extension_ids) {
    if (!manifest.allows_extension(id)) {
      // Once per missing extension id, for a person to read: plain `+` over saving a temporary string.
      out.push_back(
          {Severity::error, "manifest-extension-missing", subject,
           who_zh + " 的清单 allowed_origins 中没有扩展 " + id + "，浏览器会拒绝访问本地程序。",
           who_en + " manifest's allowed_origins lacks extension " + id + "; the browser reports access as forbidden.",
           "执行 " + install_command(browser, scope) + " --extension-id " + id + "。",
           "Run `" + install_command(browser, scope) + " --extension-id " + id + "`."});
      ok = false;
    }
  }
  if (ok) {
    out.push_back({Severity::info, "manifest-ok", subject, who_zh + " 的本地程序清单正确。",
                   who_en + " host manifest is correct.", "", ""});
  }
  return ok;
}

}  // namespace

void check_manifests(const DoctorOptions& options, std::vector<Finding>& out) {
  bool any_browser = false;
  for (Browser browser : all_browsers()) {
    const bool installed = browser_installed(options.root, browser);
    any_browser = any_browser || installed;
    bool any_manifest = false;
    for (Scope scope : {Scope::user, Scope::system}) {
      const fs::path file = under_root(options.root, manifest_dir(browser, scope, options.user)) /
                            std::string(kManifestFileName);
      const ManifestFile manifest = read_manifest_file(file);
      if (manifest.state == ManifestFile::State::missing) continue;
      any_manifest = true;
      check_one_manifest(options, browser, scope, file, manifest, out);
    }
    if (any_manifest) continue;
    const std::string name(browser_display_name(browser));
    if (installed) {
      out.push_back({Severity::error, "manifest-missing", std::string(browser_key(browser)),
                     name + " 已安装，但没有 cabridge 的本地程序清单，扩展无法连接本地程序。",
                     name + " is installed but has no cabridge host manifest, so the extension "
                            "cannot reach the host.",
                     "执行 sudo cabridge install --system --browser " + std::string(browser_key(browser)) +
                         "(所有用户)或去掉 sudo 和 --system(仅当前用户)。",
                     "Run `sudo cabridge install --system --browser " + std::string(browser_key(browser)) +
                         "` (all users) or without sudo and --system (this user only)."});
    } else {
      out.push_back({Severity::info, "manifest-missing", std::string(browser_key(browser)),
                     name + " 未安装，也没有它的本地程序清单。", name + " is not installed and has no host manifest.",
                     "", ""});
    }
  }
  if (!any_browser) {
    out.push_back({Severity::warning, "no-browser", "", "未找到以普通软件包安装的 Chrome、Chromium、Edge 或 Firefox。",
                   "No Chrome, Chromium, Edge or Firefox installed as a regular package was found.",
                   "安装 Google Chrome、Microsoft Edge 或 Firefox ESR 的 deb/rpm 软件包。",
                   "Install the deb/rpm package of Google Chrome, Microsoft Edge or Firefox ESR."});
  }
}

}  // namespace cabridge::admin
