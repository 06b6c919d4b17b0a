// The request loop: read a frame, validate, dispatch to a command, write the
// reply. One request at a time, until end of input, `quit`, or a fatal frame.
//
// The controller is the host front: it answers `status` and `quit` itself and hands
// `list-certificates` and `authenticate` to the token engine (token_engine.h), created on the
// first request that needs it. `status` on a fresh host reads the plugins' start records
// (plugin_start_cache.h) instead of loading them when every plugin has one. `status` for an
// origin that may not use certificates names no plugin, and when the policy file alone
// refuses the origin, no plugin or record is even looked at.
#pragma once

#include "framing.h"
#include "host_config.h"
#include "origin_policy.h"
#include "plugin_discovery.h"
#include "plugin_summary.h"
#include "token_engine.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cabridge {

class Controller {
public:
    // `extensionAllowed` is the verdict on argv[1]; when false every request is
    // answered EXTENSION_NOT_ALLOWED (framed, so the extension can show why) and
    // the host keeps serving until end of input, never loading a plugin.
    // `engineFactory` creates the token engine when a request first needs it.
    Controller(HostConfig config, bool extensionAllowed, int inFd, int outFd, TokenEngineFactory engineFactory);

    // Serves until end of input (returns 0), quit (0), or an oversized
    // announced length (replies MESSAGE_TOO_LARGE, returns 0).
    int run();

    // Handles one frame's body and returns the reply object (exposed for tests).
    // Wipes `body` (it may hold a PIN) before returning.
    nlohmann::json handleMessage(std::vector<std::uint8_t>& body);

    bool quitRequested() const noexcept { return quitRequested_; }

    // Whether the token engine has been created (for tests of the lazy start).
    bool engineStarted() const noexcept { return engine_ != nullptr; }

    // The command table's handlers (controller.cpp): each returns the "result" object or
    // throws HostError. Public only so the table, outside the class, can name them.
    nlohmann::json serveStatus(Request& request);
    nlohmann::json serveQuit(Request& request);
    nlohmann::json serveLegacyPolicy(Request& request);
    nlohmann::json serveListCertificates(Request& request);
    nlohmann::json serveAuthenticate(Request& request);
    nlohmann::json serveChangePin(Request& request);
    nlohmann::json serveUnblockPin(Request& request);
    // generate-key, install-certificate, list-keys, remove-key (TokenEngine::enroll).
    nlohmann::json serveEnrollment(Request& request);
    nlohmann::json serveUnblockChallenge(Request& request);

private:
    nlohmann::json dispatch(Request& request);
    void readFiles();      // descriptors and admin policy, once
    void ensurePlugins();  // and the plugin summaries, once
    // Whether `status` for `origin` may name the plugins: the origin may use certificates, or
    // the admin tool asks. Loads no plugin when the policy file alone decides.
    bool mayRevealPlugins(const std::string& origin);
    TokenEngine& engine();  // created on first use
    void startEngine();
    void usePlugins(std::vector<PluginSummary> plugins);
    bool writeReply(const nlohmann::json& reply);

    HostConfig config_;
    bool extensionAllowed_;
    int inFd_;
    int outFd_;
    TokenEngineFactory engineFactory_;
    bool quitRequested_ = false;
    nlohmann::json currentId_;  // of the request being served, for the deadline reply
    std::string servedLine_;    // logged once the reply is written
    std::optional<std::vector<DiscoveredDescriptor>> descriptors_;
    std::optional<AdminPolicyLoad> adminPolicy_;
    std::vector<PluginSummary> plugins_;
    std::optional<OriginPolicy> policy_;
    std::unique_ptr<TokenEngine> engine_;
};

// Serializes a reply; anything over kMaxMessageSize becomes INTERNAL_ERROR for the same id.
std::string serializeReply(const nlohmann::json& reply);

}  // namespace cabridge
