#include "loaded_plugin.h"

#include "deadline.h"
#include "logger.h"

#include <cabridge/common/encoding.h>

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <variant>

namespace cabridge {
namespace {

// Bound on what a plugin may write through one sink, so a broken plugin cannot
// exhaust memory; far above any real token list.
constexpr std::size_t kMaxSinkBytes = std::size_t {16} * 1024 * 1024;

struct CallResult {
    std::string out;
    bool overflow = false;
    cabridge_status status = CABRIDGE_ERR_PLUGIN;
    cabridge_error err {};
};

void appendToResult(void* ctx, const std::uint8_t* data, std::size_t len)
{
    auto* result = static_cast<CallResult*>(ctx);
    if (data == nullptr || len > kMaxSinkBytes - result->out.size()) {
        result->overflow = result->overflow || data != nullptr;
        return;
    }
    result->out.append(reinterpret_cast<const char*>(data), len);
}

// Runs one plugin call on a worker under `limit`. The result object is shared
// with the worker so an abandoned call never writes into freed memory.
// Returns nullptr when the deadline passed.
template <class Call>
std::shared_ptr<CallResult> runPluginCall(std::chrono::milliseconds limit, Call call)
{
    auto result = std::make_shared<CallResult>();
    const bool finished = runWithDeadline(limit, [result, call] {
        result->err.retries_left = -1;
        const cabridge_sink sink {result.get(), &appendToResult};
        result->status = call(sink, &result->err);
        result->err.message[sizeof result->err.message - 1] = '\0';
    });
    return finished ? result : nullptr;
}

// A token call (list, identify, login, sign, check_certificate, logout) on the calling thread
// under the watchdog (deadline.h): past its deadline the process replies TOKEN_NOT_RESPONDING and
// exits, so the call never outlives its caller and may use the caller's arguments as they are
// (unlike runPluginCall's worker, which can be abandoned still running).
template <class Call>
CallResult runTokenCall(std::chrono::milliseconds limit, const std::string& what, const TokenTimeoutAction& onTimeout,
                        Call call)
{
    CallResult result;
    runUnderWatchdog(limit, what, onTimeout, [&result, &call] {
        result.err.retries_left = -1;
        const cabridge_sink sink {&result, &appendToResult};
        result.status = call(sink, &result.err);
        result.err.message[sizeof result.err.message - 1] = '\0';
    });
    return result;
}

std::string describeFailure(std::string_view call, const CallResult& r)
{
    std::string text = std::string(call) + " returned status " + std::to_string(static_cast<int>(r.status));
    if (r.err.ckr != 0) {
        char ckr[32];
        std::snprintf(ckr, sizeof ckr, " (CKR 0x%08x)", static_cast<unsigned>(r.err.ckr));
        text += ckr;
    }
    if (r.err.message[0] != '\0') {
        text += ": ";
        text += r.err.message;
    }
    return text;
}

void throwIfFailed(std::string_view call, const CallResult& r)
{
    if (r.status != CABRIDGE_OK) {
        throw PluginCallFailure(r.status, r.err, describeFailure(call, r));
    }
    if (r.overflow) {
        cabridge_error err {};
        err.retries_left = -1;
        throw PluginCallFailure(CABRIDGE_ERR_PLUGIN, err, std::string(call) + " wrote more than 16 MiB");
    }
}

nlohmann::json parsePluginJson(std::string_view call, const std::string& text)
{
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded()) {
        cabridge_error err {};
        err.retries_left = -1;
        throw PluginCallFailure(CABRIDGE_ERR_PLUGIN, err, std::string(call) + " wrote invalid JSON");
    }
    return json;
}

// The JSON array a listing call wrote; throws PluginCallFailure when it failed or wrote anything else.
nlohmann::json jsonArrayResult(std::string_view call, const CallResult& result)
{
    throwIfFailed(call, result);
    auto json = parsePluginJson(call, result.out);
    if (!json.is_array()) {
        cabridge_error err {};
        err.retries_left = -1;
        throw PluginCallFailure(CABRIDGE_ERR_PLUGIN, err, std::string(call) + " did not write a JSON array");
    }
    return json;
}

// Sets the descriptor's "environment" in this process before its library is loaded: a vendor's
// middleware reads such variables when it is loaded or initialised, and the host has only the
// browser's environment otherwise. One process, one environment: a variable another plugin
// already set to a different value refuses this plugin (with a reason) rather than changing
// what the other plugin's middleware sees.
std::optional<std::string> applyPluginEnvironment(const PluginDescriptor& descriptor)
{
    static std::map<std::string, std::pair<std::string, std::string>> setBy;  // name -> (plugin, value)
    for (const auto& [name, value] : descriptor.environment) {
        const auto it = setBy.find(name);
        if (it != setBy.end() && it->second.first != descriptor.id && it->second.second != value) {
            return "environment " + name + " is already set to another value by plugin " + it->second.first;
        }
    }
    for (const auto& [name, value] : descriptor.environment) {
        if (::setenv(name.c_str(), value.c_str(), 1) != 0) {
            return "cannot set environment " + name;
        }
        setBy[name] = {descriptor.id, value};
    }
    return std::nullopt;
}

std::vector<std::string> originList(const nlohmann::json& description, const char* key)
{
    std::vector<std::string> out;
    if (description.contains(key) && description[key].is_array()) {
        for (const auto& item : description[key]) {
            if (item.is_string()) {
                out.push_back(item.get<std::string>());
            }
        }
    }
    return out;
}

PinRules pinRulesFrom(const nlohmann::json& description)
{
    PinRules rules;
    if (!description.contains("pin") || !description["pin"].is_object()) {
        return rules;
    }
    const auto& pin = description["pin"];
    if (pin.contains("minLength") && pin["minLength"].is_number_unsigned()) {
        rules.minLength = std::max<std::size_t>(1, pin["minLength"].get<std::size_t>());
    }
    if (pin.contains("maxLength") && pin["maxLength"].is_number_unsigned()) {
        rules.maxLength = std::min<std::size_t>(256, pin["maxLength"].get<std::size_t>());
    }
    if (pin.contains("charset") && pin["charset"].is_string()) {
        const auto charset = pin["charset"].get<std::string>();
        if (charset == "digits") rules.charset = PinRules::Charset::Digits;
        else if (charset == "alnum") rules.charset = PinRules::Charset::Alnum;
    }
    return rules;
}

}  // namespace

