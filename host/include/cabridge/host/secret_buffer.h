// A fixed-size buffer for a PIN that is wiped (OPENSSL_cleanse) when destroyed.
// It never reallocates, so no unwiped copy is left behind on the heap.
#pragma once

#include <openssl/crypto.h>

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace cabridge {

class SecretBuffer {
public:
    explicit SecretBuffer(std::string_view source)
        : data_(std::make_unique<char[]>(source.size() + 1)), size_(source.size())
    {
        std::memcpy(data_.get(), source.data(), source.size());
        data_[size_] = '\0';
    }
    ~SecretBuffer() { OPENSSL_cleanse(data_.get(), size_ + 1); }
    SecretBuffer(const SecretBuffer&) = delete;
    SecretBuffer& operator=(const SecretBuffer&) = delete;

    const char* data() const noexcept { return data_.get(); }
    std::size_t size() const noexcept { return size_; }
    std::string_view view() const noexcept { return {data_.get(), size_}; }

private:
    std::unique_ptr<char[]> data_;
    std::size_t size_;
};

}  // namespace cabridge
