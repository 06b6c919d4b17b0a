#include "skf_token_service.h"

#include "sar_status.h"

#include <cabridge/common/encoding.h>
#include <cabridge/common/openssl_ptr.h>
#include <cabridge/common/sm2.h>
#include <cabridge/common/sm2_certificate_z.h>
#include <cabridge/skf.h>
#include <cabridge/support/plugin_failure.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <limits>
#include <optional>

namespace cabridge::skf {

namespace {

// Name lists and certificates bigger than this are a broken library, not data.
constexpr std::size_t kMaxListBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxCertificateBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxRsaSignatureBytes = 512;
constexpr std::string_view kRefPrefix = "skf:";
// Device-name hints kept (one per token seen); more tokens than this start the list afresh.
constexpr std::size_t kMaxDeviceHints = 16;

// DER of DigestInfo { sha256, NULL } up to the 32 digest bytes (RFC 8017 section 9.2).
constexpr std::array<std::uint8_t, 19> kSha256DigestInfoPrefix{
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};

// A size query, then the read; once more if the list grew in between.
template <class Call>
std::vector<char> readSized(Call &&call, std::string_view callName, std::size_t maxBytes) {
    for (int attempt = 0; attempt < 3; ++attempt) {
        std::size_t size = 0;
        throwUnlessOk(call(nullptr, &size), callName);
        if (size > maxBytes)
            throw PluginFailure(CABRIDGE_ERR_DEVICE, "skf: " + std::string(callName) + " wants " +
                                                         std::to_string(size) + " bytes (more than " +
                                                         std::to_string(maxBytes) + ")");
        if (size == 0)
            return {};
        std::vector<char> buffer(size);
        std::size_t got = size;
        const std::uint32_t rv = call(buffer.data(), &got);
        if (rv == SAR_BUFFER_TOO_SMALL)
            continue;
        throwUnlessOk(rv, callName);
        buffer.resize(std::min(got, size));
        return buffer;
    }
    throw PluginFailure(CABRIDGE_ERR_DEVICE, "skf: " + std::string(callName) + " keeps changing its size");
}

std::string deviceIdentity(const DeviceInfo &info, const std::string &deviceName) {
    return info.serial.empty() ? "#" + deviceName : info.serial;
}

std::span<const std::uint8_t> bytesOf(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t *>(text.data()), text.size()};
}

std::string tokenRefFor(const OpenToken &token) {
    return std::string(kRefPrefix) + hexEncode(bytesOf(deviceIdentity(token.info, token.deviceName))) + ":" +
           hexEncode(bytesOf(token.applicationName));
}

struct ParsedRef {
    std::string device;
    std::string application;
};

std::optional<ParsedRef> parseTokenRef(std::string_view ref) {
    if (ref.substr(0, kRefPrefix.size()) != kRefPrefix)
        return std::nullopt;
    ref.remove_prefix(kRefPrefix.size());
    const auto colon = ref.find(':');
    if (colon == std::string_view::npos)
        return std::nullopt;
    const auto device = hexDecode(ref.substr(0, colon));
    const auto application = hexDecode(ref.substr(colon + 1));
    if (!device || !application || device->empty() || application->empty())
        return std::nullopt;
    return ParsedRef{{device->begin(), device->end()}, {application->begin(), application->end()}};
}

[[noreturn]] void noToken(std::string_view tokenRef) {
    throw PluginFailure(CABRIDGE_ERR_NO_TOKEN, "skf: no token " + std::string(tokenRef.substr(0, 160)) + " present");
}

[[noreturn]] void noCertificate(std::string_view certRef, const std::string &why) {
    throw PluginFailure(CABRIDGE_ERR_CERTIFICATE_NOT_FOUND,
                        "skf: certificate " + std::string(certRef.substr(0, 80)) + ": " + why);
}

X509Ptr parseCertificate(const std::vector<std::uint8_t> &der) {
    const unsigned char *cursor = der.data();
    X509Ptr certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
    if (!certificate || cursor != der.data() + der.size())
        throw PluginFailure(CABRIDGE_ERR_DEVICE, "skf: the container's signing certificate is not DER X.509");
    return certificate;
}

// A NUL-terminated copy of the PIN for SKF_VerifyPIN's LPSTR, wiped when it goes.
class PinString {
public:
    explicit PinString(std::string_view pin) : text_(pin.begin(), pin.end()) { text_.push_back('\0'); }
    ~PinString() { OPENSSL_cleanse(text_.data(), text_.size()); }
    PinString(const PinString &) = delete;
    PinString &operator=(const PinString &) = delete;
    const char *c_str() const noexcept { return text_.data(); }

private:
    std::vector<char> text_;
};

std::int32_t clampRetries(std::uint64_t n) noexcept {
    return static_cast<std::int32_t>(std::min<std::uint64_t>(n, std::numeric_limits<std::int32_t>::max()));
}

} // namespace