template <class Call>
auto LoadedPlugin::tokenCall(std::chrono::milliseconds limit, std::string_view name, Call call)
{
    if (stuck_) {
        cabridge_error err {};
        err.retries_left = -1;
        throw PluginCallFailure(CABRIDGE_ERR_PLUGIN, err, id_ + " is stuck in a call abandoned at its deadline");
    }
    if (!marker_) {
        return runTokenCall(limit, id_ + ": " + std::string(name), onTokenTimeout_, std::move(call));
    }
    // login, sign, logout and authenticate may wait for the person (a PIN pad, a key's confirm button) and
    // only ever run for the vendor the person chose: passing their deadline is not held against
    // the build. A crash in them is.
    const bool mayWaitForPerson = name == "login" || name == "sign" || name == "logout" || name == "authenticate" ||
                                  name == "change_pin" || name == "unblock_pin" || name == "generate_key" ||
                                  name == "sign_with_key" || name == "install_certificate" || name == "delete_key" ||
                                  name == "unblock_with_response";
    marker_->enter(identity_, id_, name, limit, !mayWaitForPerson);
    struct Leave {
        TokenCallMarker& marker;
        ~Leave() { marker.leave(); }
    } leaveAtEnd {*marker_};
    return runTokenCall(limit, id_ + ": " + std::string(name), onTokenTimeout_, std::move(call));
}

PluginCallFailure::PluginCallFailure(cabridge_status status, const cabridge_error& err, const std::string& what)
    : std::runtime_error(what), status_(status), retriesLeft_(err.retries_left), finalTry_(err.final_try != 0)
{
}

bool PinRules::accepts(std::string_view pin) const
{
    if (pin.size() < minLength || pin.size() > maxLength) {
        return false;
    }
    for (const char ch : pin) {
        const auto c = static_cast<unsigned char>(ch);
        const bool digit = c >= '0' && c <= '9';
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        switch (charset) {
        case Charset::Digits:
            if (!digit) return false;
            break;
        case Charset::Alnum:
            if (!digit && !alpha) return false;
            break;
        case Charset::Printable:
            if (c < 0x20 || c > 0x7E) return false;
            break;
        }
    }
    return true;
}

