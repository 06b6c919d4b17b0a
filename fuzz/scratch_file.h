// A private temporary file (mode 0600, removed on destruction) for code under
// test that insists on reading a path: policy files and host configuration.
// A memfd does not work there: its /proc path looks world-writable, which the
// policy loader rightly refuses.
#pragma once

#include "fuzz_target.h"
#include "unique_fd.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace cabridge::fuzz {

class ScratchFile {
public:
    explicit ScratchFile(const std::string& stem)
    {
        std::string pattern = (std::filesystem::temp_directory_path() / (stem + "-XXXXXX")).string();
        fd_ = UniqueFd(::mkstemp(pattern.data()));  // mkstemp creates it with mode 0600
        require(fd_.get() >= 0, "mkstemp failed");
        path_ = pattern;
    }
    ~ScratchFile()
    {
        std::error_code ignored;
        std::filesystem::remove(path_, ignored);
    }
    ScratchFile(const ScratchFile&) = delete;
    ScratchFile& operator=(const ScratchFile&) = delete;

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
