// One vendor plugin as the host sees it: its library loaded through the C ABI,
// its instance, its description, and every call behind a deadline. A plugin that
// failed to load stays in the list in the "error" state with a reason.
#pragma once

#include "plugin_descriptor.h"
#include "plugin_start_cache.h"
#include "secret_buffer.h"
#include "token_call_marker.h"

#include <cabridge/plugin.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace cabridge {

// A plugin call that returned something other than CABRIDGE_OK.
class PluginCallFailure : public std::runtime_error {
public:
    PluginCallFailure(cabridge_status status, const cabridge_error& err, const std::string& what);
    cabridge_status status() const noexcept { return status_; }
    // -1 when the token did not say.
    int retriesLeft() const noexcept { return retriesLeft_; }
    bool finalTry() const noexcept { return finalTry_; }

private:
    cabridge_status status_;
    int retriesLeft_;
    bool finalTry_;
};

// The PIN form a vendor accepts (describe().pin); checked before a token is touched.
struct PinRules {
    enum class Charset { Digits, Alnum, Printable };
    std::size_t minLength = 1;
    std::size_t maxLength = 64;
    Charset charset = Charset::Printable;

    bool accepts(std::string_view pin) const;
};

class LoadedPlugin {
public:
    // Loads the descriptor's library and creates + describes an instance, each
    // under the descriptor's enumerate deadline. Never throws: failures give a
    // plugin in the error state.
    static std::unique_ptr<LoadedPlugin> load(const PluginDescriptor& descriptor);

    // A plugin known only by its descriptor file, which could not be used.
    static std::unique_ptr<LoadedPlugin> failed(std::string id, std::string name, std::string reason);

    ~LoadedPlugin();
    LoadedPlugin(const LoadedPlugin&) = delete;
    LoadedPlugin& operator=(const LoadedPlugin&) = delete;

    const std::string& id() const noexcept { return id_; }
    const std::string& name() const noexcept { return name_; }
    const std::string& version() const noexcept { return version_; }
    bool ok() const noexcept { return !error_.has_value(); }
    const std::optional<std::string>& error() const noexcept { return error_; }

    const std::vector<std::string>& origins() const noexcept { return origins_; }
    // What `describe` said; grants nothing (origin_policy.h: only the policy file allows legacy).
    const std::vector<std::string>& legacyOrigins() const noexcept { return legacyOrigins_; }
    const PinRules& pinRules() const noexcept { return pinRules_; }
    // describe's "enrollOrigins": the CA's own sites that may enrol keys on this vendor's tokens.
    const std::vector<std::string>& enrollOrigins() const noexcept { return enrollOrigins_; }
    // describe's "enrollCAs": the CA certificates (absolute paths of PEM/DER files, or base64
    // DER) an enrolled certificate must chain to (enrollment_trust.h reads them).
    const std::vector<std::string>& enrollCAs() const noexcept { return enrollCAs_; }
    // The vendor's help object for `kind` ("renew", "unlock", "lost", "reinsert",
    // "contact"), or null when it gave none.
    nlohmann::json help(std::string_view kind) const;

    // Marks every token call of this plugin in `marker` (token_call_marker.h) under the plugin
    // build's `identity` (plugin_start_cache.h); `fault` is what an earlier host remembered of
    // the build. Without this (no probing: unit tests, tools) calls are not marked.
    void watchTokenCalls(std::shared_ptr<TokenCallMarker> marker, std::string identity,
                         std::optional<TokenFault> fault);
    // A token call of this build passed its deadline or crashed a host, in this process or an
    // earlier one: listings of all vendors leave the plugin out. It still answers requests that
    // name it.
    const std::optional<TokenFault>& tokenFault() const noexcept { return tokenFault_; }
    // The plugin answered a request that named it: forgets the fault, here and in the record.
    void forgetTokenFault();
    // A call of this process was abandoned inside the plugin at its deadline and may still be
    // running there: the plugin is never called again by this process (not even destroy).
    bool stuck() const noexcept { return stuck_; }

    // What runs, on the watchdog thread, when a token call of this plugin passes its deadline,
    // before the process exits (deadline.h): the controller's TOKEN_NOT_RESPONDING reply.
    void onTokenTimeout(std::function<void()> action);

