// Implements the C table cabridge_plugin_api_v1 on top of a C++ class, so a
// vendor plugin only writes the class. At the boundary every exception is
// caught: PluginFailure keeps its status, retries and CKR; anything else becomes
// CABRIDGE_ERR_PLUGIN with its message (truncated to fit, UTF-8 kept whole).
//
// Usage in a plugin:
//   class MyPlugin : public cabridge::PluginInstance { ... };
//   extern "C" CABRIDGE_PLUGIN_EXPORT const cabridge_plugin_api_v1 *
//   cabridge_plugin_v1(uint32_t v) { return cabridge::pluginApiFor<MyPlugin>(v); }
// where MyPlugin has `static std::unique_ptr<MyPlugin> create(const nlohmann::json &config)`.
#pragma once

#include <cabridge/plugin.h>
#include <cabridge/support/plugin_failure.h>

#include <nlohmann/json.hpp>

#include <concepts>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// The opaque instance type of plugin.h, defined here as the C++ interface
// every glued plugin implements.
struct cabridge_plugin {
    virtual ~cabridge_plugin() = default;
    virtual nlohmann::json describe() = 0;
    virtual nlohmann::json listTokens() = 0;
    virtual nlohmann::json identify(std::span<const std::uint8_t> der) = 0;
    virtual void login(std::string_view tokenRef, std::string_view pin) = 0;
    virtual std::vector<std::uint8_t> sign(std::string_view tokenRef, std::string_view certRef,
                                           std::string_view algorithm, std::span<const std::uint8_t> data) = 0;
    virtual void logout(std::string_view tokenRef) = 0;
    // list_token: the listTokens() entry of one token, as a one-element array (empty
    // when it is absent). This default filters listTokens(); a plugin that can read one
    // token alone overrides it.
    virtual nlohmann::json listToken(std::string_view tokenRef) {
        nlohmann::json one = nlohmann::json::array();
        for (nlohmann::json &token : listTokens()) {
            const auto ref = token.find("ref");
            if (ref != token.end() && ref->is_string() && ref->get_ref<const std::string &>() == tokenRef)
                one.push_back(std::move(token));
        }
        return one;
    }
    // check_certificate (plugin.h) has no member here: a plugin class offers it by declaring
    //   void checkCertificate(std::string_view tokenRef, std::string_view certRef,
    //                         std::span<const std::uint8_t, 32> certSha256);
    // which returns when the token `tokenRef` is present and holds under `certRef` a
    // certificate whose DER hashes to `certSha256`, throws PluginFailure NO_TOKEN /
    // CERTIFICATE_NOT_FOUND when it does not, and never logs in. A class without it leaves
    // the table entry null (ChecksCertificates below).
    // authenticate (plugin.h) likewise: a plugin class offers it by declaring
    //   cabridge::Authentication authenticate(std::string_view tokenRef, std::string_view certRef,
    //                                         std::span<const std::uint8_t, 32> certSha256,
    //                                         std::string_view pin, std::string_view algorithm,
    //                                         std::span<const std::uint8_t> data);
    // which keeps every promise plugin.h makes for that call (Authenticates below).
    // change_pin and unblock_pin (plugin.h) likewise, each by declaring
    //   void changePin(std::string_view tokenRef, std::string_view oldPin, std::string_view newPin);
    //   void unblockPin(std::string_view tokenRef, std::string_view soPin, std::string_view newPin);
    // (ChangesPin / UnblocksPin below); a class without them leaves those entries null.
    // The enrolment calls (plugin.h generate_key .. delete_key) all together (Enrols below):
    //   nlohmann::json generateKey(std::string_view tokenRef, std::string_view keyType, std::string_view pin);
    //   std::vector<std::uint8_t> signWithKey(std::string_view tokenRef, std::string_view keyId,
    //                                         std::string_view pin, std::string_view algorithm,
    //                                         std::span<const std::uint8_t> data);
    //   nlohmann::json installCertificate(std::string_view tokenRef, std::string_view keyId,
    //                                     std::span<const std::uint8_t> der,
    //                                     std::optional<std::string_view> replaceRef, std::string_view pin);
    //   nlohmann::json listKeys(std::string_view tokenRef);
    //   void deleteKey(std::string_view tokenRef, std::string_view keyId, std::string_view pin);
    // generateKey and installCertificate return the JSON object plugin.h says the call writes.
    // unblock_challenge and unblock_with_response (plugin.h, online unlock) likewise, as a pair:
    //   nlohmann::json unblockChallenge(std::string_view tokenRef);   // {"challenge", "serial"}
    //   void unblockWithResponse(std::string_view tokenRef, std::span<const std::uint8_t> response,
    //                            std::string_view newPin);
    // (UnblocksOnline below); a class without both leaves both entries null.
    // A note for the administrator's log attached to a successful call
    // (e.g. which module paths were tried); empty for none. Cleared after use.
    std::string notice;
};