std::vector<std::string> SkfTokenService::deviceNames() {
    const auto list = readSized([&](char *buffer, std::size_t *size) { return library_.enumDev(true, buffer, size); },
                                "SKF_EnumDev", kMaxListBytes);
    return parseNameList(list);
}

std::vector<std::string> SkfTokenService::applicationNames(DeviceHandle &device) {
    const auto list = readSized(
        [&](char *buffer, std::size_t *size) { return library_.enumApplication(device.get(), buffer, size); },
        "SKF_EnumApplication", kMaxListBytes);
    return parseNameList(list);
}

std::vector<std::string> SkfTokenService::containerNames(ApplicationHandle &application) {
    const auto list = readSized(
        [&](char *buffer, std::size_t *size) { return library_.enumContainer(application.get(), buffer, size); },
        "SKF_EnumContainer", kMaxListBytes);
    return parseNameList(list);
}

bool SkfTokenService::admitsApplication(const std::string &name) const {
    return config_.applications.empty() ||
           std::find(config_.applications.begin(), config_.applications.end(), name) != config_.applications.end();
}

DeviceInfo SkfTokenService::deviceInfo(DeviceHandle &device) {
    std::array<std::uint8_t, kDevInfoBufferBytes> buffer{};
    throwUnlessOk(library_.getDevInfo(device.get(), buffer.data()), "SKF_GetDevInfo");
    return parseDevInfo(buffer, config_.ulongBits);
}

PinState SkfTokenService::pinState(OpenToken &token, std::uint32_t pinType) {
    PinState state;
    throwUnlessOk(
        library_.getPinInfo(token.application.get(), pinType, &state.maxRetry, &state.remaining, &state.isDefault),
        "SKF_GetPINInfo");
    return state;
}

nlohmann::json SkfTokenService::tokenEntry(OpenToken &token) {
    const PinState pin = pinState(token);
    nlohmann::json certificates = nlohmann::json::array();
    for (const std::string &name : containerNames(token.application)) {
        try {
            SigningContainer container = openSigningContainer(token, name);
            certificates.push_back({{"ref", name}, {"label", name}, {"der", base64Encode(container.certificate)}});
        } catch (const PluginFailure &e) {
            // An empty container, or one without a signing certificate, offers nothing.
            if (e.status() != CABRIDGE_ERR_CERTIFICATE_NOT_FOUND)
                throw;
        }
    }
    nlohmann::json algorithms = nlohmann::json::array();
    if ((token.info.algAsymCap & SGD_RSA) == SGD_RSA)
        algorithms.push_back("RSA");
    const std::uint32_t sm2 = sm2SignatureAlgId(config_.algorithmIds);
    if ((token.info.algAsymCap & sm2) == sm2)
        algorithms.push_back("SM2");
    return {
        {"ref", tokenRefFor(token)},
        {"label", token.info.label.empty() ? token.deviceName : token.info.label},
        {"serial", token.info.serial},
        {"manufacturer", token.info.manufacturer},
        {"model", "SKF " + token.applicationName},
        {"pinFlags",
         {{"countLow", pin.remaining < pin.maxRetry},
          {"finalTry", pin.remaining == 1},
          {"locked", pin.remaining == 0}}},
        {"retriesLeft", clampRetries(pin.remaining)},
        {"pinDefault", pin.isDefault},
        {"interface", "skf"},
        {"application", token.applicationName},
        {"algorithms", algorithms},
        {"certificates", certificates},
    };
}

