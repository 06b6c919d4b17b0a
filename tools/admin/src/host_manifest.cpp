#include "host_manifest.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <system_error>

#include "admin_error.h"
#include "host_manifest_template.h"  // generated: kHostManifestTemplate

namespace fs = std::filesystem;

namespace cabridge::admin {
namespace {

constexpr std::string_view kHostPathPlaceholder = "@HOST_PATH@";

// The template with @HOST_PATH@ replaced by `host` as a JSON string body, then parsed.
nlohmann::json instantiate_template(const fs::path& host, std::string_view manifest_template) {
  std::string text(manifest_template);
  const std::string quoted = nlohmann::json(host.string()).dump();  // "..." with escapes
  const std::string escaped = quoted.substr(1, quoted.size() - 2);
  for (auto pos = text.find(kHostPathPlaceholder); pos != std::string::npos;
       pos = text.find(kHostPathPlaceholder, pos + escaped.size())) {
    text.replace(pos, kHostPathPlaceholder.size(), escaped);
  }
  return nlohmann::json::parse(text);
}

void require_absolute_host(const fs::path& host) {
  // Chrome and Firefox on Linux and macOS refuse a relative path.
  if (!host.is_absolute()) {
    throw AdminError("host path must be absolute / 主程序路径必须是绝对路径: " + host.string());
  }
}

bool is_gecko_name_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_';
}

}  // namespace

std::vector<std::string> default_extension_ids() {
  std::vector<std::string> ids;
  constexpr std::string_view prefix = "chrome-extension://";
  const nlohmann::json manifest = instantiate_template("/", kHostManifestTemplate);  // must outlive the loop
  for (const auto& origin : manifest.at("allowed_origins")) {
    const auto& s = origin.get_ref<const std::string&>();
    if (s.starts_with(prefix) && s.ends_with("/")) {
      ids.push_back(s.substr(prefix.size(), s.size() - prefix.size() - 1));
    }
  }
  return ids;
}

std::vector<std::string> default_gecko_ids() {
  std::vector<std::string> ids;
  const nlohmann::json manifest = instantiate_template("/", kFirefoxHostManifestTemplate);  // must outlive the loop
  for (const auto& id : manifest.at("allowed_extensions")) {
    ids.push_back(id.get<std::string>());
  }
  return ids;
}

bool is_valid_gecko_id(std::string_view id) {
  constexpr size_t kMaxLength = 80;
  if (id.empty() || id.size() > kMaxLength) return false;
  if (id.front() == '{') {
    constexpr std::string_view shape = "{########-####-####-####-############}";
    if (id.size() != shape.size()) return false;
    for (size_t i = 0; i < id.size(); ++i) {
      const bool ok = shape[i] == '#' ? std::isxdigit(static_cast<unsigned char>(id[i])) != 0 : id[i] == shape[i];
      if (!ok) return false;
    }
    return true;
  }
  const auto at = id.find('@');
  if (at == std::string_view::npos || at + 1 == id.size()) return false;
  const auto name = id.substr(0, at);
  const auto domain = id.substr(at + 1);
  return std::all_of(name.begin(), name.end(), is_gecko_name_char) &&
         std::all_of(domain.begin(), domain.end(), is_gecko_name_char);
}

bool is_valid_extension_id(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (c < 'a' || c > 'p') return false;
  }
  return true;
}

std::string extension_origin(std::string_view id) { return "chrome-extension://" + std::string(id) + "/"; }

nlohmann::json make_host_manifest(const fs::path& host, std::span<const std::string> extension_ids) {
  require_absolute_host(host);
  if (extension_ids.empty()) {
    throw AdminError("at least one extension id is needed / 至少需要一个扩展 ID");
  }
  nlohmann::json origins = nlohmann::json::array();
  for (const auto& id : extension_ids) {
    if (!is_valid_extension_id(id)) {
      throw AdminError("not an extension id (32 letters a-p) / 扩展 ID 无效: " + id);
    }
    const std::string origin = extension_origin(id);
    if (std::find(origins.begin(), origins.end(), origin) == origins.end()) {
      origins.push_back(origin);
    }
  }
  nlohmann::json manifest = instantiate_template(host, kHostManifestTemplate);
  manifest["allowed_origins"] = std::move(origins);
  return manifest;
}

nlohmann::json make_firefox_host_manifest(const fs::path& host, std::span<const std::string> gecko_ids) {
  require_absolute_host(host);
  if (gecko_ids.empty()) {
    throw AdminError("at least one Firefox add-on id is needed / 至少需要一个 Firefox 扩展 ID");
  }
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& id : gecko_ids) {
    if (!is_valid_gecko_id(id)) {
      throw AdminError("not a Firefox add-on id (name@domain or {GUID}) / Firefox 扩展 ID 无效: " + id);
    }
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  nlohmann::json manifest = instantiate_template(host, kFirefoxHostManifestTemplate);
  manifest["allowed_extensions"] = std::move(ids);
  return manifest;
}

std::string render_firefox_host_manifest(const fs::path& host, std::span<const std::string> gecko_ids) {
  return make_firefox_host_manifest(host, gecko_ids).dump(2) + "\n";
}

std::string render_host_manifest(const fs::path& host, std::span<const std::string> extension_ids) {
  // ensure_ascii=false keeps the Chinese description readable for an administrator.
  return make_host_manifest(host, extension_ids).dump(2) + "\n";
}

bool ManifestFile::names_our_host() const {
  if (state != State::readable) return false;
  const auto it = json.find("name");
  return it != json.end() && it->is_string() && it->get_ref<const std::string&>() == kHostName;
}

std::optional<std::string> ManifestFile::host_path() const {
  if (state != State::readable) return std::nullopt;
  const auto it = json.find("path");
  if (it == json.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

bool ManifestFile::allows_extension(std::string_view id) const {
  if (state != State::readable) return false;
  const auto it = json.find("allowed_origins");
  if (it == json.end() || !it->is_array()) return false;
  const std::string origin = extension_origin(id);
  for (const auto& entry : *it) {
    if (entry.is_string() && entry.get_ref<const std::string&>() == origin) return true;
  }
  return false;
}

bool ManifestFile::allows_gecko_id(std::string_view gecko_id) const {
  if (state != State::readable) return false;
  const auto it = json.find("allowed_extensions");
  if (it == json.end() || !it->is_array()) return false;
  return std::any_of(it->begin(), it->end(), [&](const nlohmann::json& entry) {
    return entry.is_string() && entry.get_ref<const std::string&>() == gecko_id;
  });
}

ManifestFile read_manifest_file(const fs::path& file) {
  ManifestFile result;
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (ec || !fs::exists(status)) {
    result.state = ManifestFile::State::missing;
    return result;
  }
  if (!fs::is_regular_file(status)) {
    result.state = ManifestFile::State::unreadable;
    result.error = "not a regular file";
    return result;
  }
  std::ifstream in(file, std::ios::binary);
  std::string text;
  if (in) text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) {
    result.state = ManifestFile::State::unreadable;
    result.error = "cannot be read";
    return result;
  }
  try {
    result.json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    result.state = ManifestFile::State::invalid_json;
    result.error = e.what();
    return result;
  }
  if (!result.json.is_object()) {
    result.state = ManifestFile::State::invalid_json;
    result.error = "the top level is not a JSON object";
    return result;
  }
  result.state = ManifestFile::State::readable;
  return result;
}

}  // namespace cabridge::admin
