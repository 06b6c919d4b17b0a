#include "token_engine.h"

#include "certificate_finder.h"
#include "commands/command_context.h"
#include "deadline.h"
#include "plugin_registry.h"
#include "token_call_marker.h"

#include <map>

namespace cabridge {
namespace {

using TokenHandler = nlohmann::json (*)(CommandContext&, Request&);

const std::map<std::string, TokenHandler, std::less<>>& tokenCommands()
{
    static const std::map<std::string, TokenHandler, std::less<>> table = {
        {"list-certificates", &runListCertificates},
        {"authenticate", &runAuthenticate},
    };
    return table;
}

class RegistryEngine final : public TokenEngine {
public:
    explicit RegistryEngine(const TokenEngineSetup& setup)
    {
        // Probe verdicts, start records and token faults live beside the log: the one per-user
        // place the host already writes to.
        const auto probeFile = setup.config.logFile.parent_path() / "plugin-probes.json";
        std::shared_ptr<TokenCallMarker> marker;
        if (!setup.config.pluginProber.empty()) {
            // Hosts that died inside a call since the front read the records.
            collectCrashedCalls(probeFile);
            marker = std::make_shared<TokenCallMarker>(probeFile);
            TokenCallMarker::markCrashes();
        }
        auto reply = setup.replyTokenNotResponding;
        setTokenTimeoutReplyHook([reply, marker](std::string_view) {
            if (marker) {
                // Remembered before the reply, so the next host already leaves the plugin out.
                marker->deadlinePassed();
                marker->discard();
            }
            if (reply) {
                reply();
            }
        });
        registry_.emplace(PluginRegistry::load(setup.descriptors, {setup.config.pluginProber, probeFile, marker}));
    }

    RegistryEngine(const RegistryEngine&) = delete;
    RegistryEngine& operator=(const RegistryEngine&) = delete;
    RegistryEngine(RegistryEngine&&) = delete;
    RegistryEngine& operator=(RegistryEngine&&) = delete;

    ~RegistryEngine() override { setTokenTimeoutReplyHook(nullptr); }

    std::vector<PluginSummary> plugins() const override { return registry_->summaries(); }

    nlohmann::json run(std::string_view command, Request& request, const TokenRequestPolicy& policy,
                       std::chrono::system_clock::time_point now) override
    {
        const auto handler = tokenCommands().find(command);
        if (handler == tokenCommands().end()) {
            throw HostError(ErrorCode::UnknownCommand, "unknown command \"" + std::string(command) + "\"",
                            {{"command", std::string(command)}});
        }
        CommandContext context {*registry_, policy.policy, policy.adminPolicy, now, certificates_};
        return handler->second(context, request);
    }

private:
    std::optional<PluginRegistry> registry_;
    CertificateFinder certificates_;
};

}  // namespace

std::unique_ptr<TokenEngine> createTokenEngine(const TokenEngineSetup& setup)
{
    return std::make_unique<RegistryEngine>(setup);
}

}  // namespace cabridge
