// A private temporary directory for a test: made fresh (mode 0700) under $TMPDIR, else /tmp,
// and removed with everything in it when the object goes, also when an assertion fails
// half-way or an exception leaves the test.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace cabridge::test_support {

class TempDir {
public:
    // Makes <temp>/<prefix>XXXXXX. Throws std::runtime_error when it cannot.
    explicit TempDir(std::string_view prefix = "cabridge-test-");
    // Removes the directory and all in it (unless keep() was called); never throws. Files a
    // test made unreadable do not stop it: as root permissions do not apply, and otherwise
    // the directories the test made stay writable.
    ~TempDir();
    TempDir(TempDir&& other) noexcept;
    TempDir& operator=(TempDir&& other) noexcept;
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // Empty only in a moved-from object.
    const std::filesystem::path& path() const noexcept { return path_; }

    // Writes `text` to `name` (relative to the directory; missing parent directories are
    // made) with permissions `mode`, replacing any file there; returns the file's path.
    // Throws std::runtime_error when the file cannot be written.
    std::filesystem::path write(const std::string& name, std::string_view text, mode_t mode = 0644) const;

    // Leaves the directory on disk when the object goes, to look at after a failed run.
    void keep() noexcept { kept_ = true; }

private:
    void remove() noexcept;

    std::filesystem::path path_;
    bool kept_ = false;
};

// The whole of `file` as bytes; empty when it cannot be read (a child that wrote nothing).
std::string readFile(const std::filesystem::path& file);

}  // namespace cabridge::test_support