nlohmann::json SkfTokenService::listTokens(std::string &notice) {
    nlohmann::json tokens = nlohmann::json::array();
    for (const std::string &deviceName : deviceNames()) {
        try {
            OpenToken token;
            token.deviceName = deviceName;
            Handle device = nullptr;
            throwUnlessOk(library_.connectDev(deviceName.c_str(), &device), "SKF_ConnectDev");
            token.device = DeviceHandle(library_, device);
            token.info = deviceInfo(token.device);
            rememberDevice(deviceIdentity(token.info, deviceName), deviceName);
            for (const std::string &applicationName : applicationNames(token.device)) {
                if (!admitsApplication(applicationName))
                    continue;
                Handle application = nullptr;
                throwUnlessOk(library_.openApplication(token.device.get(), applicationName.c_str(), &application),
                              "SKF_OpenApplication");
                token.application = ApplicationHandle(library_, application);
                token.applicationName = applicationName;
                tokens.push_back(tokenEntry(token));
                token.application.reset();
            }
        } catch (const PluginFailure &e) {
            // A device pulled out while being read is simply not present; any other failure
            // leaves that device out and tells the administrator why.
            if (e.status() != CABRIDGE_ERR_TOKEN_REMOVED)
                notice += (notice.empty() ? "" : "; ") + std::string("device ") + deviceName + ": " + e.what();
        }
    }
    return tokens;
}

void SkfTokenService::rememberDevice(const std::string &identity, const std::string &deviceName) {
    if (lastDeviceName_.size() >= kMaxDeviceHints && !lastDeviceName_.contains(identity))
        lastDeviceName_.clear();
    lastDeviceName_[identity] = deviceName;
}

std::optional<OpenToken> SkfTokenService::openOn(const std::string &deviceName, std::string_view tokenRef,
                                                 const std::string &deviceIdentityWanted,
                                                 const std::string &applicationName) {
    OpenToken token;
    token.deviceName = deviceName;
    Handle device = nullptr;
    if (library_.connectDev(deviceName.c_str(), &device) != SAR_OK)
        return std::nullopt; // gone since the enumeration, or not usable: not this token
    token.device = DeviceHandle(library_, device);
    token.info = deviceInfo(token.device);
    if (deviceIdentity(token.info, deviceName) != deviceIdentityWanted)
        return std::nullopt;
    // Opened by name; the application list is read only to tell "no such application" from a
    // failing device, so a login does not pay for two SKF_EnumApplication calls.
    Handle application = nullptr;
    const std::uint32_t rv = library_.openApplication(token.device.get(), applicationName.c_str(), &application);
    if (rv != SAR_OK) {
        const auto applications = applicationNames(token.device);
        if (std::find(applications.begin(), applications.end(), applicationName) == applications.end())
            noToken(tokenRef);
        throwUnlessOk(rv, "SKF_OpenApplication");
    }
    token.application = ApplicationHandle(library_, application);
    token.applicationName = applicationName;
    return token;
}

OpenToken SkfTokenService::openToken(std::string_view tokenRef) {
    const auto ref = parseTokenRef(tokenRef);
    if (!ref || !admitsApplication(ref->application))
        noToken(tokenRef);
    // The device this token was last found on is tried first, so a login skips SKF_EnumDev.
    // Only a hint: the device's identity is read live and must match, else every device is tried.
    const auto hint = lastDeviceName_.find(ref->device);
    if (hint != lastDeviceName_.end()) {
        if (auto token = openOn(hint->second, tokenRef, ref->device, ref->application))
            return std::move(*token);
    }
    for (const std::string &deviceName : deviceNames()) {
        if (hint != lastDeviceName_.end() && deviceName == hint->second)
            continue;
        if (auto token = openOn(deviceName, tokenRef, ref->device, ref->application)) {
            rememberDevice(ref->device, deviceName);
            return std::move(*token);
        }
    }
    noToken(tokenRef);
}