std::unique_ptr<LoadedPlugin> LoadedPlugin::failed(std::string id, std::string name, std::string reason)
{
    std::unique_ptr<LoadedPlugin> plugin(new LoadedPlugin());
    plugin->id_ = std::move(id);
    plugin->name_ = std::move(name);
    plugin->error_ = std::move(reason);
    return plugin;
}

std::unique_ptr<LoadedPlugin> LoadedPlugin::load(const PluginDescriptor& descriptor)
{
    auto fail = [&](std::string reason) {
        Logger::error("plugin " + descriptor.id + ": " + reason);
        return failed(descriptor.id, descriptor.name, std::move(reason));
    };
    if (auto clash = applyPluginEnvironment(descriptor)) {
        return fail(std::move(*clash));
    }
    std::unique_ptr<LoadedPlugin> plugin(new LoadedPlugin());
    plugin->id_ = descriptor.id;
    plugin->name_ = descriptor.name;
    plugin->deadlines_ = descriptor.deadlines;
    if (auto why = plugin->openLibrary(descriptor.library)) {
        return fail(std::move(*why));
    }
    if (auto why = plugin->createInstance(descriptor.config.dump())) {
        return fail(std::move(*why));
    }
    auto description = plugin->describeInstance();
    if (const auto* why = std::get_if<std::string>(&description)) {
        return fail(*why);  // `plugin` is destroyed here, which calls destroy() unless abandoned
    }
    plugin->adoptDescription(std::get<nlohmann::json>(description));
    Logger::info("plugin " + plugin->id_ + " " + plugin->version_ + " loaded from " + descriptor.library.string());
    return plugin;
}

std::optional<std::string> LoadedPlugin::openLibrary(const std::filesystem::path& path)
{
    void* library = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
        const char* why = ::dlerror();
        return std::string("cannot load plugin library: ") + (why ? why : "unknown reason");
    }
    library_ = library;
    auto entry = reinterpret_cast<cabridge_plugin_entry_fn>(::dlsym(library, CABRIDGE_PLUGIN_ENTRY_SYMBOL));
    if (entry == nullptr) {
        return "plugin library does not export " CABRIDGE_PLUGIN_ENTRY_SYMBOL;
    }
    const cabridge_plugin_api_v1* api = entry(CABRIDGE_PLUGIN_ABI_VERSION);
    if (api == nullptr) {
        return "plugin does not offer ABI version 1";
    }
    if (api->abi_version != CABRIDGE_PLUGIN_ABI_VERSION || api->struct_size < CABRIDGE_PLUGIN_API_V1_BASE_SIZE) {
        return "plugin offers ABI version " + std::to_string(api->abi_version) + " with table size " +
               std::to_string(api->struct_size) + ", host needs version 1 with a size of at least " +
               std::to_string(CABRIDGE_PLUGIN_API_V1_BASE_SIZE);
    }
    // Optional calls the plugin was built without stay null; a larger table (a newer
    // header) is read only as far as this host knows it.
    auto table = std::make_unique<cabridge_plugin_api_v1>();
    std::memcpy(table.get(), api, std::min<std::size_t>(api->struct_size, sizeof(cabridge_plugin_api_v1)));
    if (!table->create || !table->destroy || !table->describe || !table->list_tokens || !table->identify ||
        !table->login || !table->sign || !table->logout) {
        return "plugin function table has empty entries";
    }
    table_ = std::move(table);
    api_ = table_.get();
    return std::nullopt;
}

std::optional<std::string> LoadedPlugin::createInstance(const std::string& config)
{
    // The instance pointer travels back through the shared result: an abandoned call may
    // still write it after this returns.
    auto created = std::make_shared<cabridge_plugin*>(nullptr);
    const auto create = api_->create;
    auto result = runPluginCall(deadlines_.enumerate, [create, created, config](cabridge_sink, cabridge_error* err) {
        return create(config.c_str(), created.get(), err);
    });
    if (!result) {
        return "did not answer in time (create)";
    }
    if (result->status != CABRIDGE_OK || *created == nullptr) {
        return "create failed: " + describeFailure("create", *result);
    }
    instance_ = *created;
    return std::nullopt;
}

