// A private in-memory file for code under test that insists on reading a path:
// policy files and host configuration. A memfd chmod-ed to 0600 and named by its
// /proc/self/fd path: no directory entry, no disk. (A file in /tmp cost a disk
// flush per input: ext4 writes a file back when it is closed after truncation,
// and the loaders open and close it every time. An unchmod-ed memfd looks
// world-writable, which the policy loader rightly refuses.)
#pragma once

#include "fuzz_target.h"
#include "unique_fd.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace cabridge::fuzz {

class ScratchFile {
public:
    explicit ScratchFile(const std::string& name) : fd_(::memfd_create(name.c_str(), MFD_CLOEXEC))
    {
        require(fd_.get() >= 0, "memfd_create failed");
        require(::fchmod(fd_.get(), 0600) == 0, "fchmod of the scratch memfd failed");
        path_ = "/proc/self/fd/" + std::to_string(fd_.get());
    }

    const std::filesystem::path& path() const noexcept { return path_; }

    // Replaces the file's contents with `data`.
    void write(const std::uint8_t* data, std::size_t size)
    {
        require(::ftruncate(fd_.get(), 0) == 0, "ftruncate failed");
        std::size_t done = 0;
        while (done < size) {
            const ssize_t n = ::pwrite(fd_.get(), data + done, size - done, static_cast<off_t>(done));
            require(n > 0, "pwrite to scratch file failed");
            done += static_cast<std::size_t>(n);
        }
    }

private:
    UniqueFd fd_;
    std::filesystem::path path_;
};

}  // namespace cabridge::fuzz