nlohmann::json SkfTokenService::listToken(std::string_view tokenRef) {
    nlohmann::json one = nlohmann::json::array();
    try {
        OpenToken token = openToken(tokenRef);
        one.push_back(tokenEntry(token));
    } catch (const PluginFailure &e) {
        if (e.status() != CABRIDGE_ERR_NO_TOKEN && e.status() != CABRIDGE_ERR_TOKEN_REMOVED)
            throw;
    }
    return one;
}

SigningContainer SkfTokenService::openSigningContainer(OpenToken &token, std::string_view certRef) {
    const std::string name(certRef);
    SigningContainer out;
    Handle container = nullptr;
    // Opened by name; the container list is read only to tell "no such container" from a
    // failing device (two SKF_EnumContainer calls a login does not need).
    const std::uint32_t rv = library_.openContainer(token.application.get(), name.c_str(), &container);
    if (rv != SAR_OK) {
        const auto names = containerNames(token.application);
        if (std::find(names.begin(), names.end(), name) == names.end())
            noCertificate(certRef, "no such container");
        throwUnlessOk(rv, "SKF_OpenContainer");
    }
    out.handle = ContainerHandle(library_, container);
    throwUnlessOk(library_.getContainerType(out.handle.get(), &out.type), "SKF_GetContainerType");
    if (out.type != SKF_CONTAINER_RSA && out.type != SKF_CONTAINER_ECC)
        noCertificate(certRef, "the container holds no key");
    // bSignFlag TRUE: the signing certificate only; the encryption one is never read.
    const auto der = readSized(
        [&](char *buffer, std::size_t *size) {
            return library_.exportCertificate(out.handle.get(), true, reinterpret_cast<std::uint8_t *>(buffer), size);
        },
        "SKF_ExportCertificate", kMaxCertificateBytes);
    if (der.empty())
        noCertificate(certRef, "the container has no signing certificate");
    out.certificate.assign(der.begin(), der.end());
    return out;
}

SigningContainer SkfTokenService::openCheckedContainer(OpenToken &token, std::string_view certRef,
                                                       std::span<const std::uint8_t, 32> certSha256) {
    SigningContainer container = openSigningContainer(token, certRef);
    std::array<std::uint8_t, SHA256_DIGEST_LENGTH> sha256{};
    SHA256(container.certificate.data(), container.certificate.size(), sha256.data());
    if (!std::equal(sha256.begin(), sha256.end(), certSha256.begin()))
        noCertificate(certRef, "the container holds another certificate now");
    return container;
}

void SkfTokenService::verifyUserPin(OpenToken &token, std::string_view pin) {
    if (pin.empty() || pin.find('\0') != std::string_view::npos)
        throw PluginFailure(CABRIDGE_ERR_PIN_INVALID, "skf: a PIN is non-empty text without NUL bytes");
    std::uint64_t retry = 0;
    std::uint32_t rv = SAR_OK;
    {
        const PinString text(pin);
        rv = library_.verifyPin(token.application.get(), USER_TYPE, text.c_str(), &retry);
    }
    if (rv == SAR_OK)
        return;
    if (rv == SAR_PIN_INCORRECT) {
        // The token's live count after this try; if it cannot be read, SKF_VerifyPIN's own count.
        const std::uint64_t left = [&]() -> std::uint64_t {
            try {
                return pinState(token).remaining;
            } catch (const PluginFailure &) {
                return retry;
            }
        }();
        PluginFailure error(left == 0 ? CABRIDGE_ERR_PIN_LOCKED : CABRIDGE_ERR_PIN_INCORRECT,
                            "skf: SKF_VerifyPIN returned " + sarName(rv) + ", " + std::to_string(left) + " tries left");
        error.setRetriesLeft(clampRetries(left));
        error.setFinalTry(left == 1);
        throw error;
    }
    if (rv == SAR_PIN_LOCKED) {
        PluginFailure error(CABRIDGE_ERR_PIN_LOCKED, "skf: SKF_VerifyPIN returned " + sarName(rv));
        error.setRetriesLeft(0);
        throw error;
    }
    throwUnlessOk(rv, "SKF_VerifyPIN");
}