std::variant<nlohmann::json, std::string> LoadedPlugin::describeInstance()
{
    const auto describe = api_->describe;
    cabridge_plugin* instance = instance_;
    auto result = runPluginCall(deadlines_.enumerate, [describe, instance](cabridge_sink sink, cabridge_error* err) {
        return describe(instance, sink, err);
    });
    if (!result) {
        instance_ = nullptr;  // abandoned: never touched again, not even destroy
        return std::string("did not answer in time (describe)");
    }
    if (result->status != CABRIDGE_OK) {
        return "describe failed: " + describeFailure("describe", *result);
    }
    auto description = nlohmann::json::parse(result->out, nullptr, false);
    if (description.is_discarded() || !description.is_object()) {
        return std::string("describe did not write a JSON object");
    }
    return description;
}

void LoadedPlugin::adoptDescription(const nlohmann::json& description)
{
    if (description.contains("name") && description["name"].is_string()) {
        name_ = description["name"].get<std::string>();
    }
    if (description.contains("version") && description["version"].is_string()) {
        version_ = description["version"].get<std::string>();
    }
    origins_ = originList(description, "origins");
    legacyOrigins_ = originList(description, "legacyOrigins");
    if (!legacyOrigins_.empty()) {
        Logger::warn("plugin " + id_ +
                     " declares legacyOrigins; ignored: only the policy file's legacyOrigins allow the legacy mode");
    }
    enrollOrigins_ = originList(description, "enrollOrigins");
    enrollCAs_ = originList(description, "enrollCAs");  // a list of strings, like the origins
    pinRules_ = pinRulesFrom(description);
    onlineUnlock_ = !(description.contains("onlineUnlock") && description["onlineUnlock"] == false);
    if (description.contains("help") && description["help"].is_object()) {
        help_ = description["help"];
    }
}

LoadedPlugin::~LoadedPlugin()
{
    if (api_ != nullptr && instance_ != nullptr) {
        api_->destroy(instance_);
    }
}

nlohmann::json LoadedPlugin::help(std::string_view kind) const
{
    const std::string key(kind);
    if (help_.contains(key) && help_[key].is_object() && help_[key].contains("text")) {
        return help_[key];
    }
    return nullptr;
}

nlohmann::json LoadedPlugin::listTokens()
{
    const auto result = tokenCall(deadlines_.enumerate, "list_tokens", [this](cabridge_sink sink, cabridge_error* err) {
        return api_->list_tokens(instance_, sink, err);
    });
    auto tokens = jsonArrayResult("list_tokens", result);
    listNotice_ = result.err.message;  // NUL-terminated by the call wrapper
    return tokens;
}

std::optional<nlohmann::json> LoadedPlugin::listTokensOrAbandon()
{
    if (stuck_) {
        return std::nullopt;
    }
    // The worker may outlive this object's use (abandoned): it gets copies, never `this`.
    const auto listTokens = api_->list_tokens;
    cabridge_plugin* instance = instance_;
    if (marker_) {
        marker_->enter(identity_, id_, "list_tokens", deadlines_.enumerate);
    }
    const auto result = runPluginCall(
        deadlines_.enumerate,
        [listTokens, instance](cabridge_sink sink, cabridge_error* err) { return listTokens(instance, sink, err); });
    if (!result) {
        stuck_ = true;
        instance_ = nullptr;  // abandoned: never touched again, not even destroy
        std::optional<TokenFault> fault = marker_ ? marker_->deadlinePassed() : std::nullopt;
        if (!fault) {
            fault = TokenFault {
                TokenFault::Kind::NotResponding, "list_tokens",
                "list_tokens did not answer within " + std::to_string(deadlines_.enumerate.count()) + " ms"};
        }
        tokenFault_ = std::move(fault);
        Logger::error("plugin " + id_ + ": " + tokenFault_->reason);
        return std::nullopt;
    }
    if (marker_) {
        marker_->leave();
    }
    auto tokens = jsonArrayResult("list_tokens", *result);
    listNotice_ = result->err.message;  // NUL-terminated by the call wrapper
    return tokens;
}

void LoadedPlugin::onTokenTimeout(std::function<void()> action)
{
    onTokenTimeout_ = std::move(action);
}

void LoadedPlugin::watchTokenCalls(std::shared_ptr<TokenCallMarker> marker, std::string identity,
                                   std::optional<TokenFault> fault)
{
    marker_ = std::move(marker);
    identity_ = std::move(identity);
    tokenFault_ = std::move(fault);
}