namespace cabridge {

using PluginInstance = ::cabridge_plugin;

// Copies `text` into err->message, cutting at a UTF-8 character boundary.
inline void setErrorMessage(cabridge_error *err, std::string_view text) noexcept {
    if (err == nullptr)
        return;
    std::size_t len = std::min(text.size(), sizeof err->message - 1);
    if (len < text.size()) {
        while (len > 0 && (static_cast<unsigned char>(text[len]) & 0xC0) == 0x80)
            --len; // do not split a multi-byte character
    }
    std::memcpy(err->message, text.data(), len);
    err->message[len] = '\0';
}

inline void writeToSink(const cabridge_sink &sink, std::span<const std::uint8_t> bytes) {
    if (sink.write != nullptr && !bytes.empty())
        sink.write(sink.ctx, bytes.data(), bytes.size());
}

// Writes JSON as UTF-8 text; invalid UTF-8 from a token (e.g. a GBK label)
// is replaced rather than failing the call.
inline void writeJsonToSink(const cabridge_sink &sink, const nlohmann::json &value) {
    const std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    writeToSink(sink, {reinterpret_cast<const std::uint8_t *>(text.data()), text.size()});
}

// Runs `body`, turning any exception into a status and err fields.
template <class Body>
cabridge_status guarded(cabridge_error *err, Body &&body) noexcept {
    try {
        body();
        return CABRIDGE_OK;
    } catch (const PluginFailure &e) {
        if (err != nullptr) {
            err->retries_left = e.retriesLeft();
            err->final_try = e.finalTry() ? 1 : 0;
            err->ckr = e.ckr();
        }
        setErrorMessage(err, e.what());
        return e.status();
    } catch (const std::bad_alloc &) {
        setErrorMessage(err, "out of memory");
    } catch (const std::exception &e) {
        setErrorMessage(err, e.what());
    } catch (...) {
        setErrorMessage(err, "unknown exception");
    }
    if (err != nullptr)
        err->retries_left = -1;
    return CABRIDGE_ERR_PLUGIN;
}

// Passes an instance's pending notice on to err->message.
inline void flushNotice(cabridge_plugin *self, cabridge_error *err) noexcept {
    if (!self->notice.empty()) {
        setErrorMessage(err, self->notice);
        self->notice.clear();
    }
}

// A glued plugin class that offers check_certificate: it declares checkCertificate (see
// cabridge_plugin above).
template <class Plugin>
concept ChecksCertificates = requires(Plugin &plugin, std::string_view ref, std::span<const std::uint8_t, 32> sha256) {
    { plugin.checkCertificate(ref, ref, sha256) } -> std::same_as<void>;
};

// What a glued plugin's authenticate returns: the signature and CABRIDGE_AUTH_FLAG_* bits.
struct Authentication {
    std::vector<std::uint8_t> signature;
    std::uint32_t flags = 0;
};

// A glued plugin class that offers authenticate: it declares authenticate (see
// cabridge_plugin above).
template <class Plugin>
concept Authenticates = requires(Plugin &plugin, std::string_view text, std::span<const std::uint8_t, 32> sha256,
                                 std::span<const std::uint8_t> data) {
    { plugin.authenticate(text, text, sha256, text, text, data) } -> std::same_as<Authentication>;
};

// A glued plugin class that offers change_pin / unblock_pin (see cabridge_plugin above).
template <class Plugin>
concept ChangesPin = requires(Plugin &plugin, std::string_view text) {
    { plugin.changePin(text, text, text) } -> std::same_as<void>;
};
template <class Plugin>
concept UnblocksPin = requires(Plugin &plugin, std::string_view text) {
    { plugin.unblockPin(text, text, text) } -> std::same_as<void>;
};

// A glued plugin class that offers the five enrolment calls (see cabridge_plugin above).
template <class Plugin>
concept Enrols = requires(Plugin &plugin, std::string_view text, std::span<const std::uint8_t> data,
                          std::optional<std::string_view> maybe) {
    { plugin.generateKey(text, text, text) } -> std::same_as<nlohmann::json>;
    { plugin.signWithKey(text, text, text, text, data) } -> std::same_as<std::vector<std::uint8_t>>;
    { plugin.installCertificate(text, text, data, maybe, text) } -> std::same_as<nlohmann::json>;
    { plugin.listKeys(text) } -> std::same_as<nlohmann::json>;
    { plugin.deleteKey(text, text, text) } -> std::same_as<void>;
};

// A glued plugin class that offers the online-unlock pair (see cabridge_plugin above).
template <class Plugin>
concept UnblocksOnline = requires(Plugin &plugin, std::string_view text, std::span<const std::uint8_t> bytes) {
    { plugin.unblockChallenge(text) } -> std::same_as<nlohmann::json>;
    { plugin.unblockWithResponse(text, bytes, text) } -> std::same_as<void>;
};

template <class Plugin>
struct PluginGlue {
    static cabridge_status create(const char *configJson, cabridge_plugin **out, cabridge_error *err) noexcept {
        if (out == nullptr)
            return CABRIDGE_ERR_PLUGIN;
        *out = nullptr;
        // cppcheck-suppress throwInNoexceptFunction ; the throw below is in the lambda, which guarded() runs inside catch (...)
        return guarded(err, [&] {
            nlohmann::json config = nlohmann::json::object();
            if (configJson != nullptr && *configJson != '\0') {
                config = nlohmann::json::parse(configJson, nullptr, false);
                if (config.is_discarded() || !config.is_object())
                    throw PluginFailure(CABRIDGE_ERR_INVALID_CONFIG, "config is not a JSON object");
            }
            std::unique_ptr<Plugin> plugin = Plugin::create(config);
            *out = plugin.release(); // the host owns it until destroy()
        });
    }

