// The request loop: read a frame, validate, dispatch to a command, write the
// reply. One request at a time, until end of input, `quit`, or a fatal frame.
#pragma once

#include "certificate_finder.h"
#include "framing.h"
#include "host_config.h"
#include "origin_policy.h"
#include "plugin_registry.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>

namespace cabridge {

class Controller {
public:
    // `extensionAllowed` is the verdict on argv[1]; when false every request is
    // answered EXTENSION_NOT_ALLOWED (framed, so the extension can show why) and
    // the host keeps serving until end of input, never loading a plugin.
    Controller(HostConfig config, bool extensionAllowed, int inFd, int outFd);
    ~Controller();

    // Serves until end of input (returns 0), quit (0), or an oversized
    // announced length (replies MESSAGE_TOO_LARGE, returns 0).
    int run();

    // Handles one frame's body and returns the reply object (exposed for tests).
    // Wipes `body` (it may hold a PIN) before returning.
    nlohmann::json handleMessage(std::vector<std::uint8_t>& body);

    bool quitRequested() const noexcept { return quitRequested_; }

private:
    void ensureLoaded();
    bool writeReply(const nlohmann::json& reply);

    HostConfig config_;
    bool extensionAllowed_;
    int inFd_;
    int outFd_;
    bool quitRequested_ = false;
    std::optional<PluginRegistry> registry_;
    CertificateFinder certificates_;
    std::optional<AdminPolicyLoad> adminPolicy_;
    std::optional<OriginPolicy> policy_;
};

// Serializes a reply; anything over kMaxMessageSize becomes INTERNAL_ERROR for the same id.
std::string serializeReply(const nlohmann::json& reply);

}  // namespace cabridge
