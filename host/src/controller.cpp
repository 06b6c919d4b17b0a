#include "controller.h"

#include "commands/command_context.h"
#include "deadline.h"
#include "error.h"
#include "logger.h"
#include "request.h"

#include <openssl/crypto.h>

#include <map>

namespace cabridge {
namespace {

using Handler = nlohmann::json (*)(CommandContext&, Request&);

const std::map<std::string, Handler, std::less<>>& commandTable()
{
    static const std::map<std::string, Handler, std::less<>> table = {
        {"status", &runStatus},
        {"list-certificates", &runListCertificates},
        {"authenticate", &runAuthenticate},
        {"quit", &runQuit},
    };
    return table;
}

// The id of the request being served, for the deadline hook's reply.
nlohmann::json& currentRequestId()
{
    static nlohmann::json id;
    return id;
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

Controller::Controller(HostConfig config, bool extensionAllowed, int inFd, int outFd)
    : config_(std::move(config)), extensionAllowed_(extensionAllowed), inFd_(inFd), outFd_(outFd)
{
    const int out = outFd_;
    setTokenTimeoutReplyHook([out](std::string_view) {
        writeFrame(out, serializeReply(makeErrorReply(currentRequestId(), ErrorCode::TokenNotResponding)));
    });
}

Controller::~Controller()
{
    setTokenTimeoutReplyHook(nullptr);
}

void Controller::ensureLoaded()
{
    if (registry_) {
        return;
    }
    // Probe verdicts live beside the log: the one per-user place the host already writes to.
    registry_ = PluginRegistry::discover(config_.pluginDirs,
                                         {config_.pluginProber, config_.logFile.parent_path() / "plugin-probes.json"});
    adminPolicy_ = loadAdminPolicy(config_.policyFile);
    if (adminPolicy_->error) {
        // Fail closed: the refused file may have denied origins the plugins declare, and
        // ignoring it would let those through. No origin may use certificates until it is fixed.
        Logger::error("origin policy refused, no origin may use certificates until it is fixed: " +
                      *adminPolicy_->error);
        policy_.emplace(std::vector<std::string> {}, std::vector<std::string> {}, AdminPolicy {});
        return;
    }
    std::vector<std::string> origins;
    std::vector<std::string> legacy;
    for (const auto& plugin : registry_->plugins()) {
        origins.insert(origins.end(), plugin->origins().begin(), plugin->origins().end());
        legacy.insert(legacy.end(), plugin->legacyOrigins().begin(), plugin->legacyOrigins().end());
    }
    policy_.emplace(origins, legacy, adminPolicy_->policy);
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
        OPENSSL_cleanse(body.data(), body.size());
        const auto handler = commandTable().find(request.command);
        if (handler == commandTable().end()) {
            throw HostError(ErrorCode::UnknownCommand, "unknown command \"" + request.command + "\"",
                            {{"command", request.command}});
        }
        ensureLoaded();
        currentRequestId() = id;
        CommandContext context {*registry_, *policy_, *adminPolicy_, std::chrono::system_clock::now(), certificates_};
        reply = {{"id", id}, {"result", handler->second(context, request)}};
        quitRequested_ = context.quitRequested;
        Logger::info("served " + request.command + " for " + request.origin);
    } catch (const HostError& e) {
        Logger::warn(std::string(errorCodeName(e.code())) + ": " + e.what());
        reply = makeErrorReply(id, e.code(), e.details());
    } catch (const std::exception& e) {
        Logger::error(std::string("INTERNAL_ERROR: ") + e.what());
        reply = makeErrorReply(id, ErrorCode::InternalError);
    }
    OPENSSL_cleanse(body.data(), body.size());
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