    static void destroy(cabridge_plugin *self) noexcept {
        // Owned since create(); deleted through the virtual destructor.
        std::unique_ptr<cabridge_plugin> owned(self);
    }

    static cabridge_status describe(cabridge_plugin *self, cabridge_sink out, cabridge_error *err) noexcept {
        if (self == nullptr)
            return CABRIDGE_ERR_PLUGIN;
        return guarded(err, [&] { writeJsonToSink(out, self->describe()); });
    }

    static cabridge_status listTokens(cabridge_plugin *self, cabridge_sink out, cabridge_error *err) noexcept {
        if (self == nullptr)
            return CABRIDGE_ERR_PLUGIN;
        return guarded(err, [&] {
            writeJsonToSink(out, self->listTokens());
            flushNotice(self, err);
        });
    }

    static cabridge_status listToken(cabridge_plugin *self, const char *tokenRef, cabridge_sink out,
                                     cabridge_error *err) noexcept {
        if (self == nullptr || tokenRef == nullptr)
            return CABRIDGE_ERR_PLUGIN;
        return guarded(err, [&] {
            writeJsonToSink(out, self->listToken(tokenRef));
            flushNotice(self, err);
        });
    }

    static cabridge_status identify(cabridge_plugin *self, const std::uint8_t *der, std::size_t derLen,
                                    cabridge_sink out, cabridge_error *err) noexcept {
        if (self == nullptr || (der == nullptr && derLen != 0))
            return CABRIDGE_ERR_PLUGIN;
        return guarded(err, [&] { writeJsonToSink(out, self->identify({der, derLen})); });
    }