    // Token calls. Each runs under its deadline; when the deadline passes the
    // process runs the onTokenTimeout action and exits (deadline.h exitAfterTokenTimeout).
    // Failures throw PluginCallFailure. Only valid when ok() and not stuck().
    nlohmann::json listTokens();
    // The note the plugin attached to its last successful list_tokens (e.g. which PKCS#11
    // module answered, or which paths it tried); empty for none. For `cabridge plugins check`.
    const std::string& listNotice() const noexcept { return listNotice_; }
    // list_tokens for a listing of all vendors, run on the worker thread (deadline.h
    // runWithDeadline) so that a plugin that does not answer costs its deadline, not the
    // host: nullopt when the deadline passed. The call is then abandoned (stuck() from now
    // on) and remembered as a fault of this build (tokenFault()). Failures throw PluginCallFailure.
    std::optional<nlohmann::json> listTokensOrAbandon();
    // list_token for one token (a zero- or one-element array), or nullopt when the
    // plugin does not offer that optional call.
    std::optional<nlohmann::json> listToken(const std::string& tokenRef);
    nlohmann::json identify(std::span<const std::uint8_t> der);
    void login(const std::string& tokenRef, const std::shared_ptr<const SecretBuffer>& pin);
    std::vector<std::uint8_t> sign(const std::string& tokenRef, const std::string& certRef,
                                   const std::string& algorithm, std::span<const std::uint8_t> data);
    // Whether the plugin offers the optional check_certificate call.
    bool checksCertificates() const noexcept { return api_ != nullptr && api_->check_certificate != nullptr; }
    // check_certificate (plugin.h): true when the token `tokenRef` is present now and
    // holds under `certRef` a certificate whose DER hashes to `certSha256`; false when
    // the token or that certificate is not there (NO_TOKEN, CERTIFICATE_NOT_FOUND).
    // Never logs in. Other failures throw PluginCallFailure. Only when checksCertificates().
    bool checkCertificate(const std::string& tokenRef, const std::string& certRef,
                          const std::array<std::uint8_t, 32>& certSha256);
    void logout(const std::string& tokenRef);

    // Whether the plugin offers the optional authenticate call (plugin.h): a whole login in one
    // call. Without it the host logs in, signs and logs out with the calls above.
    bool authenticatesInOneCall() const noexcept { return api_ != nullptr && api_->authenticate != nullptr; }
    struct Authenticated {
        std::vector<std::uint8_t> signature;
        bool pinToBeChanged = false;  // CABRIDGE_AUTH_FLAG_PIN_TO_BE_CHANGED
    };
    // authenticate (plugin.h): checks that the token `tokenRef` holds under `certRef` the
    // certificate whose DER hashes to `certSha256`, logs in with `pin` (one attempt), signs
    // `data` as sign() does and logs out, in one session of the plugin's. Failures throw
    // PluginCallFailure, carrying the token's live PIN state after a wrong PIN. Only when
    // authenticatesInOneCall().
    Authenticated authenticate(const std::string& tokenRef, const std::string& certRef,
                               const std::array<std::uint8_t, 32>& certSha256,
                               const std::shared_ptr<const SecretBuffer>& pin, const std::string& algorithm,
                               std::span<const std::uint8_t> data);

    // Whether the plugin offers the optional change_pin / unblock_pin calls (plugin.h).
    bool changesPin() const noexcept { return api_ != nullptr && api_->change_pin != nullptr; }
    bool unblocksPin() const noexcept { return api_ != nullptr && api_->unblock_pin != nullptr; }
    // change_pin (plugin.h): one attempt with `oldPin`, then the token's user PIN is `newPin`.
    // Failures throw PluginCallFailure (a wrong old PIN carries the live retries). Only when
    // changesPin().
    void changePin(const std::string& tokenRef, const SecretBuffer& oldPin, const SecretBuffer& newPin);
    // unblock_pin (plugin.h): one attempt with the administrator PIN `soPin`, then the user PIN
    // is `newPin` and unlocked. PIN failures describe the SO PIN. Only when unblocksPin().
    void unblockPin(const std::string& tokenRef, const SecretBuffer& soPin, const SecretBuffer& newPin);