void SkfTokenService::throwPinResult(OpenToken &token, std::uint32_t pinType, std::uint32_t rv, std::uint64_t retry,
                                     std::string_view call) {
    if (rv == SAR_OK)
        return;
    if (rv == SAR_PIN_INCORRECT) {
        const std::uint64_t left = [&]() -> std::uint64_t {
            try {
                return pinState(token, pinType).remaining;
            } catch (const PluginFailure &) {
                return retry;
            }
        }();
        PluginFailure error(
            left == 0 ? CABRIDGE_ERR_PIN_LOCKED : CABRIDGE_ERR_PIN_INCORRECT,
            "skf: " + std::string(call) + " returned " + sarName(rv) + ", " + std::to_string(left) + " tries left");
        error.setRetriesLeft(clampRetries(left));
        error.setFinalTry(left == 1);
        throw error;
    }
    if (rv == SAR_PIN_LOCKED) {
        PluginFailure error(CABRIDGE_ERR_PIN_LOCKED, "skf: " + std::string(call) + " returned " + sarName(rv));
        error.setRetriesLeft(0);
        throw error;
    }
    throwUnlessOk(rv, call);
}

void SkfTokenService::changeUserPin(OpenToken &token, std::string_view oldPin, std::string_view newPin) {
    if (oldPin.empty() || oldPin.find('\0') != std::string_view::npos || newPin.empty() ||
        newPin.find('\0') != std::string_view::npos)
        throw PluginFailure(CABRIDGE_ERR_PIN_INVALID, "skf: a PIN is non-empty text without NUL bytes");
    std::uint64_t retry = 0;
    std::uint32_t rv = SAR_OK;
    {
        const PinString oldText(oldPin);
        const PinString newText(newPin);
        rv = library_.changePin(token.application.get(), USER_TYPE, oldText.c_str(), newText.c_str(), &retry);
    }
    throwPinResult(token, USER_TYPE, rv, retry, "SKF_ChangePIN");
}

void SkfTokenService::unblockUserPin(OpenToken &token, std::string_view adminPin, std::string_view newPin) {
    if (adminPin.empty() || adminPin.find('\0') != std::string_view::npos || newPin.empty() ||
        newPin.find('\0') != std::string_view::npos)
        throw PluginFailure(CABRIDGE_ERR_PIN_INVALID, "skf: a PIN is non-empty text without NUL bytes");
    std::uint64_t retry = 0;
    std::uint32_t rv = SAR_OK;
    {
        const PinString adminText(adminPin);
        const PinString newText(newPin);
        rv = library_.unblockPin(token.application.get(), adminText.c_str(), newText.c_str(), &retry);
    }
    throwPinResult(token, ADMIN_TYPE, rv, retry, "SKF_UnblockPIN");
}

std::vector<std::uint8_t> SkfTokenService::unblockChallenge(OpenToken &token) {
    std::size_t size = 0;
    throwUnlessOk(library_.getUnblockChallenge(token.application.get(), nullptr, &size), "the unlock challenge call");
    if (size == 0 || size > kMaxUnlockChallengeBytes)
        throw PluginFailure(CABRIDGE_ERR_DEVICE,
                            "skf: the unlock challenge call announced " + std::to_string(size) + " bytes");
    std::vector<std::uint8_t> challenge(size);
    throwUnlessOk(library_.getUnblockChallenge(token.application.get(), challenge.data(), &size),
                  "the unlock challenge call");
    if (size == 0 || size > challenge.size())
        throw PluginFailure(CABRIDGE_ERR_DEVICE,
                            "skf: the unlock challenge call wrote " + std::to_string(size) + " bytes");
    challenge.resize(size);
    return challenge;
}