void LoadedPlugin::forgetTokenFault()
{
    if (!tokenFault_ || stuck_) {
        return;
    }
    Logger::info("plugin " + id_ + " answered again; its remembered fault (" + tokenFault_->reason + ") is forgotten");
    tokenFault_.reset();
    if (marker_) {
        marker_->forgetFault(identity_);
    }
}

std::optional<nlohmann::json> LoadedPlugin::listToken(const std::string& tokenRef)
{
    if (api_->list_token == nullptr) {
        return std::nullopt;
    }
    const auto result = tokenCall(deadlines_.enumerate, "list_token",
                                  [this, &tokenRef](cabridge_sink sink, cabridge_error* err) {
                                      return api_->list_token(instance_, tokenRef.c_str(), sink, err);
                                  });
    return jsonArrayResult("list_token", result);
}

nlohmann::json LoadedPlugin::identify(std::span<const std::uint8_t> der)
{
    const auto result = tokenCall(deadlines_.enumerate, "identify",
                                  [this, der](cabridge_sink sink, cabridge_error* err) {
                                      return api_->identify(instance_, der.data(), der.size(), sink, err);
                                  });
    throwIfFailed("identify", result);
    auto json = parsePluginJson("identify", result.out);
    return json.is_object() ? json : nlohmann::json::object();
}

void LoadedPlugin::login(const std::string& tokenRef, const std::shared_ptr<const SecretBuffer>& pin)
{
    const auto result = tokenCall(deadlines_.login, "login",
                                  [this, &tokenRef, &pin](cabridge_sink, cabridge_error* err) {
                                      return api_->login(instance_, tokenRef.c_str(), pin->data(), pin->size(), err);
                                  });
    throwIfFailed("login", result);
}

std::vector<std::uint8_t> LoadedPlugin::sign(const std::string& tokenRef, const std::string& certRef,
                                             const std::string& algorithm, std::span<const std::uint8_t> data)
{
    const auto result = tokenCall(
        deadlines_.sign, "sign",
        [this, &tokenRef, &certRef, &algorithm, data](cabridge_sink sink, cabridge_error* err) {
            return api_->sign(instance_, tokenRef.c_str(), certRef.c_str(), algorithm.c_str(), data.data(), data.size(),
                              sink, err);
        });
    throwIfFailed("sign", result);
    return {result.out.begin(), result.out.end()};
}

bool LoadedPlugin::checkCertificate(const std::string& tokenRef, const std::string& certRef,
                                    const std::array<std::uint8_t, 32>& certSha256)
{
    if (!checksCertificates()) {
        throw std::logic_error(id_ + ": check_certificate is not offered");
    }
    const auto result = tokenCall(deadlines_.enumerate, "check_certificate",
                                  [this, &tokenRef, &certRef, &certSha256](cabridge_sink, cabridge_error* err) {
                                      return api_->check_certificate(instance_, tokenRef.c_str(), certRef.c_str(),
                                                                     certSha256.data(), err);
                                  });
    if (result.status == CABRIDGE_ERR_NO_TOKEN || result.status == CABRIDGE_ERR_CERTIFICATE_NOT_FOUND) {
        return false;
    }
    throwIfFailed("check_certificate", result);
    return true;
}

void LoadedPlugin::logout(const std::string& tokenRef)
{
    const auto result = tokenCall(deadlines_.login, "logout", [this, &tokenRef](cabridge_sink, cabridge_error* err) {
        return api_->logout(instance_, tokenRef.c_str(), err);
    });
    throwIfFailed("logout", result);
}

LoadedPlugin::Authenticated LoadedPlugin::authenticate(const std::string& tokenRef, const std::string& certRef,
                                                       const std::array<std::uint8_t, 32>& certSha256,
                                                       const std::shared_ptr<const SecretBuffer>& pin,
                                                       const std::string& algorithm, std::span<const std::uint8_t> data)
{
    if (!authenticatesInOneCall()) {
        throw std::logic_error(id_ + ": authenticate is not offered");
    }
    std::uint32_t flags = 0;
    // One call holds both the login and the signature, and the host cannot tell which of them a
    // stuck call is in: the shorter deadline keeps each within its own (loginMs, signMs).
    const auto result = tokenCall(std::min(deadlines_.login, deadlines_.sign), "authenticate",
                                  [this, &tokenRef, &certRef, &certSha256, &pin, &algorithm, data, &flags](
                                      cabridge_sink sink, cabridge_error* err) {
                                      return api_->authenticate(
                                          instance_, tokenRef.c_str(), certRef.c_str(), certSha256.data(), pin->data(),
                                          pin->size(), algorithm.c_str(), data.data(), data.size(), sink, &flags, err);
                                  });
    throwIfFailed("authenticate", result);
    return {{result.out.begin(), result.out.end()}, (flags & CABRIDGE_AUTH_FLAG_PIN_TO_BE_CHANGED) != 0};
}