    static cabridge_status login(cabridge_plugin *self, const char *tokenRef, const char *pin, std::size_t pinLen,
                                 cabridge_error *err) noexcept {
        if (self == nullptr || tokenRef == nullptr || (pin == nullptr && pinLen != 0))
            return CABRIDGE_ERR_PLUGIN;
        return guarded(err, [&] { self->login(tokenRef, std::string_view(pin == nullptr ? "" : pin, pinLen)); });
    }

    static cabridge_status sign(cabridge_plugin *self, const char *tokenRef, const char *certRef, const char *algorithm,
                                const std::uint8_t *data, std::size_t dataLen, cabridge_sink out,
                                cabridge_error *err) noexcept {
        if (self == nullptr || tokenRef == nullptr || certRef == nullptr || algorithm == nullptr ||
            (data == nullptr && dataLen != 0))
            return CABRIDGE_ERR_PLUGIN;
        return guarded(err, [&] {
            const std::vector<std::uint8_t> signature = self->sign(tokenRef, certRef, algorithm, {data, dataLen});
            writeToSink(out, signature);
        });
    }

    static cabridge_status checkCertificate(cabridge_plugin *self, const char *tokenRef, const char *certRef,
                                            const std::uint8_t *certSha256, cabridge_error *err) noexcept {
        if (self == nullptr || tokenRef == nullptr || certRef == nullptr || certSha256 == nullptr)
            return CABRIDGE_ERR_PLUGIN;
        const std::span<const std::uint8_t, 32> sha256(certSha256, 32);
        // Only instantiated for a Plugin with checkCertificate (checkCertificateEntry), whose
        // instances are the only `self` this table is ever called with.
        // cppcheck-suppress throwInNoexceptFunction ; the plugin's throw is in the lambda, which guarded() runs inside catch (...)
        return guarded(err, [&] { static_cast<Plugin *>(self)->checkCertificate(tokenRef, certRef, sha256); });
    }

    static constexpr decltype(cabridge_plugin_api_v1::check_certificate) checkCertificateEntry() {
        if constexpr (ChecksCertificates<Plugin>)
            return &checkCertificate;
        else
            return nullptr;
    }

    static cabridge_status authenticate(cabridge_plugin *self, const char *tokenRef, const char *certRef,
                                        const std::uint8_t *certSha256, const char *pin, std::size_t pinLen,
                                        const char *algorithm, const std::uint8_t *data, std::size_t dataLen,
                                        cabridge_sink signatureOut, std::uint32_t *flagsOut,
                                        cabridge_error *err) noexcept {
        if (flagsOut != nullptr)
            *flagsOut = 0;
        if (self == nullptr || tokenRef == nullptr || certRef == nullptr || certSha256 == nullptr ||
            (pin == nullptr && pinLen != 0) || algorithm == nullptr || (data == nullptr && dataLen != 0) ||
            flagsOut == nullptr)
            return CABRIDGE_ERR_PLUGIN;
        const std::span<const std::uint8_t, 32> sha256(certSha256, 32);
        // Only instantiated for a Plugin with authenticate (authenticateEntry), whose instances
        // are the only `self` this table is ever called with.
        // cppcheck-suppress throwInNoexceptFunction ; the plugin's throw is in the lambda, which guarded() runs inside catch (...)
        return guarded(err, [&] {
            const Authentication done = static_cast<Plugin *>(self)->authenticate(
                tokenRef, certRef, sha256, std::string_view(pin == nullptr ? "" : pin, pinLen), algorithm,
                {data, dataLen});
            writeToSink(signatureOut, done.signature);
            *flagsOut = done.flags;
        });
    }

