// An anonymous in-memory file (memfd) that a fuzz target fills with the input and
// hands to code that reads a file descriptor, the way the host reads stdin.
#pragma once

#include "fuzz_target.h"
#include "unique_fd.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

namespace cabridge::fuzz {

class MemoryFile {
public:
    explicit MemoryFile(const char* name) : fd_(::memfd_create(name, MFD_CLOEXEC))
    {
        require(fd_.get() >= 0, "memfd_create failed");
    }

    int fd() const noexcept { return fd_.get(); }

    // Replaces the contents with `data` and rewinds, so the next read starts at byte 0.
    void reset(const std::uint8_t* data, std::size_t size)
    {
        require(::ftruncate(fd(), 0) == 0, "ftruncate failed");
        std::size_t done = 0;
        while (done < size) {
            const ssize_t n = ::pwrite(fd(), data + done, size - done, static_cast<off_t>(done));
            require(n > 0, "pwrite to memfd failed");
            done += static_cast<std::size_t>(n);
        }
        require(::lseek(fd(), 0, SEEK_SET) == 0, "lseek failed");
    }

    // Everything written to the file so far.
    std::vector<std::uint8_t> contents() const
    {
        const off_t end = ::lseek(fd(), 0, SEEK_END);
        require(end >= 0, "lseek failed");
        std::vector<std::uint8_t> out(static_cast<std::size_t>(end));
        std::size_t done = 0;
        while (done < out.size()) {
            const ssize_t n = ::pread(fd(), out.data() + done, out.size() - done, static_cast<off_t>(done));
            require(n > 0, "pread from memfd failed");
            done += static_cast<std::size_t>(n);
        }
        return out;
    }

private:
    UniqueFd fd_;
};

}  // namespace cabridge::fuzz
