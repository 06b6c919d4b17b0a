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

}  // namespace cabridge