    static constexpr decltype(cabridge_plugin_api_v1::authenticate) authenticateEntry() {
        if constexpr (Authenticates<Plugin>)
            return &authenticate;
        else
            return nullptr;
    }

    static cabridge_status changePin(cabridge_plugin *self, const char *tokenRef, const char *oldPin,
                                     std::size_t oldPinLen, const char *newPin, std::size_t newPinLen,
                                     cabridge_error *err) noexcept {
        if (self == nullptr || tokenRef == nullptr || (oldPin == nullptr && oldPinLen != 0) ||
            (newPin == nullptr && newPinLen != 0))
            return CABRIDGE_ERR_PLUGIN;
        // Only instantiated for a Plugin with changePin (changePinEntry).
        // cppcheck-suppress throwInNoexceptFunction ; the plugin's throw is in the lambda, which guarded() runs inside catch (...)
        return guarded(err, [&] {
            static_cast<Plugin *>(self)->changePin(tokenRef,
                                                   std::string_view(oldPin == nullptr ? "" : oldPin, oldPinLen),
                                                   std::string_view(newPin == nullptr ? "" : newPin, newPinLen));
        });
    }

    static constexpr decltype(cabridge_plugin_api_v1::change_pin) changePinEntry() {
        if constexpr (ChangesPin<Plugin>)
            return &changePin;
        else
            return nullptr;
    }

    static cabridge_status unblockPin(cabridge_plugin *self, const char *tokenRef, const char *soPin,
                                      std::size_t soPinLen, const char *newPin, std::size_t newPinLen,
                                      cabridge_error *err) noexcept {
        if (self == nullptr || tokenRef == nullptr || (soPin == nullptr && soPinLen != 0) ||
            (newPin == nullptr && newPinLen != 0))
            return CABRIDGE_ERR_PLUGIN;
        // Only instantiated for a Plugin with unblockPin (unblockPinEntry).
        // cppcheck-suppress throwInNoexceptFunction ; the plugin's throw is in the lambda, which guarded() runs inside catch (...)
        return guarded(err, [&] {
            static_cast<Plugin *>(self)->unblockPin(tokenRef, std::string_view(soPin == nullptr ? "" : soPin, soPinLen),
                                                    std::string_view(newPin == nullptr ? "" : newPin, newPinLen));
        });
    }

    static constexpr decltype(cabridge_plugin_api_v1::unblock_pin) unblockPinEntry() {
        if constexpr (UnblocksPin<Plugin>)
            return &unblockPin;
        else
            return nullptr;
    }

    // ---- Enrolment: only instantiated for a Plugin that Enrols (the *Entry functions below). ----
    static std::string_view pinView(const char *pin, std::size_t pinLen) noexcept {
        return {pin == nullptr ? "" : pin, pinLen};
    }

    static cabridge_status generateKey(cabridge_plugin *self, const char *tokenRef, const char *keyType,
                                       const char *pin, std::size_t pinLen, cabridge_sink out,
                                       cabridge_error *err) noexcept {
        if (self == nullptr || tokenRef == nullptr || keyType == nullptr || (pin == nullptr && pinLen != 0))
            return CABRIDGE_ERR_PLUGIN;
        // cppcheck-suppress throwInNoexceptFunction ; the plugin's throw is in the lambda, which guarded() runs inside catch (...)
        return guarded(err, [&] {
            writeJsonToSink(out, static_cast<Plugin *>(self)->generateKey(tokenRef, keyType, pinView(pin, pinLen)));
        });
    }

