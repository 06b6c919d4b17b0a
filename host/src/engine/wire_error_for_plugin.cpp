#include "wire_error_for_plugin.h"

namespace cabridge {

nlohmann::json helpDetails(const LoadedPlugin& plugin, std::string_view kind)
{
    nlohmann::json details = nlohmann::json::object();
    if (auto help = plugin.help(kind); !help.is_null()) {
        details["help"] = std::move(help);
    }
    return details;
}

HostError toHostError(const PluginCallFailure& failure, const LoadedPlugin& plugin)
{
    const std::string log = plugin.id() + ": " + failure.what();
    switch (failure.status()) {
    case CABRIDGE_ERR_NO_TOKEN:
        return HostError(ErrorCode::NoToken, log, helpDetails(plugin, "reinsert"));
    case CABRIDGE_ERR_CERTIFICATE_NOT_FOUND:
        return HostError(ErrorCode::CertificateNotFound, log, helpDetails(plugin, "reinsert"));
    case CABRIDGE_ERR_PIN_INCORRECT:
        return HostError(ErrorCode::PinIncorrect, log,
                         {{"retriesLeft", failure.retriesLeft() >= 0 ? nlohmann::json(failure.retriesLeft())
                                                                     : nlohmann::json(nullptr)},
                          {"finalTry", failure.finalTry()}});
    case CABRIDGE_ERR_PIN_LOCKED:
        return HostError(ErrorCode::PinLocked, log, helpDetails(plugin, "unlock"));
    case CABRIDGE_ERR_PIN_INVALID:
        return HostError(ErrorCode::PinInvalid, log);
    case CABRIDGE_ERR_TOKEN_REMOVED:
        return HostError(ErrorCode::TokenRemoved, log, helpDetails(plugin, "reinsert"));
    case CABRIDGE_ERR_DEVICE:
        return HostError(ErrorCode::DeviceError, log, helpDetails(plugin, "contact"));
    case CABRIDGE_ERR_UNSUPPORTED:
        return HostError(ErrorCode::InvalidArgument, log);
    case CABRIDGE_ERR_NOT_LOGGED_IN:
        return HostError(ErrorCode::InternalError, log);
    default:
        return HostError(ErrorCode::PluginError, log, helpDetails(plugin, "contact"));
    }
}

}  // namespace cabridge
