// Owners of SKF handles: each closes its handle with the library's own call when it goes
// (SKF_DisConnectDev, SKF_CloseApplication, SKF_CloseContainer), whatever path a call takes.
#pragma once

#include "skf_library.h"

#include <utility>

namespace cabridge::skf {

template <std::uint32_t (SkfLibrary::*Close)(Handle)>
class SkfHandle {
public:
    SkfHandle() = default;
    SkfHandle(SkfLibrary &library, Handle handle) noexcept : library_(&library), handle_(handle) {}
    ~SkfHandle() { reset(); }
    SkfHandle(SkfHandle &&other) noexcept
        : library_(std::exchange(other.library_, nullptr)), handle_(std::exchange(other.handle_, nullptr)) {}
    SkfHandle &operator=(SkfHandle &&other) noexcept {
        if (this != &other) {
            reset();
            library_ = std::exchange(other.library_, nullptr);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    SkfHandle(const SkfHandle &) = delete;
    SkfHandle &operator=(const SkfHandle &) = delete;

    Handle get() const noexcept { return handle_; }
    explicit operator bool() const noexcept { return handle_ != nullptr; }

    // Closes now; a failure to close (e.g. the device is gone) changes nothing for the caller.
    void reset() noexcept {
        if (library_ != nullptr && handle_ != nullptr)
            static_cast<void>((library_->*Close)(handle_));
        handle_ = nullptr;
    }

private:
    SkfLibrary *library_ = nullptr;
    Handle handle_ = nullptr;
};

using DeviceHandle = SkfHandle<&SkfLibrary::disconnectDev>;
using ApplicationHandle = SkfHandle<&SkfLibrary::closeApplication>;
using ContainerHandle = SkfHandle<&SkfLibrary::closeContainer>;

} // namespace cabridge::skf