    static cabridge_status signWithKey(cabridge_plugin *self, const char *tokenRef, const char *keyId, const char *pin,
                                       std::size_t pinLen, const char *algorithm, const std::uint8_t *data,
                                       std::size_t dataLen, cabridge_sink out, cabridge_error *err) noexcept {
        if (self == nullptr || tokenRef == nullptr || keyId == nullptr || algorithm == nullptr ||
            (pin == nullptr && pinLen != 0) || (data == nullptr && dataLen != 0))
            return CABRIDGE_ERR_PLUGIN;
        // cppcheck-suppress throwInNoexceptFunction ; the plugin's throw is in the lambda, which guarded() runs inside catch (...)
        return guarded(err, [&] {
            writeToSink(out, static_cast<Plugin *>(self)->signWithKey(tokenRef, keyId, pinView(pin, pinLen), algorithm,
                                                                      {data, dataLen}));
        });
    }

    static cabridge_status installCertificate(cabridge_plugin *self, const char *tokenRef, const char *keyId,
                                              const std::uint8_t *der, std::size_t derLen, const char *replaceRef,
                                              const char *pin, std::size_t pinLen, cabridge_sink out,
                                              cabridge_error *err) noexcept {
        if (self == nullptr || tokenRef == nullptr || keyId == nullptr || der == nullptr || derLen == 0 ||
            (pin == nullptr && pinLen != 0))
            return CABRIDGE_ERR_PLUGIN;
        const std::optional<std::string_view> replace = replaceRef == nullptr
                                                            ? std::nullopt
                                                            : std::optional<std::string_view>(replaceRef);
        // cppcheck-suppress throwInNoexceptFunction ; the plugin's throw is in the lambda, which guarded() runs inside catch (...)
        return guarded(err, [&] {
            writeJsonToSink(out, static_cast<Plugin *>(self)->installCertificate(tokenRef, keyId, {der, derLen},
                                                                                 replace, pinView(pin, pinLen)));
        });
    }

    static cabridge_status listKeys(cabridge_plugin *self, const char *tokenRef, cabridge_sink out,
                                    cabridge_error *err) noexcept {
        if (self == nullptr || tokenRef == nullptr)
            return CABRIDGE_ERR_PLUGIN;
        // cppcheck-suppress throwInNoexceptFunction ; the plugin's throw is in the lambda, which guarded() runs inside catch (...)
        return guarded(err, [&] { writeJsonToSink(out, static_cast<Plugin *>(self)->listKeys(tokenRef)); });
    }

    static cabridge_status deleteKey(cabridge_plugin *self, const char *tokenRef, const char *keyId, const char *pin,
                                     std::size_t pinLen, cabridge_error *err) noexcept {
        if (self == nullptr || tokenRef == nullptr || keyId == nullptr || (pin == nullptr && pinLen != 0))
            return CABRIDGE_ERR_PLUGIN;
        // cppcheck-suppress throwInNoexceptFunction ; the plugin's throw is in the lambda, which guarded() runs inside catch (...)
        return guarded(err, [&] { static_cast<Plugin *>(self)->deleteKey(tokenRef, keyId, pinView(pin, pinLen)); });
    }

    static constexpr decltype(cabridge_plugin_api_v1::generate_key) generateKeyEntry() {
        if constexpr (Enrols<Plugin>)
            return &generateKey;
        else
            return nullptr;
    }

    static cabridge_status unblockChallenge(cabridge_plugin *self, const char *tokenRef, cabridge_sink out,
                                            cabridge_error *err) noexcept {
        if (self == nullptr || tokenRef == nullptr)
            return CABRIDGE_ERR_PLUGIN;
        // Only instantiated for a Plugin with the pair (unblockChallengeEntry).
        // cppcheck-suppress throwInNoexceptFunction ; the plugin's throw is in the lambda, which guarded() runs inside catch (...)
        return guarded(err, [&] { writeJsonToSink(out, static_cast<Plugin *>(self)->unblockChallenge(tokenRef)); });
    }

