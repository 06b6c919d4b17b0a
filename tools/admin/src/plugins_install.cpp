#include "plugins_install.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>

#include "admin_error.h"

namespace fs = std::filesystem;

namespace cabridge::admin {

namespace {

bool sameContent(const fs::path &a, const fs::path &b) {
  std::error_code ec;
  if (fs::file_size(a, ec) != fs::file_size(b, ec) || ec) return false;
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  return std::equal(std::istreambuf_iterator<char>(fa), std::istreambuf_iterator<char>(),
                    std::istreambuf_iterator<char>(fb), std::istreambuf_iterator<char>());
}

// The descriptor file with `library` as the installed file name; written to a
// temporary name and renamed, so the host never reads half a file.
void writeDescriptor(const fs::path &target, nlohmann::json document, const std::string &libraryName) {
  document["library"] = libraryName;
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

// An id the host already finds in a directory it reads before `installDir`.
std::optional<fs::path> shadowingDescriptor(const std::string &id, const PluginLocations &locations) {
  std::error_code ec;
  for (const fs::path &dir : locations.hostDirs) {
    if (fs::equivalent(dir, locations.installDir, ec)) return std::nullopt;
    if (fs::exists(dir / (id + ".json"), ec)) return dir / (id + ".json");
  }
  return std::nullopt;
}

std::string libraryNamedBy(const fs::path &descriptorFile) {
  std::ifstream in(descriptorFile, std::ios::binary);
  const auto json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_object() && json.contains("library") && json["library"].is_string())
    return json["library"].get<std::string>();
  return {};
}

}  // namespace

InstalledPlugin installPlugin(const CandidatePlugin &candidate, const PluginLocations &locations, bool link) {
  const std::string &id = candidate.descriptor.id;
  std::error_code ec;
  fs::create_directories(locations.installDir, ec);
  if (ec) throw AdminError("cannot create " + locations.installDir.string() + ": " + ec.message());

  InstalledPlugin out{locations.installDir / (id + ".json"), locations.installDir / candidate.library.filename()};
  if (fs::exists(out.descriptor, ec)) {
    throw AdminError("plugin \"" + id + "\" is already installed in " + locations.installDir.string() +
                     "; run `cabridge plugins remove " + id + "` first");
  }
  if (auto earlier = shadowingDescriptor(id, locations)) {
    throw AdminError("the host reads " + earlier->string() + " first, so a plugin \"" + id + "\" in " +
                     locations.installDir.string() + " would be ignored");
  }

  bool madeLibrary = false;
  if (fs::exists(fs::symlink_status(out.library, ec))) {
    // Several vendors on the generic plugin share one library file.
    const bool same = fs::equivalent(out.library, candidate.library, ec) || sameContent(out.library, candidate.library);
    if (!same) {
      throw AdminError("a different " + out.library.filename().string() + " is already in " +
                       locations.installDir.string());
    }
  } else if (link) {
    fs::create_symlink(candidate.library, out.library, ec);
    if (ec) throw AdminError("cannot link " + out.library.string() + ": " + ec.message());
    madeLibrary = true;
  } else {
    fs::copy_file(candidate.library, out.library, ec);
    if (ec) throw AdminError("cannot copy the library to " + out.library.string() + ": " + ec.message());
    madeLibrary = true;
  }

  auto rollBack = [&] {
    std::error_code ignored;
    fs::remove(out.descriptor, ignored);
    if (madeLibrary) fs::remove(out.library, ignored);
  };
  try {
    writeDescriptor(out.descriptor, candidate.document, out.library.filename().string());
    const std::unique_ptr<LoadedPlugin> plugin = loadInstalled(out.descriptor, locations.dirsForChecks());
    if (!plugin->ok())
      throw AdminError("installed plugin refused by the host's loader: " + plugin->error().value_or(""));
  } catch (const AdminError &e) {
    rollBack();
    if (link)
      throw AdminError(
          std::string(e.what()) +
          " (with --link the original library must lie in a plugin directory the host reads; omit --link to copy it)");
    throw;
  } catch (const std::exception &e) {
    rollBack();
    throw AdminError(std::string("cannot install: ") + e.what());
  }
  return out;
}

std::vector<fs::path> removePlugin(const std::string &id, const PluginLocations &locations) {
  if (!isAdminPluginId(id)) throw AdminError("\"" + id + "\" is not a plugin id (a-z, 0-9, '-', 1..32)");
  const fs::path descriptor = locations.installDir / (id + ".json");
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(descriptor, ec))) {
    throw AdminError("no plugin \"" + id + "\" in " + locations.installDir.string());
  }
  const std::string library = libraryNamedBy(descriptor);
  std::vector<fs::path> removed;
  fs::remove(descriptor, ec);
  if (ec) throw AdminError("cannot remove " + descriptor.string() + ": " + ec.message());
  removed.push_back(descriptor);

  // Keep a library that lies elsewhere or that another descriptor still uses.
  if (library.empty() || fs::path(library).has_parent_path()) return removed;
  for (const auto &entry : fs::directory_iterator(locations.installDir, ec)) {
    if (entry.path().extension() == ".json" && libraryNamedBy(entry.path()) == library) return removed;
  }
  const fs::path libraryFile = locations.installDir / library;
  if (fs::exists(fs::symlink_status(libraryFile, ec)) && fs::remove(libraryFile, ec)) removed.push_back(libraryFile);
  return removed;
}

}  // namespace cabridge::admin
