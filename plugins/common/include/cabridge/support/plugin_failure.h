// A failure inside a plugin, carrying everything cabridge_error needs.
// Thrown by the support library and by plugins; plugin_glue.h turns it into a
// cabridge_status at the C boundary. Messages must never contain a PIN.
#pragma once

#include <cabridge/plugin.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace cabridge {

class PluginFailure : public std::runtime_error {
public:
    PluginFailure(cabridge_status status, const std::string &message, std::uint32_t ckr = 0)
        : std::runtime_error(message), status_(status), ckr_(ckr) {}

    cabridge_status status() const noexcept { return status_; }
    std::uint32_t ckr() const noexcept { return ckr_; }
    // PIN tries left when the token says exactly, else -1.
    std::int32_t retriesLeft() const noexcept { return retriesLeft_; }
    bool finalTry() const noexcept { return finalTry_; }

    void setRetriesLeft(std::int32_t n) noexcept { retriesLeft_ = n; }
    void setFinalTry(bool v) noexcept { finalTry_ = v; }
    void setStatus(cabridge_status s) noexcept { status_ = s; }

private:
    cabridge_status status_;
    std::uint32_t ckr_;
    std::int32_t retriesLeft_ = -1;
    bool finalTry_ = false;
};

} // namespace cabridge
