#include <cabridge/test_support/temp_dir.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <utility>

namespace fs = std::filesystem;

namespace cabridge::test_support {

TempDir::TempDir(std::string_view prefix)
{
    std::string pattern = (fs::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed for " + pattern);
    }
    path_ = pattern;
}

TempDir::~TempDir()
{
    remove();
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})), kept_(other.kept_) {}

TempDir& TempDir::operator=(TempDir&& other) noexcept
{
    if (this != &other) {
        remove();
        path_ = std::exchange(other.path_, {});
        kept_ = other.kept_;
    }
    return *this;
}

void TempDir::remove() noexcept
{
    if (!path_.empty() && !kept_) {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
}

fs::path TempDir::write(const std::string& name, std::string_view text, mode_t mode) const
{
    fs::path file = path_ / name;
    fs::create_directories(file.parent_path());
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        if (!out) {
            throw std::runtime_error("cannot write " + file.string());
        }
    }
    fs::permissions(file, static_cast<fs::perms>(mode));
    return file;
}

std::string readFile(const fs::path& file)
{
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace cabridge::test_support
