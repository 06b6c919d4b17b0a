// Wire error codes (docs/protocol.md section 6), their Chinese messages, and the
// exception type that carries one from wherever it is detected to the reply.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace cabridge {

enum class ErrorCode {
    InvalidMessage,
    MessageTooLarge,
    UnknownCommand,
    InvalidArgument,
    ExtensionNotAllowed,
    OriginNotAllowed,
    InsecureOrigin,
    NoToken,
    CertificateNotFound,
    CertificateExpired,
    CertificateNotYetValid,
    PinIncorrect,
    PinLocked,
    PinInvalid,
    TokenRemoved,
    TokenNotResponding,
    DeviceError,
    PluginError,
    InternalError,
};

// The wire name, e.g. "INVALID_ARGUMENT".
std::string_view errorCodeName(ErrorCode code);

// The message shown to a person: what happened and what to do, in Chinese.
std::string_view errorMessageZh(ErrorCode code);

// A failure that becomes an error reply. `logDetail` is for the log only (never
// contains a PIN and is never sent to the page); `details` goes to the page.
class HostError : public std::runtime_error {
public:
    HostError(ErrorCode code, const std::string& logDetail, nlohmann::json details = nlohmann::json::object());

    ErrorCode code() const noexcept { return code_; }
    const nlohmann::json& details() const noexcept { return details_; }

private:
    ErrorCode code_;
    nlohmann::json details_;
};

// The reply object {"id", "error": {"code", "message", "details"}}.
nlohmann::json makeErrorReply(const nlohmann::json& id, ErrorCode code,
                              const nlohmann::json& details = nlohmann::json::object());

}  // namespace cabridge