    static cabridge_status unblockWithResponse(cabridge_plugin *self, const char *tokenRef,
                                               const std::uint8_t *response, std::size_t responseLen,
                                               const char *newPin, std::size_t newPinLen,
                                               cabridge_error *err) noexcept {
        if (self == nullptr || tokenRef == nullptr || (response == nullptr && responseLen != 0) ||
            (newPin == nullptr && newPinLen != 0))
            return CABRIDGE_ERR_PLUGIN;
        // Only instantiated for a Plugin with the pair (unblockWithResponseEntry).
        // cppcheck-suppress throwInNoexceptFunction ; the plugin's throw is in the lambda, which guarded() runs inside catch (...)
        return guarded(err, [&] {
            static_cast<Plugin *>(self)->unblockWithResponse(
                tokenRef, {response, responseLen}, std::string_view(newPin == nullptr ? "" : newPin, newPinLen));
        });
    }

    static constexpr decltype(cabridge_plugin_api_v1::unblock_challenge) unblockChallengeEntry() {
        if constexpr (UnblocksOnline<Plugin>)
            return &unblockChallenge;
        else
            return nullptr;
    }

    static constexpr decltype(cabridge_plugin_api_v1::sign_with_key) signWithKeyEntry() {
        if constexpr (Enrols<Plugin>)
            return &signWithKey;
        else
            return nullptr;
    }

    static constexpr decltype(cabridge_plugin_api_v1::install_certificate) installCertificateEntry() {
        if constexpr (Enrols<Plugin>)
            return &installCertificate;
        else
            return nullptr;
    }

    static constexpr decltype(cabridge_plugin_api_v1::list_keys) listKeysEntry() {
        if constexpr (Enrols<Plugin>)
            return &listKeys;
        else
            return nullptr;
    }

    static constexpr decltype(cabridge_plugin_api_v1::delete_key) deleteKeyEntry() {
        if constexpr (Enrols<Plugin>)
            return &deleteKey;
        else
            return nullptr;
    }

    static constexpr decltype(cabridge_plugin_api_v1::unblock_with_response) unblockWithResponseEntry() {
        if constexpr (UnblocksOnline<Plugin>)
            return &unblockWithResponse;
        else
            return nullptr;
    }

    static cabridge_status logout(cabridge_plugin *self, const char *tokenRef, cabridge_error *err) noexcept {
        if (self == nullptr || tokenRef == nullptr)
            return CABRIDGE_ERR_PLUGIN;
        return guarded(err, [&] { self->logout(tokenRef); });
    }

    // The enrolment calls (generate_key ... delete_key) are not glued yet: null.
    static constexpr cabridge_plugin_api_v1 table{CABRIDGE_PLUGIN_ABI_VERSION,
                                                  sizeof(cabridge_plugin_api_v1),
                                                  &create,
                                                  &destroy,
                                                  &describe,
                                                  &listTokens,
                                                  &identify,
                                                  &login,
                                                  &sign,
                                                  &logout,
                                                  &listToken,
                                                  checkCertificateEntry(),
                                                  authenticateEntry(),
                                                  changePinEntry(),
                                                  unblockPinEntry(),
                                                  generateKeyEntry(),
                                                  signWithKeyEntry(),
                                                  installCertificateEntry(),
                                                  listKeysEntry(),
                                                  deleteKeyEntry(),
                                                  unblockChallengeEntry(),
                                                  unblockWithResponseEntry()};
};

// The table for a host speaking `hostAbiVersion`, or nullptr if the plugin
// cannot serve it (ABI 1 is the only one so far).
template <class Plugin>
const cabridge_plugin_api_v1 *pluginApiFor(std::uint32_t hostAbiVersion) noexcept {
    if (hostAbiVersion < CABRIDGE_PLUGIN_ABI_VERSION)
        return nullptr;
    return &PluginGlue<Plugin>::table;
}

} // namespace cabridge
