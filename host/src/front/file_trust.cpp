#include "file_trust.h"

#include <unistd.h>

#include <array>
#include <climits>
#include <cstdio>
#include <cstdlib>

namespace cabridge {
namespace {

std::string octalMode(mode_t mode)
{
    std::array<char, 8> buffer {};
    std::snprintf(buffer.data(), buffer.size(), "%04o", static_cast<unsigned>(mode & 07777));
    return buffer.data();
}

}  // namespace

FileTrust::FileTrust() : user_(::geteuid()) {}

std::optional<std::string> FileTrust::checkOwnerAndMode(const std::filesystem::path& path, const struct stat& st,
                                                        bool stickyAllowed) const
{
    if (st.st_uid != 0 && st.st_uid != user_) {
        return path.string() + " is owned by uid " + std::to_string(st.st_uid) + ", not by root or this user (uid " +
               std::to_string(user_) + ")";
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        const bool stickyRootDir = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) != 0 && st.st_uid == 0;
        if (!(stickyAllowed && stickyRootDir)) {
            return path.string() + " is group- or world-writable (mode " + octalMode(st.st_mode) + ")";
        }
    }
    return std::nullopt;
}

std::optional<std::string> FileTrust::checkDirectories(const std::filesystem::path& holder)
{
    // Up by "..", which the kernel resolves through the real parent of a symlinked directory:
    // the directories a canonical path would name, one stat() each, none twice.
    std::string up = holder.empty() ? std::string(".") : holder.string();
    std::optional<std::pair<dev_t, ino_t>> below;
    for (int depth = 0; depth < 256; ++depth) {
        struct stat st {};
        if (::stat(up.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
            return "cannot examine directory " + up;
        }
        const std::pair<dev_t, ino_t> identity {st.st_dev, st.st_ino};
        if (identity == below) {
            return std::nullopt;  // "/" is its own parent
        }
        const bool holding = depth == 0;
        if (const auto known = trusted_.find(identity); known != trusted_.end() && (known->second || !holding)) {
            return std::nullopt;  // this one and everything above were checked already
        }
        // Name the directory by a readable path in the reason: holder/.. /.. is what was stat'ed.
        if (auto reason = checkOwnerAndMode(depth == 0 ? holder : std::filesystem::path(up), st, !holding)) {
            return "directory " + *reason;
        }
        trusted_[identity] = trusted_[identity] || holding;
        below = identity;
        up += "/..";
    }
    return "directory chain of " + holder.string() + " too deep";
}

std::optional<std::string> FileTrust::check(const std::filesystem::path& file, const struct stat& status)
{
    if (auto reason = checkOwnerAndMode(file, status, false)) {
        return reason;
    }
    return checkDirectories(file.parent_path());
}

std::optional<std::string> FileTrust::check(const std::filesystem::path& file)
{
    struct stat link {};
    if (::lstat(file.c_str(), &link) != 0) {
        return "cannot examine " + file.string();
    }
    if (!S_ISLNK(link.st_mode)) {
        return check(file, link);
    }
    // Whoever may change the link chooses the file: its directory must be trusted too.
    if (auto reason = checkDirectories(file.parent_path())) {
        return reason;
    }
    std::array<char, PATH_MAX> buffer {};
    if (::realpath(file.c_str(), buffer.data()) == nullptr) {
        return "cannot resolve " + file.string();
    }
    const std::filesystem::path target(buffer.data());
    struct stat st {};
    if (::stat(target.c_str(), &st) != 0) {
        return "cannot examine " + target.string();
    }
    return check(target, st);
}

}  // namespace cabridge