void SkfTokenService::unblockUserPinByResponse(OpenToken &token, std::span<const std::uint8_t> response,
                                               std::string_view newPin) {
    if (newPin.empty() || newPin.find('\0') != std::string_view::npos)
        throw PluginFailure(CABRIDGE_ERR_PIN_INVALID, "skf: a PIN is non-empty text without NUL bytes");
    if (response.empty())
        throw PluginFailure(CABRIDGE_ERR_PIN_INCORRECT, "skf: an empty unlock response");
    std::uint64_t retry = 0;
    std::uint32_t rv = SAR_OK;
    {
        const PinString newText(newPin);
        rv = library_.unblockPinByResponse(token.application.get(), response.data(), response.size(), newText.c_str(),
                                           &retry);
    }
    if (rv == SAR_PIN_INCORRECT || rv == SAR_PIN_LOCKED) {
        // No SKF call reads the response counter: the call's own count is the live one.
        const std::uint64_t left = rv == SAR_PIN_LOCKED ? 0 : retry;
        PluginFailure error(
            left == 0 ? CABRIDGE_ERR_PIN_LOCKED : CABRIDGE_ERR_PIN_INCORRECT,
            "skf: the unlock response call returned " + sarName(rv) + ", " + std::to_string(left) + " responses left");
        error.setRetriesLeft(clampRetries(left));
        error.setFinalTry(left == 1);
        throw error;
    }
    throwUnlessOk(rv, "the unlock response call");
}

void SkfTokenService::clearSecureState(OpenToken &token) noexcept {
    if (token.application)
        static_cast<void>(library_.clearSecureState(token.application.get()));
}

std::vector<std::uint8_t> SkfTokenService::signSm2Digest(ContainerHandle &container, const sm2::Digest &e) {
    std::array<std::uint8_t, kEccSignatureBlobBytes> blob{};
    throwUnlessOk(library_.eccSignData(container.get(), e.data(), e.size(), blob.data()), "SKF_ECCSignData");
    auto der = sm2::derFromDeviceSignature(blob);
    if (!der)
        throw PluginFailure(CABRIDGE_ERR_DEVICE, "skf: SKF_ECCSignData gave a malformed ECCSIGNATUREBLOB");
    return std::move(*der);
}

std::vector<std::uint8_t> SkfTokenService::signRs256(ContainerHandle &container, std::span<const std::uint8_t> data) {
    std::vector<std::uint8_t> digestInfo(kSha256DigestInfoPrefix.begin(), kSha256DigestInfoPrefix.end());
    digestInfo.resize(digestInfo.size() + SHA256_DIGEST_LENGTH);
    SHA256(data.data(), data.size(), digestInfo.data() + kSha256DigestInfoPrefix.size());
    std::vector<std::uint8_t> signature(kMaxRsaSignatureBytes);
    std::size_t size = signature.size();
    throwUnlessOk(library_.rsaSignData(container.get(), digestInfo.data(), digestInfo.size(), signature.data(), &size),
                  "SKF_RSASignData");
    if (size == 0 || size > signature.size())
        throw PluginFailure(CABRIDGE_ERR_DEVICE,
                            "skf: SKF_RSASignData gave a signature of " + std::to_string(size) + " bytes");
    signature.resize(size);
    return signature;
}

std::vector<std::uint8_t> SkfTokenService::sign(SigningContainer &container, std::string_view algorithm,
                                                std::span<const std::uint8_t> data) {
    if (algorithm == "SM2-SM3") {
        // Z is remembered per certificate: the same one signs every login (docs/performance.md).
        const auto sm2Digest = container.type == SKF_CONTAINER_ECC
                                   ? sm2::certificateE(container.certificate, data, config_.signerId)
                                   : std::nullopt;
        if (!sm2Digest) {
            static_cast<void>(parseCertificate(container.certificate)); // not DER: the device's fault
            throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, "skf: SM2-SM3 needs an SM2 key");
        }
        return signSm2Digest(container.handle, *sm2Digest);
    }
    if (algorithm == "RS256") {
        if (container.type != SKF_CONTAINER_RSA)
            throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED, "skf: RS256 needs an RSA key");
        return signRs256(container.handle, data);
    }
    throw PluginFailure(CABRIDGE_ERR_UNSUPPORTED,
                        "skf: algorithm " + std::string(algorithm.substr(0, 32)) + " (SKF keys sign SM2-SM3 or RS256)");
}

} // namespace cabridge::skf
