#include "manifest_installer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin_error.h"
#include "host_manifest.h"

namespace fs = std::filesystem;

namespace cabridge::admin {
namespace {

// Closes a file descriptor on scope exit.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }
  int get() const { return fd_; }
  int release_and_close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd_;
};

std::string errno_text() { return std::strerror(errno); }

void create_directories_0755(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw AdminError("cannot create directory / 无法创建目录 " + dir.string() + ": " + ec.message());
  }
}

// Write to a temporary file beside the target and rename it over, so a browser never
// reads half a manifest and a failed write leaves the old one intact.
void write_file_atomically(const fs::path& file, const std::string& content) {
  const fs::path tmp = file.parent_path() / ("." + file.filename().string() + ".tmp");
  FileDescriptor fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (fd.get() < 0) {
    throw AdminError("cannot write / 无法写入 " + tmp.string() + ": " + errno_text());
  }
  // The umask must not make the manifest unreadable to the browser's user.
  ::fchmod(fd.get(), 0644);
  std::string_view rest = content;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd.get(), rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = errno_text();
      ::unlink(tmp.c_str());
      throw AdminError("cannot write / 无法写入 " + tmp.string() + ": " + why);
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd.get()) != 0 || fd.release_and_close() != 0 || ::rename(tmp.c_str(), file.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw AdminError("cannot write / 无法写入 " + file.string() + ": " + why);
  }
}

}  // namespace

std::vector<ManifestPlace> manifest_files(const ManifestTarget& target) {
  std::vector<ManifestPlace> files;
  for (Browser b : target.browsers) {
    files.push_back(
        {under_root(target.root, manifest_dir(b, target.scope, target.user)) / std::string(kManifestFileName),
         is_gecko(b)});
  }
  for (const fs::path& dir : target.browser_dirs) {
    files.push_back({fork_manifest_dir(dir) / std::string(kManifestFileName), false});
  }
  return files;
}

std::vector<fs::path> install_manifests(const ManifestTarget& target) {
  const auto places = manifest_files(target);
  const bool any_gecko = std::any_of(places.begin(), places.end(), [](const ManifestPlace& p) { return p.gecko; });
  const bool any_chromium = std::any_of(places.begin(), places.end(), [](const ManifestPlace& p) { return !p.gecko; });
  // Rendered once up front: a bad host path or id fails before anything is written.
  const std::string chromium = any_chromium ? render_host_manifest(target.host, target.extension_ids) : "";
  const std::string firefox = any_gecko ? render_firefox_host_manifest(target.host, target.gecko_ids) : "";
  std::vector<fs::path> written;
  for (const auto& place : places) {
    create_directories_0755(place.file.parent_path());
    write_file_atomically(place.file, place.gecko ? firefox : chromium);
    written.push_back(place.file);
  }
  return written;
}

UninstallOutcome uninstall_manifests(const ManifestTarget& target) {
  UninstallOutcome outcome;
  for (const auto& place : manifest_files(target)) {
    const fs::path& file = place.file;
    const ManifestFile manifest = read_manifest_file(file);
    switch (manifest.state) {
      case ManifestFile::State::missing: continue;
      case ManifestFile::State::unreadable:
      case ManifestFile::State::invalid_json:
        outcome.kept.emplace_back(file, "not a manifest we can read (" + manifest.error + ")");
        continue;
      case ManifestFile::State::readable: break;
    }
    if (!manifest.names_our_host()) {
      outcome.kept.emplace_back(file, "its \"name\" is not org.cabridge.host");
      continue;
    }
    if (manifest.host_path() != target.host.string()) {
      outcome.kept.emplace_back(file, "it points to another host: " + manifest.host_path().value_or("(no path)"));
      continue;
    }
    std::error_code ec;
    if (!fs::remove(file, ec) || ec) {
      throw AdminError("cannot remove / 无法删除 " + file.string() + ": " + ec.message());
    }
    outcome.removed.push_back(file);
    // Only the manifest directory itself, and only when empty: its parent is the
    // browser's own configuration directory.
    fs::remove(file.parent_path(), ec);
  }
  return outcome;
}

}  // namespace cabridge::admin
