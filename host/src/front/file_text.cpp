#include "file_text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace cabridge {

SmallFile openSmallFile(const std::filesystem::path& file, std::size_t maxBytes)
{
    SmallFile result;
    // O_NONBLOCK: opening a FIFO put where a file belongs must not wait for a writer (it is
    // then refused as not regular); regular files ignore the flag.
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        result.openError = errno;
        return result;
    }
    struct stat& st = result.status;
    std::optional<std::string>& text = result.text;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) <= maxBytes) {
        // Sized by fstat, plus one byte to see end of file; a file that grew meanwhile gets the
        // rest of the limit, never more.
        std::string buffer(static_cast<std::size_t>(st.st_size) + 1, '\0');
        std::size_t used = 0;
        bool failed = false;
        for (;;) {
            if (used == buffer.size()) {
                if (buffer.size() > maxBytes) {
                    break;
                }
                buffer.resize(maxBytes + 1);
            }
            const ssize_t n = ::read(fd, buffer.data() + used, buffer.size() - used);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0) {
                failed = true;
                break;
            }
            if (n == 0) {
                break;
            }
            const bool shortRead = static_cast<std::size_t>(n) < buffer.size() - used;
            used += static_cast<std::size_t>(n);
            if (shortRead) {
                break;  // a regular file reads short only at its end: no extra read() to see 0
            }
        }
        if (!failed && used <= maxBytes) {
            buffer.resize(used);
            text = std::move(buffer);
        }
    }
    ::close(fd);
    return result;
}

std::optional<std::string> readSmallFile(const std::filesystem::path& file, std::size_t maxBytes)
{
    return openSmallFile(file, maxBytes).text;
}

bool replaceFile(const std::filesystem::path& file, std::string_view text)
{
    std::error_code ec;
    if (!file.parent_path().empty() && !std::filesystem::is_directory(file.parent_path(), ec)) {
        std::filesystem::create_directories(file.parent_path(), ec);
        std::filesystem::permissions(file.parent_path(), std::filesystem::perms::owner_all, ec);
    }
    // A name of this process's own, so two hosts writing together never write one file.
    const auto temp = file.parent_path() / (file.filename().string() + "." + std::to_string(::getpid()) + ".tmp");
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return false;
    }
    // Private whatever a stale temp of an earlier process with this pid had (the mode survives
    // the rename): the files written here name the plugins and sites this user deals with.
    bool written = ::fchmod(fd, 0600) == 0;
    for (std::size_t done = 0; done < text.size();) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            written = false;
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    written = ::close(fd) == 0 && written;
    if (!written || ::rename(temp.c_str(), file.c_str()) != 0) {
        ::unlink(temp.c_str());
        return false;
    }
    return true;
}

}  // namespace cabridge