    // ---- Enrolment (plugin.h generate_key .. delete_key); failures throw PluginCallFailure. ----
    // Whether the plugin offers all five enrolment calls (a plugin with some only cannot enrol).
    bool enrols() const noexcept
    {
        return api_ != nullptr && api_->generate_key != nullptr && api_->sign_with_key != nullptr &&
               api_->install_certificate != nullptr && api_->list_keys != nullptr && api_->delete_key != nullptr;
    }
    // generate_key: the JSON object {keyId, keyType, publicKey} it wrote.
    nlohmann::json generateKey(const std::string& tokenRef, const std::string& keyType, const SecretBuffer& pin);
    std::vector<std::uint8_t> signWithKey(const std::string& tokenRef, const std::string& keyId,
                                          const SecretBuffer& pin, const std::string& algorithm,
                                          std::span<const std::uint8_t> data);
    // install_certificate: the new certificate's reference. `replaceCertRef` empty: keep the others.
    std::string installCertificate(const std::string& tokenRef, const std::string& keyId,
                                   std::span<const std::uint8_t> der, const std::string& replaceCertRef,
                                   const SecretBuffer& pin);
    // list_keys: the JSON array it wrote.
    nlohmann::json listKeys(const std::string& tokenRef);
    void deleteKey(const std::string& tokenRef, const std::string& keyId, const SecretBuffer& pin);
    // Whether the vendor's keys unlock online: the plugin offers both unblock_challenge and
    // unblock_with_response (plugin.h) and its description does not say "onlineUnlock": false.
    bool unblocksOnline() const noexcept
    {
        return api_ != nullptr && api_->unblock_challenge != nullptr && api_->unblock_with_response != nullptr &&
               onlineUnlock_;
    }
    struct UnblockChallenge {
        std::vector<std::uint8_t> challenge;  // 1..kMaxUnblockChallengeBytes
        std::string serial;
    };
    static constexpr std::size_t kMaxUnblockChallengeBytes = 1024;
    // unblock_challenge (plugin.h): a fresh challenge from the token for the CA's server.
    // PLUGIN_ERROR (PluginCallFailure) when the plugin wrote anything but
    // {"challenge": base64 of 1..kMaxUnblockChallengeBytes, "serial": text}. Only when unblocksOnline().
    UnblockChallenge unblockChallenge(const std::string& tokenRef);
    // unblock_with_response (plugin.h): the CA's `response` to the latest challenge; the user PIN is
    // then `newPin` and unlocked. A refused response carries the token's count of responses left.
    // Only when unblocksOnline().
    void unblockWithResponse(const std::string& tokenRef, std::span<const std::uint8_t> response,
                             const SecretBuffer& newPin);

private:
    LoadedPlugin() = default;

    // The steps of load(), in order; each returns why the plugin cannot be used, or nothing.
    // dlopen, the entry point, the ABI version and the function table (copied, see table_).
    std::optional<std::string> openLibrary(const std::filesystem::path& path);
    // create with the descriptor's config, under the enumerate deadline.
    std::optional<std::string> createInstance(const std::string& config);
    // describe, under the enumerate deadline: the vendor's JSON object, or why not.
    std::variant<nlohmann::json, std::string> describeInstance();
    // Takes name, version, origins, PIN rules and help from the description.
    void adoptDescription(const nlohmann::json& description);

    // Runs `call` on the calling thread under the watchdog, marked in marker_.
    template <class Call>
    auto tokenCall(std::chrono::milliseconds limit, std::string_view name, Call call);

    std::string id_;
    std::string name_;
    std::string version_;
    std::optional<std::string> error_;
    std::vector<std::string> origins_;
    std::vector<std::string> legacyOrigins_;
    std::vector<std::string> enrollOrigins_;
    std::vector<std::string> enrollCAs_;
    PinRules pinRules_;
    bool onlineUnlock_ = true;  // describe's "onlineUnlock" (false: the pair is not for this vendor)
    nlohmann::json help_ = nlohmann::json::object();
    PluginDeadlines deadlines_;
    std::string listNotice_;

    // The library handle is never dlclose'd: a vendor module may own threads
    // or a PKCS#11 context that must not be finalized while the process lives.
    void* library_ = nullptr;
    std::shared_ptr<TokenCallMarker> marker_;
    std::function<void()> onTokenTimeout_;
    std::string identity_;
    std::optional<TokenFault> tokenFault_;
    bool stuck_ = false;
    // The plugin's table copied up to its struct_size; calls it lacks are null.
    std::unique_ptr<cabridge_plugin_api_v1> table_;
    const cabridge_plugin_api_v1* api_ = nullptr;
    cabridge_plugin* instance_ = nullptr;
};

}  // namespace cabridge