void LoadedPlugin::changePin(const std::string& tokenRef, const SecretBuffer& oldPin, const SecretBuffer& newPin)
{
    if (!changesPin()) {
        throw std::logic_error(id_ + ": change_pin is not offered");
    }
    const auto result = tokenCall(deadlines_.login, "change_pin",
                                  [this, &tokenRef, &oldPin, &newPin](cabridge_sink, cabridge_error* err) {
                                      return api_->change_pin(instance_, tokenRef.c_str(), oldPin.data(), oldPin.size(),
                                                              newPin.data(), newPin.size(), err);
                                  });
    throwIfFailed("change_pin", result);
}

void LoadedPlugin::unblockPin(const std::string& tokenRef, const SecretBuffer& soPin, const SecretBuffer& newPin)
{
    if (!unblocksPin()) {
        throw std::logic_error(id_ + ": unblock_pin is not offered");
    }
    const auto result = tokenCall(deadlines_.login, "unblock_pin",
                                  [this, &tokenRef, &soPin, &newPin](cabridge_sink, cabridge_error* err) {
                                      return api_->unblock_pin(instance_, tokenRef.c_str(), soPin.data(), soPin.size(),
                                                               newPin.data(), newPin.size(), err);
                                  });
    throwIfFailed("unblock_pin", result);
}

namespace {

// Making a key pair can take a USB key half a minute (RSA-2048 prime search on the chip), more
// than a login or a signature: the deadline for generate_key covers both and at least two minutes.
std::chrono::milliseconds keyGenerationDeadline(const PluginDeadlines& deadlines)
{
    return std::max(deadlines.login + deadlines.sign, std::chrono::milliseconds(120000));
}

}  // namespace

nlohmann::json LoadedPlugin::generateKey(const std::string& tokenRef, const std::string& keyType,
                                         const SecretBuffer& pin)
{
    if (!enrols()) {
        throw std::logic_error(id_ + ": enrolment calls are not offered");
    }
    const auto result = tokenCall(keyGenerationDeadline(deadlines_), "generate_key",
                                  [this, &tokenRef, &keyType, &pin](cabridge_sink sink, cabridge_error* err) {
                                      return api_->generate_key(instance_, tokenRef.c_str(), keyType.c_str(),
                                                                pin.data(), pin.size(), sink, err);
                                  });
    throwIfFailed("generate_key", result);
    auto json = parsePluginJson("generate_key", result.out);
    if (!json.is_object() || !json.contains("keyId") || !json["keyId"].is_string() || !json.contains("publicKey") ||
        !json["publicKey"].is_string()) {
        cabridge_error err {};
        err.retries_left = -1;
        throw PluginCallFailure(CABRIDGE_ERR_PLUGIN, err, "generate_key did not write {keyId, publicKey}");
    }
    return json;
}

std::vector<std::uint8_t> LoadedPlugin::signWithKey(const std::string& tokenRef, const std::string& keyId,
                                                    const SecretBuffer& pin, const std::string& algorithm,
                                                    std::span<const std::uint8_t> data)
{
    if (!enrols()) {
        throw std::logic_error(id_ + ": enrolment calls are not offered");
    }
    const auto result = tokenCall(
        std::min(deadlines_.login, deadlines_.sign), "sign_with_key",
        [this, &tokenRef, &keyId, &pin, &algorithm, data](cabridge_sink sink, cabridge_error* err) {
            return api_->sign_with_key(instance_, tokenRef.c_str(), keyId.c_str(), pin.data(), pin.size(),
                                       algorithm.c_str(), data.data(), data.size(), sink, err);
        });
    throwIfFailed("sign_with_key", result);
    return {result.out.begin(), result.out.end()};
}

