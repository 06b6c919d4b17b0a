// Tokens of an SKF library as the plugin ABI sees them. A token is one application on one
// device (device -> application -> container); its certificates are the containers' signing
// certificates (the encryption certificate of a dual-certificate container is never offered:
// it is not for login). References stay the same while the device is inserted:
//   token ref  "skf:" hex(serial, or "#" + device name when the serial is empty) ":" hex(app)
//   cert ref   the container's name
// Every call reads the devices live; nothing about a token is cached between calls, only the
// device name each token was last found on, as a hint whose identity is checked again.
#pragma once

#include "skf_config.h"
#include "skf_handles.h"
#include "skf_library.h"
#include "skf_parsing.h"

#include <cabridge/common/sm2.h>
#include <cabridge/skf.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cabridge::skf {

// One token opened: its device connection and its application.
struct OpenToken {
    DeviceHandle device;
    ApplicationHandle application;
    DeviceInfo info;
    std::string deviceName;
    std::string applicationName;
};

// The user PIN's state as SKF_GetPINInfo gives it.
struct PinState {
    std::uint64_t maxRetry = 0;
    std::uint64_t remaining = 0;
    bool isDefault = false;
};

// A container whose signing certificate was read.
struct SigningContainer {
    ContainerHandle handle;
    std::uint64_t type = 0; // SKF_CONTAINER_RSA or SKF_CONTAINER_ECC
    std::vector<std::uint8_t> certificate;
};

// Bound on an online-unlock challenge a library hands out: vendors use 8..32 bytes.
inline constexpr std::size_t kMaxUnlockChallengeBytes = 1024;

class SkfTokenService {
public:
    SkfTokenService(SkfLibrary &library, const SkfConfig &config) : library_(library), config_(config) {}

    // plugin.h list_tokens entries of every present device's admitted applications. A device
    // that fails to read is left out and named in `notice`.
    nlohmann::json listTokens(std::string &notice);
    // The one entry of `tokenRef`, or [] when it is not present.
    nlohmann::json listToken(std::string_view tokenRef);

    // Connects the device and opens the application of `tokenRef`; NO_TOKEN when it is not
    // present (or not an admitted application).
    OpenToken openToken(std::string_view tokenRef);
    // The container `certRef` with its signing certificate; CERTIFICATE_NOT_FOUND when the
    // container or its signing certificate is not there.
    SigningContainer openSigningContainer(OpenToken &token, std::string_view certRef);
    // As openSigningContainer, and the certificate's SHA-256 must be `certSha256`.
    SigningContainer openCheckedContainer(OpenToken &token, std::string_view certRef,
                                          std::span<const std::uint8_t, 32> certSha256);

    // `pinType` USER_TYPE (the default) or ADMIN_TYPE.
    PinState pinState(OpenToken &token, std::uint32_t pinType = USER_TYPE);
    // One SKF_VerifyPIN with the user PIN. PIN_INCORRECT carries the exact tries left (read
    // again from the token); the try that leaves none, and a locked PIN, are PIN_LOCKED.
    void verifyUserPin(OpenToken &token, std::string_view pin);
    // One SKF_ChangePIN of the user PIN. A wrong old PIN is reported as verifyUserPin reports
    // a wrong PIN; SAR_PIN_LEN_RANGE / SAR_PIN_INVALID for the new PIN are PIN_INVALID.
    void changeUserPin(OpenToken &token, std::string_view oldPin, std::string_view newPin);
    // One SKF_UnblockPIN with the administrator PIN: PIN_INCORRECT / PIN_LOCKED carry the
    // administrator PIN's tries left (SKF_UnblockPIN's out count, read again from the token).
    void unblockUserPin(OpenToken &token, std::string_view adminPin, std::string_view newPin);
    // A fresh online-unlock challenge from the vendor's call (1..kMaxUnlockChallengeBytes bytes).
    // UNSUPPORTED when the library lacks the calls; PIN_LOCKED when the key takes no more responses.
    std::vector<std::uint8_t> unblockChallenge(OpenToken &token);
    // The CA's response to the latest challenge, setting the user PIN to `newPin`. A refused
    // response is PIN_INCORRECT with the call's count of responses left (PIN_LOCKED at 0);
    // SAR_PIN_LEN_RANGE / SAR_PIN_INVALID for the new PIN are PIN_INVALID.
    void unblockUserPinByResponse(OpenToken &token, std::span<const std::uint8_t> response, std::string_view newPin);
    // Logs the application out (SKF_ClearSecureState); errors are ignored.
    void clearSecureState(OpenToken &token) noexcept;

    // Signs `data` as plugin.h's sign() says for `algorithm`: "SM2-SM3" (ECC container: e =
    // SM3(Z || data) with the configured signer ID, SKF_ECCSignData, DER) or "RS256" (RSA
    // container: PKCS#1 v1.5 over the SHA-256 DigestInfo). UNSUPPORTED for anything else.
    std::vector<std::uint8_t> sign(SigningContainer &container, std::string_view algorithm,
                                   std::span<const std::uint8_t> data);

    // The application's container names (SKF_EnumContainer).
    std::vector<std::string> containerNames(ApplicationHandle &application);

    // SKF_ECCSignData over the SM2 digest `e` (an ECC container's key); the signature as DER.
    std::vector<std::uint8_t> signSm2Digest(ContainerHandle &container, const sm2::Digest &e);
    // SKF_RSASignData over the SHA-256 DigestInfo of `data` (an RSA container's key): RS256.
    std::vector<std::uint8_t> signRs256(ContainerHandle &container, std::span<const std::uint8_t> data);

private:
    std::vector<std::string> deviceNames();
    // The token `tokenRef` (device identity `deviceIdentityWanted`, application
    // `applicationName`) if the device `deviceName` is it; nullopt when that device is gone or
    // is another one. NO_TOKEN when it is the device but lacks the application.
    // Notes that the device with `identity` is called `deviceName` now (openToken's hint).
    void rememberDevice(const std::string &identity, const std::string &deviceName);
    std::optional<OpenToken> openOn(const std::string &deviceName, std::string_view tokenRef,
                                    const std::string &deviceIdentityWanted, const std::string &applicationName);
    std::vector<std::string> applicationNames(DeviceHandle &device);
    bool admitsApplication(const std::string &name) const;
    DeviceInfo deviceInfo(DeviceHandle &device);
    nlohmann::json tokenEntry(OpenToken &token);
    // Throws for `rv` of a call that tried the PIN of `pinType` (`call` names it): PIN_INCORRECT
    // with the live tries left (or `retry`, the call's own count), PIN_LOCKED when none are left.
    void throwPinResult(OpenToken &token, std::uint32_t pinType, std::uint32_t rv, std::uint64_t retry,
                        std::string_view call);

    SkfLibrary &library_;
    const SkfConfig &config_;
    std::map<std::string, std::string> lastDeviceName_; // device identity -> SKF device name
};

} // namespace cabridge::skf
