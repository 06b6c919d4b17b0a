#include "controller.h"

#include "commands/host_commands.h"
#include "error.h"
#include "logger.h"
#include "plugin_start_cache.h"
#include "token_call_marker.h"
#include "request.h"

#include <string.h>  // explicit_bzero: the front does not load OpenSSL for OPENSSL_cleanse

#include <map>

namespace cabridge {
namespace {

// The one command table: every command the host knows and the Controller member that serves
// it. `status` and `quit` are answered by the front; the token commands by the engine.
using CommandHandler = nlohmann::json (Controller::*)(Request&);

const std::map<std::string, CommandHandler, std::less<>>& commandTable()
{
    static const std::map<std::string, CommandHandler, std::less<>> table = {
        {"status", &Controller::serveStatus},
        {"list-certificates", &Controller::serveListCertificates},
        {"authenticate", &Controller::serveAuthenticate},
        {"change-pin", &Controller::serveChangePin},
        {"unblock-pin", &Controller::serveUnblockPin},
        {"unblock-challenge", &Controller::serveUnblockChallenge},
        {"quit", &Controller::serveQuit},
        {"legacy-policy", &Controller::serveLegacyPolicy},
        // CA enrolment (issue #18): one engine entry for the four.
        {"generate-key", &Controller::serveEnrollment},
        {"install-certificate", &Controller::serveEnrollment},
        {"list-keys", &Controller::serveEnrollment},
        {"remove-key", &Controller::serveEnrollment},
    };
    return table;
}

// Best effort: the id of a message that failed later validation.
nlohmann::json idOf(const std::vector<std::uint8_t>& body)
{
    nlohmann::json id;
    try {
        parseRequest(std::string_view(reinterpret_cast<const char*>(body.data()), body.size()), id);
    } catch (const HostError&) {
    }
    return id;
}

// Every plugin as its start record describes it, or nullopt when one has none (a new or
// changed build, one that failed last time, no probing): then only loading them can tell.
std::optional<std::vector<PluginSummary>> recordedPlugins(const std::vector<DiscoveredDescriptor>& descriptors,
                                                          const HostConfig& config)
{
    if (config.pluginProber.empty()) {
        return std::nullopt;  // records are only written by hosts that probe
    }
    const auto probeFile = config.logFile.parent_path() / "plugin-probes.json";
    collectCrashedCalls(probeFile);  // a host that died inside a plugin's call: recorded first
    ProbeCache cache(probeFile);
    std::vector<PluginSummary> plugins;
    for (const auto& found : descriptors) {
        if (!found.usable) {
            plugins.push_back({found.fileId, found.fileId, {}, found.error, {}, {}, false, {}});
            continue;
        }
        const auto identity = pluginIdentity(*found.usable);
        const auto verdict = identity.empty() ? std::nullopt : cache.find(identity);
        if (!verdict) {
            return std::nullopt;
        }
        if (verdict->crashed) {
            plugins.push_back({found.usable->id, found.usable->name, {}, verdict->reason, {}, {}, false, {}});
        } else if (verdict->started) {
            auto summary = *verdict->started;
            summary.id = found.usable->id;
            if (verdict->tokenFault) {
                summary.error = verdict->tokenFault->reason;  // loaded, but left out of listings of all vendors
                summary.tokenFault = true;
            }
            plugins.push_back(std::move(summary));
        } else {
            return std::nullopt;
        }
    }
    return plugins;
}

}  // namespace

std::string serializeReply(const nlohmann::json& reply)
{
    std::string text = wireJson(reply);
    if (text.size() <= kMaxMessageSize) {
        return text;
    }
    Logger::error("reply of " + std::to_string(text.size()) + " bytes exceeds 1 MiB, sending INTERNAL_ERROR");
    const auto id = reply.contains("id") ? reply["id"] : nlohmann::json(nullptr);
    text = wireJson(makeErrorReply(id, ErrorCode::InternalError, {{"reason", "reply too large"}}));
    if (text.size() > kMaxMessageSize) {
        // The id alone fills the frame (a request of nearly 1 MiB that is mostly id): echoing it
        // would make writeFrame refuse and the host stop, so the reply goes out with id null,
        // which the protocol allows for a request whose id cannot be echoed.
        Logger::error("request id too large to echo, sending INTERNAL_ERROR with id null");
        text = wireJson(makeErrorReply(nullptr, ErrorCode::InternalError, {{"reason", "reply too large"}}));
    }
    return text;
}

Controller::Controller(HostConfig config, bool extensionAllowed, int inFd, int outFd, TokenEngineFactory engineFactory)
    : config_(std::move(config)), extensionAllowed_(extensionAllowed), inFd_(inFd), outFd_(outFd),
      engineFactory_(std::move(engineFactory))
{
}

void Controller::readFiles()
{
    if (adminPolicy_) {
        return;
    }
    // One FileTrust: the policy file and the plugin directories usually share their parents.
    FileTrust trust;
    descriptors_ = discoverPluginDescriptors(config_.pluginDirs, trust);
    adminPolicy_ = loadAdminPolicy(config_.policyFile, trust);
    if (adminPolicy_->error) {
        // Fail closed: the refused file may have denied origins the plugins declare, and
        // ignoring it would let those through. No origin may use certificates until it is fixed.
        Logger::error("origin policy refused, no origin may use certificates until it is fixed: " +
                      *adminPolicy_->error);
    }
}

void Controller::ensurePlugins()
{
    if (policy_) {
        return;
    }
    readFiles();
    if (auto recorded = recordedPlugins(*descriptors_, config_)) {
        usePlugins(std::move(*recorded));
    } else {
        startEngine();
    }
}

void Controller::usePlugins(std::vector<PluginSummary> plugins)
{
    plugins_ = std::move(plugins);
    if (adminPolicy_->error) {
        policy_.emplace(std::vector<VendorOrigins> {}, AdminPolicy {});
        return;
    }
    // Each vendor's declared origins stay its own (origin_policy.h). Its legacyOrigins are not
    // used: only the policy file may allow the legacy mode.
    std::vector<VendorOrigins> vendors;
    for (const auto& plugin : plugins_) {
        if (plugin.servesOrigins()) {
            vendors.push_back({plugin.id, plugin.origins, plugin.enrollOrigins});
        }
    }
    policy_.emplace(std::move(vendors), adminPolicy_->policy);
}

bool Controller::mayRevealPlugins(const std::string& origin)
{
    if (config_.adminStatus) {
        return true;  // the admin tool's host (host_config.h): started by the user, not by a page
    }
    readFiles();
    if (adminPolicy_->error) {
        return false;  // fail closed: nothing is allowed, so no plugin needs to be known
    }
    // The administrator's lists decide most origins without any plugin; only an origin they
    // leave open needs the plugins' declarations (from start records when they cover every
    // plugin, else by loading them, as before).
    if (const auto decided = OriginPolicy({}, adminPolicy_->policy).adminVerdict(origin)) {
        return *decided == OriginPolicy::Verdict::Allowed;
    }
    ensurePlugins();
    return policy_->check(origin) == OriginPolicy::Verdict::Allowed;
}

TokenEngine& Controller::engine()
{
    ensurePlugins();
    if (!engine_) {
        startEngine();
    }
    return *engine_;
}

void Controller::startEngine()
{
    const int out = outFd_;
    const nlohmann::json& id = currentId_;
    engine_ = engineFactory_({config_, *descriptors_, [out, &id] {
                                  writeFrame(out, serializeReply(makeErrorReply(id, ErrorCode::TokenNotResponding)));
                              }});
    // From now on the loaded plugins are the truth, for `status` and for the policy.
    usePlugins(engine_->plugins());
}

nlohmann::json Controller::dispatch(Request& request)
{
    const auto handler = commandTable().find(request.command);
    if (handler == commandTable().end()) {
        throw HostError(ErrorCode::UnknownCommand, "unknown command \"" + request.command + "\"",
                        {{"command", request.command}});
    }
    return (this->*handler->second)(request);
}

nlohmann::json Controller::serveStatus(Request& request)
{
    runStatusArgumentCheck(request);
    if (!mayRevealPlugins(request.origin)) {
        auto reply = runStatusWithoutPlugins();
        // A CA's enrolment site learns that it is one (docs/protocol.md section 3.8), nothing more.
        // The policy is built whenever the administrator's lists did not deny the origin outright.
        if (policy_ && !adminPolicy_->error && policy_->enrollAllowedForAny(request.origin)) {
            reply["enrollAllowed"] = true;
        }
        return reply;
    }
    ensurePlugins();
    // A running engine's plugins may have changed state since it started (a token fault).
    return runStatus(engine_ ? engine_->plugins() : plugins_, *policy_, *adminPolicy_, request);
}

nlohmann::json Controller::serveLegacyPolicy(Request& request)
{
    readFiles();
    return runLegacyPolicy(*adminPolicy_, request);
}

nlohmann::json Controller::serveQuit(Request& request)
{
    runQuit(request);
    quitRequested_ = true;
    return nlohmann::json::object();
}

nlohmann::json Controller::serveListCertificates(Request& request)
{
    auto& tokens = engine();
    return tokens.listCertificates(request, {*policy_, *adminPolicy_}, std::chrono::system_clock::now());
}

nlohmann::json Controller::serveAuthenticate(Request& request)
{
    auto& tokens = engine();
    return tokens.authenticate(request, {*policy_, *adminPolicy_}, std::chrono::system_clock::now());
}

nlohmann::json Controller::serveChangePin(Request& request)
{
    auto& tokens = engine();
    return tokens.changePin(request, {*policy_, *adminPolicy_}, std::chrono::system_clock::now());
}

nlohmann::json Controller::serveUnblockPin(Request& request)
{
    auto& tokens = engine();
    return tokens.unblockPin(request, {*policy_, *adminPolicy_}, std::chrono::system_clock::now());
}

nlohmann::json Controller::serveEnrollment(Request& request)
{
    auto& tokens = engine();
    return tokens.enroll(request, {*policy_, *adminPolicy_}, std::chrono::system_clock::now());
}

nlohmann::json Controller::serveUnblockChallenge(Request& request)
{
    auto& tokens = engine();
    return tokens.unblockChallenge(request, {*policy_, *adminPolicy_}, std::chrono::system_clock::now());
}

nlohmann::json Controller::handleMessage(std::vector<std::uint8_t>& body)
{
    nlohmann::json id;
    nlohmann::json reply;
    try {
        if (!extensionAllowed_) {
            id = idOf(body);
            throw HostError(ErrorCode::ExtensionNotAllowed, "caller extension not in allowedExtensions");
        }
        Request request = parseRequest(std::string_view(reinterpret_cast<const char*>(body.data()), body.size()), id);
        ::explicit_bzero(body.data(), body.size());
        currentId_ = id;
        reply = {{"id", id}, {"result", dispatch(request)}};
        servedLine_ = "served " + request.command + " for " + request.origin;
    } catch (const HostError& e) {
        Logger::warn(std::string(errorCodeName(e.code())) + ": " + e.what());
        reply = makeErrorReply(id, e.code(), e.details());
    } catch (const std::exception& e) {
        Logger::error(std::string("INTERNAL_ERROR: ") + e.what());
        reply = makeErrorReply(id, ErrorCode::InternalError);
    }
    ::explicit_bzero(body.data(), body.size());
    return reply;
}

bool Controller::writeReply(const nlohmann::json& reply)
{
    if (!writeFrame(outFd_, serializeReply(reply))) {
        Logger::error("cannot write reply to stdout; stopping");
        return false;
    }
    return true;
}

int Controller::run()
{
    for (;;) {
        Frame frame = readFrame(inFd_);
        switch (frame.kind) {
        case Frame::Kind::EndOfInput:
            Logger::info("end of input, exiting");
            return 0;
        case Frame::Kind::TooLarge:
            Logger::warn("announced length " + std::to_string(frame.announcedLength) + " exceeds 1 MiB, exiting");
            writeReply(makeErrorReply(nullptr, ErrorCode::MessageTooLarge,
                                      {{"limit", kMaxMessageSize}, {"announced", frame.announcedLength}}));
            return 0;
        case Frame::Kind::Empty:
            Logger::warn("empty message");
            if (!writeReply(makeErrorReply(
                    nullptr, extensionAllowed_ ? ErrorCode::InvalidMessage : ErrorCode::ExtensionNotAllowed))) {
                return 1;
            }
            break;
        case Frame::Kind::Message: {
            const auto reply = handleMessage(frame.body);
            if (!writeReply(reply)) {
                return 1;
            }
            if (!servedLine_.empty()) {
                // After the reply, not before: the page waits for the reply, not for the log.
                Logger::info(servedLine_);
                servedLine_.clear();
            }
            if (quitRequested_) {
                Logger::info("quit requested, exiting");
                return 0;
            }
            break;
        }
        }
    }
}

}  // namespace cabridge
