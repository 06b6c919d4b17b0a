#include "error.h"

namespace cabridge {

std::string_view errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidMessage:
        return "INVALID_MESSAGE";
    case ErrorCode::MessageTooLarge:
        return "MESSAGE_TOO_LARGE";
    case ErrorCode::UnknownCommand:
        return "UNKNOWN_COMMAND";
    case ErrorCode::InvalidArgument:
        return "INVALID_ARGUMENT";
    case ErrorCode::ExtensionNotAllowed:
        return "EXTENSION_NOT_ALLOWED";
    case ErrorCode::OriginNotAllowed:
        return "ORIGIN_NOT_ALLOWED";
    case ErrorCode::InsecureOrigin:
        return "INSECURE_ORIGIN";
    case ErrorCode::NoToken:
        return "NO_TOKEN";
    case ErrorCode::CertificateNotFound:
        return "CERTIFICATE_NOT_FOUND";
    case ErrorCode::CertificateExpired:
        return "CERTIFICATE_EXPIRED";
    case ErrorCode::CertificateNotYetValid:
        return "CERTIFICATE_NOT_YET_VALID";
    case ErrorCode::PinIncorrect:
        return "PIN_INCORRECT";
    case ErrorCode::PinLocked:
        return "PIN_LOCKED";
    case ErrorCode::PinInvalid:
        return "PIN_INVALID";
    case ErrorCode::TokenRemoved:
        return "TOKEN_REMOVED";
    case ErrorCode::TokenNotResponding:
        return "TOKEN_NOT_RESPONDING";
    case ErrorCode::DeviceError:
        return "DEVICE_ERROR";
    case ErrorCode::PluginError:
        return "PLUGIN_ERROR";
    case ErrorCode::InternalError:
        return "INTERNAL_ERROR";
    }
    return "INTERNAL_ERROR";
}

std::string_view errorMessageZh(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidMessage:
        return "收到的请求格式不正确，无法处理。请刷新页面后重试；如仍出现，请联系网站管理员。";
    case ErrorCode::MessageTooLarge:
        return "请求数据过大（超过 1 MB），已被拒绝。请刷新页面后重试。";
    case ErrorCode::UnknownCommand:
        return "本机证书组件不支持此操作。请将浏览器扩展和 cabridge 本机组件更新到最新版本。";
    case ErrorCode::InvalidArgument:
        return "请求参数不正确。请刷新页面后重试；如仍出现，请联系网站管理员。";
    case ErrorCode::ExtensionNotAllowed:
        return "此浏览器扩展未获授权使用本机证书组件。请从官方渠道安装 cabridge 扩展。";
    case ErrorCode::OriginNotAllowed:
        return "当前网站未被允许使用证书。请确认网址正确，或联系单位管理员将该网站加入允许列表。";
    case ErrorCode::InsecureOrigin:
        return "当前网站使用不安全的 http 连接，且未被管理员明确允许，不能使用证书。请改用 https 地址或联系管理员。";
    case ErrorCode::NoToken:
        return "未检测到证书 USB Key。请插入 USB Key 后重试。";
    case ErrorCode::CertificateNotFound:
        return "找不到所选证书，USB Key 可能已拔出或更换。请重新插入后再选择证书。";
    case ErrorCode::CertificateExpired:
        return "证书已过期，不能使用。请按提示办理证书延期后再试。";
    case ErrorCode::CertificateNotYetValid:
        return "证书尚未生效。请检查电脑的日期和时间是否正确，或等证书生效后再试。";
    case ErrorCode::PinIncorrect:
        return "证书密码（PIN）错误。请核对后重新输入；多次输错会锁定 USB Key。";
    case ErrorCode::PinLocked:
        return "证书密码（PIN）已被锁定。请按提示办理密码解锁。";
    case ErrorCode::PinInvalid:
        return "证书密码（PIN）格式不正确（长度或字符不符合要求），USB Key 未被使用。请重新输入。";
    case ErrorCode::TokenRemoved:
        return "USB Key 在操作过程中被拔出。请重新插入后重试。";
    case ErrorCode::TokenNotResponding:
        return "USB Key 长时间没有响应。请拔出后重新插入，再刷新页面重试。";
    case ErrorCode::DeviceError:
        return "USB Key 设备出错。请重新插入后重试；如仍失败，请联系证书服务商。";
    case ErrorCode::PluginError:
        return "证书厂商组件出错。请重新安装证书驱动，或联系证书服务商。";
    case ErrorCode::InternalError:
        return "本机证书组件内部出错。请重试；如仍出现，请重新安装 cabridge。";
    }
    return "本机证书组件内部出错。请重试；如仍出现，请重新安装 cabridge。";
}

HostError::HostError(ErrorCode code, const std::string& logDetail, nlohmann::json details)
    : std::runtime_error(logDetail), code_(code), details_(std::move(details))
{
}

namespace {

// The person's text for an error that concerns the administrator (SO) PIN (details.user "so",
// unblock-pin) or the CA's online-unlock response (details.user "response"): the user PIN's
// texts would send them to the wrong PIN.
std::string_view messageFor(ErrorCode code, const nlohmann::json& details)
{
    const bool response = details.is_object() && details.value("user", "") == "response";
    if (response && code == ErrorCode::PinIncorrect) {
        return "证书服务商的解锁应答不正确或已使用过，USB Key 未解锁。请在证书服务商网站重新申请解锁。";
    }
    if (response && code == ErrorCode::PinLocked) {
        return "USB Key 的在线解锁已被锁定（解锁应答错误次数过多），无法在本机解锁。请联系证书服务商办理。";
    }
    const bool soPin = details.is_object() && details.value("user", "") == "so";
    if (soPin && code == ErrorCode::PinIncorrect) {
        return "管理员口令（SO PIN）错误。请核对后重新输入；多次输错会锁定管理员口令。";
    }
    if (soPin && code == ErrorCode::PinLocked) {
        return "管理员口令（SO PIN）已被锁定，无法在本机解锁。请联系证书服务商办理。";
    }
    if (soPin && code == ErrorCode::PinInvalid) {
        return "管理员口令（SO PIN）格式不正确，USB Key 未被使用。请重新输入。";
    }
    return errorMessageZh(code);
}

}  // namespace

nlohmann::json makeErrorReply(const nlohmann::json& id, ErrorCode code, const nlohmann::json& details)
{
    return {{"id", id},
            {"error",
             {{"code", std::string(errorCodeName(code))},
              {"message", std::string(messageFor(code, details))},
              {"details", details.is_object() ? details : nlohmann::json::object()}}}};
}

}  // namespace cabridge