std::string LoadedPlugin::installCertificate(const std::string& tokenRef, const std::string& keyId,
                                             std::span<const std::uint8_t> der, const std::string& replaceCertRef,
                                             const SecretBuffer& pin)
{
    if (!enrols()) {
        throw std::logic_error(id_ + ": enrolment calls are not offered");
    }
    const auto result = tokenCall(
        deadlines_.login, "install_certificate",
        [this, &tokenRef, &keyId, der, &replaceCertRef, &pin](cabridge_sink sink, cabridge_error* err) {
            return api_->install_certificate(instance_, tokenRef.c_str(), keyId.c_str(), der.data(), der.size(),
                                             replaceCertRef.empty() ? nullptr : replaceCertRef.c_str(), pin.data(),
                                             pin.size(), sink, err);
        });
    throwIfFailed("install_certificate", result);
    const auto json = parsePluginJson("install_certificate", result.out);
    if (!json.is_object() || !json.contains("ref") || !json["ref"].is_string()) {
        cabridge_error err {};
        err.retries_left = -1;
        throw PluginCallFailure(CABRIDGE_ERR_PLUGIN, err, "install_certificate did not write {ref}");
    }
    return json["ref"].get<std::string>();
}

nlohmann::json LoadedPlugin::listKeys(const std::string& tokenRef)
{
    if (!enrols()) {
        throw std::logic_error(id_ + ": enrolment calls are not offered");
    }
    const auto result = tokenCall(deadlines_.enumerate, "list_keys",
                                  [this, &tokenRef](cabridge_sink sink, cabridge_error* err) {
                                      return api_->list_keys(instance_, tokenRef.c_str(), sink, err);
                                  });
    return jsonArrayResult("list_keys", result);
}

void LoadedPlugin::deleteKey(const std::string& tokenRef, const std::string& keyId, const SecretBuffer& pin)
{
    if (!enrols()) {
        throw std::logic_error(id_ + ": enrolment calls are not offered");
    }
    const auto result = tokenCall(
        deadlines_.login, "delete_key", [this, &tokenRef, &keyId, &pin](cabridge_sink, cabridge_error* err) {
            return api_->delete_key(instance_, tokenRef.c_str(), keyId.c_str(), pin.data(), pin.size(), err);
        });
    throwIfFailed("delete_key", result);
}

LoadedPlugin::UnblockChallenge LoadedPlugin::unblockChallenge(const std::string& tokenRef)
{
    if (!unblocksOnline()) {
        throw std::logic_error(id_ + ": unblock_challenge is not offered");
    }
    const auto result = tokenCall(deadlines_.login, "unblock_challenge",
                                  [this, &tokenRef](cabridge_sink sink, cabridge_error* err) {
                                      return api_->unblock_challenge(instance_, tokenRef.c_str(), sink, err);
                                  });
    throwIfFailed("unblock_challenge", result);
    const auto json = parsePluginJson("unblock_challenge", result.out);
    const auto field = [&json](const char* key) -> const std::string* {
        const auto it = json.is_object() ? json.find(key) : json.end();
        return it != json.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
    };
    const std::string* challengeText = field("challenge");
    const std::string* serial = field("serial");
    auto challenge = challengeText != nullptr ? base64Decode(*challengeText) : std::nullopt;
    if (!challenge || challenge->empty() || challenge->size() > kMaxUnblockChallengeBytes || serial == nullptr ||
        serial->size() > 256) {
        cabridge_error err {};
        err.retries_left = -1;
        throw PluginCallFailure(CABRIDGE_ERR_PLUGIN, err,
                                "unblock_challenge did not write {\"challenge\": base64 of 1.." +
                                    std::to_string(kMaxUnblockChallengeBytes) + " bytes, \"serial\": text}");
    }
    return {std::move(*challenge), *serial};
}

void LoadedPlugin::unblockWithResponse(const std::string& tokenRef, std::span<const std::uint8_t> response,
                                       const SecretBuffer& newPin)
{
    if (!unblocksOnline()) {
        throw std::logic_error(id_ + ": unblock_with_response is not offered");
    }
    const auto result = tokenCall(deadlines_.login, "unblock_with_response",
                                  [this, &tokenRef, response, &newPin](cabridge_sink, cabridge_error* err) {
                                      return api_->unblock_with_response(instance_, tokenRef.c_str(), response.data(),
                                                                         response.size(), newPin.data(), newPin.size(),
                                                                         err);
                                  });
    throwIfFailed("unblock_with_response", result);
}

}  // namespace cabridge
