#include "plugins_install.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>

#include "admin_error.h"

namespace fs = std::filesystem;

namespace cabridge::admin {

namespace {

bool same_content(const fs::path &a, const fs::path &b) {
  std::error_code ec;
  if (fs::file_size(a, ec) != fs::file_size(b, ec) || ec) return false;
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  return std::equal(std::istreambuf_iterator<char>(fa), std::istreambuf_iterator<char>(),
                    std::istreambuf_iterator<char>(fb), std::istreambuf_iterator<char>());
}

// The descriptor file with `library` as the installed file name; written to a
// temporary name and renamed, so the host never reads half a file.
void write_descriptor(const fs::path &target, nlohmann::json document, const std::string &library_name) {
  document["library"] = library_name;
  const fs::path temp = target.parent_path() / ("." + target.filename().string() + ".tmp");
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << document.dump(2, ' ', false) << "\n";
    if (!out) throw AdminError("cannot write " + temp.string());
  }
  fs::permissions(temp,
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  fs::rename(temp, target);
}

// An id the host already finds in a directory it reads before `install_dir`.
std::optional<fs::path> shadowing_descriptor(const std::string &id, const PluginLocations &locations) {
  std::error_code ec;
  for (const fs::path &dir : locations.host_dirs) {
    if (fs::equivalent(dir, locations.install_dir, ec)) return std::nullopt;
    if (fs::exists(dir / (id + ".json"), ec)) return dir / (id + ".json");
  }
  return std::nullopt;
}

std::string library_named_by(const fs::path &descriptor_file) {
  std::ifstream in(descriptor_file, std::ios::binary);
  const auto json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_object() && json.contains("library") && json["library"].is_string())
    return json["library"].get<std::string>();
  return {};
}

}  // namespace

InstalledPlugin install_plugin(const CandidatePlugin &candidate, const PluginLocations &locations, bool link) {
  const std::string &id = candidate.descriptor.id;
  std::error_code ec;
  fs::create_directories(locations.install_dir, ec);
  if (ec) throw AdminError("cannot create " + locations.install_dir.string() + ": " + ec.message());

  InstalledPlugin out{locations.install_dir / (id + ".json"), locations.install_dir / candidate.library.filename()};
  if (fs::exists(out.descriptor, ec)) {
    throw AdminError("plugin \"" + id + "\" is already installed in " + locations.install_dir.string() +
                     "; run `cabridge plugins remove " + id + "` first");
  }
  if (auto earlier = shadowing_descriptor(id, locations)) {
    throw AdminError("the host reads " + earlier->string() + " first, so a plugin \"" + id + "\" in " +
                     locations.install_dir.string() + " would be ignored");
  }

  bool made_library = false;
  if (fs::exists(fs::symlink_status(out.library, ec))) {
    // Several vendors on the generic plugin share one library file.
    const bool same = fs::equivalent(out.library, candidate.library, ec) ||
                      same_content(out.library, candidate.library);
    if (!same) {
      throw AdminError("a different " + out.library.filename().string() + " is already in " +
                       locations.install_dir.string());
    }
  } else if (link) {
    fs::create_symlink(candidate.library, out.library, ec);
    if (ec) throw AdminError("cannot link " + out.library.string() + ": " + ec.message());
    made_library = true;
  } else {
    fs::copy_file(candidate.library, out.library, ec);
    if (ec) throw AdminError("cannot copy the library to " + out.library.string() + ": " + ec.message());
    made_library = true;
  }

  auto roll_back = [&] {
    std::error_code ignored;
    fs::remove(out.descriptor, ignored);
    if (made_library) fs::remove(out.library, ignored);
  };
  try {
    write_descriptor(out.descriptor, candidate.document, out.library.filename().string());
    const std::unique_ptr<LoadedPlugin> plugin = load_installed(out.descriptor, locations.dirs_for_checks());
    if (!plugin->ok())
      throw AdminError("installed plugin refused by the host's loader: " + plugin->error().value_or(""));
  } catch (const AdminError &e) {
    roll_back();
    if (link)
      throw AdminError(
          std::string(e.what()) +
          " (with --link the original library must lie in a plugin directory the host reads; omit --link to copy it)");
    throw;
  } catch (const std::exception &e) {
    roll_back();
    throw AdminError(std::string("cannot install: ") + e.what());
  }
  return out;
}

std::vector<fs::path> remove_plugin(const std::string &id, const PluginLocations &locations) {
  if (!is_admin_plugin_id(id)) throw AdminError("\"" + id + "\" is not a plugin id (a-z, 0-9, '-', 1..32)");
  const fs::path descriptor = locations.install_dir / (id + ".json");
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(descriptor, ec))) {
    throw AdminError("no plugin \"" + id + "\" in " + locations.install_dir.string());
  }
  const std::string library = library_named_by(descriptor);
  std::vector<fs::path> removed;
  fs::remove(descriptor, ec);
  if (ec) throw AdminError("cannot remove " + descriptor.string() + ": " + ec.message());
  removed.push_back(descriptor);

  // Keep a library that lies elsewhere or that another descriptor still uses.
  if (library.empty() || fs::path(library).has_parent_path()) return removed;
  for (const auto &entry : fs::directory_iterator(locations.install_dir, ec)) {
    if (entry.path().extension() == ".json" && library_named_by(entry.path()) == library) return removed;
  }
  const fs::path library_file = locations.install_dir / library;
  if (fs::exists(fs::symlink_status(library_file, ec)) && fs::remove(library_file, ec)) removed.push_back(library_file);
  return removed;
}

}  // namespace cabridge::admin
