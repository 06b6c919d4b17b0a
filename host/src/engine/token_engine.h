// The token engine: everything that touches plugins, tokens and certificates
// (`list-certificates`, `authenticate`). The host front (controller.h) answers `status` and
// `quit` itself and creates the engine on the first request that needs it.
//
// Why a separate piece: the engine needs OpenSSL's libcrypto, and plugins pull in libp11 and a
// vendor's PKCS#11 middleware. Loading those costs a cold start about 2 ms, as long as the
// whole minimal host (docs/performance.md). In the installed host the engine is the module
// lib/cabridge/cabridge-host-engine.so (token_engine_module.cpp), loaded on first use
// (token_engine_loader.h); unit tests link it directly (createTokenEngine).
#pragma once

#include "host_config.h"
#include "origin_policy.h"
#include "plugin_discovery.h"
#include "plugin_summary.h"
#include "request.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace cabridge {

// What the front has decided for the request at hand.
struct TokenRequestPolicy {
    const OriginPolicy& policy;
    const AdminPolicyLoad& adminPolicy;
};

class TokenEngine {
public:
    TokenEngine() = default;
    TokenEngine(const TokenEngine&) = delete;
    TokenEngine& operator=(const TokenEngine&) = delete;
    TokenEngine(TokenEngine&&) = delete;
    TokenEngine& operator=(TokenEngine&&) = delete;
    virtual ~TokenEngine() = default;

    // The loaded plugins, as `status` shows them and the origin policy reads their origins.
    virtual std::vector<PluginSummary> plugins() const = 0;

    // The token commands (the controller's command table names them): each returns the result
    // object or throws HostError, and refuses an origin `policy` does not allow. `request` is
    // mutable so authenticate can wipe the PIN inside it.
    virtual nlohmann::json listCertificates(Request& request, const TokenRequestPolicy& policy,
                                            std::chrono::system_clock::time_point now) = 0;
    virtual nlohmann::json authenticate(Request& request, const TokenRequestPolicy& policy,
                                        std::chrono::system_clock::time_point now) = 0;
    // `change-pin` and `unblock-pin`: served to the same origins as authenticate; wipe the PINs.
    virtual nlohmann::json changePin(Request& request, const TokenRequestPolicy& policy,
                                     std::chrono::system_clock::time_point now) = 0;
    virtual nlohmann::json unblockPin(Request& request, const TokenRequestPolicy& policy,
                                      std::chrono::system_clock::time_point now) = 0;
    // The CA enrolment commands (`generate-key`, `install-certificate`, `list-keys`,
    // `remove-key`, named by request.command): only for CA enrolment origins; wipe the PIN.
    virtual nlohmann::json enroll(Request& request, const TokenRequestPolicy& policy,
                                  std::chrono::system_clock::time_point now) = 0;

    // `unblock-challenge`: the token's online-unlock challenge for the CA's server (unblock-pin
    // with `response` answers it); served to the origins unblock-pin is.
    virtual nlohmann::json unblockChallenge(Request& request, const TokenRequestPolicy& policy,
                                            std::chrono::system_clock::time_point now) = 0;
};

struct TokenEngineSetup {
    const HostConfig& config;
    const std::vector<DiscoveredDescriptor>& descriptors;  // the plugins to load
    // The controller's: run on the watchdog thread (then the process exits) when a token call
    // passes its deadline; writes the TOKEN_NOT_RESPONDING reply for the request being served.
    std::function<void()> replyTokenNotResponding;
};

// Loads every plugin in `setup.descriptors` (probing new builds first, deadline.h for each
// call). Never throws for a plugin that cannot be used: that plugin is in the error state.
std::unique_ptr<TokenEngine> createTokenEngine(const TokenEngineSetup& setup);

using TokenEngineFactory = std::function<std::unique_ptr<TokenEngine>(const TokenEngineSetup&)>;

}  // namespace cabridge
