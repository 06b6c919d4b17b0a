// Whether a file the host acts on can be trusted as much as the host itself: the origin policy,
// plugin descriptors and plugin libraries. Whoever can change one of them decides which sites
// may use the person's certificates, or runs code inside the host.
//
// Trusted: the file is owned by root or by the user running the host (geteuid) and is not
// writable by group or others, and so is every directory from the one holding it up to "/".
// One exception, for directories above the one holding the file: a directory owned by root with
// the sticky bit (/tmp, /var/tmp) may be writable by everyone. The sticky bit stops other users
// from renaming or removing entries they do not own, and every entry below it on the path must
// itself be owned by root or the user, so nobody else can swap it. (OpenSSH's StrictModes refuses
// such a directory anywhere on the path; that would refuse every plugin directory a test or a
// user keeps under /tmp while adding no protection the owner check does not already give.)
// The directory directly holding the file never gets the exception: anyone could drop files
// there.
//
// A symlinked file is judged by its target, and the directory holding the link is checked too.
// Directories are compared by device and inode and each is checked once per FileTrust, so
// several plugins in one directory cost one stat() each for the files.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace cabridge {

class FileTrust {
public:
    FileTrust();

    // nullopt when `file` is trusted; otherwise why not, naming the file or directory at fault.
    // A file that cannot be stat'ed is not trusted.
    std::optional<std::string> check(const std::filesystem::path& file);

    // The same for a file already open: `status` is its fstat (not a symlink).
    std::optional<std::string> check(const std::filesystem::path& file, const struct stat& status);

private:
    std::optional<std::string> checkOwnerAndMode(const std::filesystem::path& path, const struct stat& st,
                                                 bool stickyAllowed) const;
    std::optional<std::string> checkDirectories(const std::filesystem::path& holder);

    uid_t user_;
    // Directories already found fine (with everything above them), by device and inode;
    // `true` when found fine as the directory holding a file, not only as an ancestor.
    std::map<std::pair<dev_t, ino_t>, bool> trusted_;
};

}  // namespace cabridge
