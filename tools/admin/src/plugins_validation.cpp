#include "plugins_validation.h"

#include <cabridge/common/encoding.h>
#include <cabridge/host/cert_info.h>
#include <cabridge/host/plugin_probe.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <system_error>

#include "admin_error.h"
#include "self_path.h"

namespace fs = std::filesystem;

namespace cabridge::admin {

namespace {

constexpr std::uintmax_t kMaxDescriptorBytes = std::uintmax_t{64} * 1024;

// Starts the plugin in a child (cabridge-host --probe-plugin, as the host itself does) before
// this process loads it, so a library that crashes while starting is refused with the reason
// instead of taking the admin tool down. Without an executable host next to this program the
// plugin is loaded directly, as before.
void refuse_if_it_crashes(const PluginDescriptor &descriptor) {
  const fs::path host = default_host_path();
  if (::access(host.c_str(), X_OK) != 0) return;
  const auto run = probeInChild(host, descriptor);
  if (run && run->verdict.crashed) throw AdminError("plugin refused: " + run->verdict.reason);
}

std::string read_descriptor_text(const fs::path &file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw AdminError("descriptor not found: " + file.string());
  const auto size = fs::file_size(file, ec);
  if (ec || size > kMaxDescriptorBytes)
    throw AdminError("descriptor cannot be read or is larger than 64 KiB: " + file.string());
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) throw AdminError("descriptor cannot be read: " + file.string());
  return text.str();
}

fs::path find_library(const fs::path &descriptor_file, const std::string &library,
                      const std::vector<fs::path> &search_dirs) {
  std::error_code ec;
  std::vector<fs::path> tried;
  const fs::path named(library);
  if (named.is_absolute()) {
    tried.push_back(named);
  } else {
    tried.push_back(descriptor_file.parent_path() / named);
    if (!named.has_parent_path()) {
      for (const fs::path &dir : search_dirs) tried.push_back(dir / named);
    }
  }
  for (const fs::path &candidate : tried) {
    if (fs::is_regular_file(candidate, ec)) return fs::canonical(candidate);
  }
  std::string list;
  for (const fs::path &p : tried) list += (list.empty() ? "" : ", ") + p.string();
  throw AdminError("plugin library not found; tried: " + list);
}

}  // namespace

bool is_admin_plugin_id(const std::string &id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

CandidatePlugin check_candidate(const fs::path &file, const std::vector<fs::path> &search_dirs) {
  CandidatePlugin out;
  const std::string text = read_descriptor_text(file);
  out.document = nlohmann::json::parse(text, nullptr, false);
  if (out.document.is_discarded()) throw AdminError("descriptor is not valid JSON: " + file.string());
  if (!out.document.is_object()) throw AdminError("descriptor is not a JSON object: " + file.string());
  const auto id = out.document.find("id");
  if (id == out.document.end() || !id->is_string() || !is_admin_plugin_id(id->get<std::string>())) {
    throw AdminError("\"id\" must be 1 to 32 characters of a-z, 0-9 and '-'");
  }
  // Parsed under the name it will be installed as, so the host's own checks apply.
  try {
    out.descriptor = parsePluginDescriptor(file.parent_path() / (id->get<std::string>() + ".json"), text);
  } catch (const DescriptorError &e) {
    throw AdminError(e.what());
  }
  const auto config_id = out.descriptor.config.find("id");
  if (config_id != out.descriptor.config.end() && *config_id != out.descriptor.id) {
    throw AdminError("config.id " + config_id->dump() + " does not match the descriptor id \"" + out.descriptor.id +
                     "\"");
  }
  out.library = find_library(file, out.descriptor.library.string(), search_dirs);

  PluginDescriptor probe = out.descriptor;
  probe.library = out.library;
  refuse_if_it_crashes(probe);
  out.plugin = LoadedPlugin::load(probe);
  if (!out.plugin->ok()) throw AdminError("plugin refused: " + out.plugin->error().value_or("unknown reason"));
  return out;
}

std::unique_ptr<LoadedPlugin> load_installed(const fs::path &descriptor_file,
                                             const std::vector<fs::path> &plugin_dirs) {
  try {
    PluginDescriptor descriptor = parsePluginDescriptor(descriptor_file, read_descriptor_text(descriptor_file));
    descriptor.library = resolvePluginLibrary(descriptor_file, descriptor.library.string(), plugin_dirs);
    refuse_if_it_crashes(descriptor);
    return LoadedPlugin::load(descriptor);
  } catch (const DescriptorError &e) {
    throw AdminError(descriptor_file.string() + ": " + e.what());
  }
}

nlohmann::json inspect_tokens(LoadedPlugin &plugin) {
  nlohmann::json tokens;
  try {
    tokens = plugin.listTokens();
  } catch (const PluginCallFailure &e) {
    throw AdminError(std::string("list_tokens failed: ") + e.what());
  }
  const auto now = std::chrono::system_clock::now();
  nlohmann::json out = nlohmann::json::array();
  for (const auto &token : tokens) {
    if (!token.is_object()) continue;
    nlohmann::json entry = {{"label", token.value("label", "")},
                            {"serial", token.value("serial", "")},
                            {"manufacturer", token.value("manufacturer", "")},
                            {"model", token.value("model", "")},
                            {"certificates", nlohmann::json::array()}};
    if (token.contains("pinFlags")) entry["pinFlags"] = token["pinFlags"];
    // What an SKF plugin adds, so an administrator can tell the interface and its algorithms.
    for (const char *key : {"interface", "application", "algorithms", "pinDefault"}) {
      if (token.contains(key)) entry[key] = token[key];
    }
    for (const auto &cert : token.value("certificates", nlohmann::json::array())) {
      nlohmann::json c = {{"label", cert.value("label", "")}};
      const auto der = base64Decode(cert.value("der", ""));
      try {
        if (!der) throw CertificateParseError("certificate is not base64");
        const CertificateFacts facts = describeCertificate(*der, now);
        c["subject"] = facts.info["subject"]["dn"];
        c["notAfter"] = facts.info["notAfter"];
        c["expired"] = facts.expired;
        c["sha256"] = facts.sha256Hex;
      } catch (const CertificateParseError &e) {
        c["error"] = e.what();
      }
      entry["certificates"].push_back(std::move(c));
    }
    // Key pairs without a certificate: a CA renewal that stopped after generate-key. The CA's
    // site removes them (remove-key); listing them needs no PIN.
    if (plugin.enrols() && token.contains("ref") && token["ref"].is_string()) {
      entry["orphanKeys"] = nlohmann::json::array();
      try {
        for (const auto &key : plugin.listKeys(token["ref"].get<std::string>())) {
          if (key.is_object() && key.value("hasCertificate", true) == false) {
            entry["orphanKeys"].push_back({{"keyId", key.value("keyId", "")}, {"keyType", key.value("keyType", "")}});
          }
        }
      } catch (const PluginCallFailure &e) {
        entry.erase("orphanKeys");
        entry["orphanKeysError"] = e.what();
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace cabridge::admin
