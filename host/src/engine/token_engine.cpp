#include "token_engine.h"

#include "certificate_finder.h"
#include "commands/command_context.h"
#include "plugin_registry.h"
#include "token_call_marker.h"

namespace cabridge {
namespace {

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
        // Weak: the lambda travels into every plugin call, an abandoned one included, and a
        // strong copy there would keep the marker (and its file) alive past a normal exit.
        auto onTokenTimeout = [reply, weakMarker = std::weak_ptr<TokenCallMarker>(marker)] {
            if (const auto marker = weakMarker.lock()) {
                // Remembered before the reply, so the next host already leaves the plugin out.
                marker->deadlinePassed();
                marker->discard();
            }
            if (reply) {
                reply();
            }
        };
        registry_.emplace(
            PluginRegistry::load(setup.descriptors, {setup.config.pluginProber, probeFile, marker, onTokenTimeout}));
    }

    RegistryEngine(const RegistryEngine&) = delete;
    RegistryEngine& operator=(const RegistryEngine&) = delete;
    RegistryEngine(RegistryEngine&&) = delete;
    RegistryEngine& operator=(RegistryEngine&&) = delete;

    ~RegistryEngine() override = default;

    std::vector<PluginSummary> plugins() const override { return registry_->summaries(); }

    nlohmann::json listCertificates(Request& request, const TokenRequestPolicy& policy,
                                    std::chrono::system_clock::time_point now) override
    {
        CommandContext context {*registry_, policy.policy, policy.adminPolicy, now, certificates_};
        return runListCertificates(context, request);
    }

    nlohmann::json authenticate(Request& request, const TokenRequestPolicy& policy,
                                std::chrono::system_clock::time_point now) override
    {
        CommandContext context {*registry_, policy.policy, policy.adminPolicy, now, certificates_};
        return runAuthenticate(context, request);
    }

    nlohmann::json changePin(Request& request, const TokenRequestPolicy& policy,
                             std::chrono::system_clock::time_point now) override
    {
        CommandContext context {*registry_, policy.policy, policy.adminPolicy, now, certificates_};
        return runChangePin(context, request);
    }

    nlohmann::json unblockPin(Request& request, const TokenRequestPolicy& policy,
                              std::chrono::system_clock::time_point now) override
    {
        CommandContext context {*registry_, policy.policy, policy.adminPolicy, now, certificates_};
        return runUnblockPin(context, request);
    }

    nlohmann::json enroll(Request& request, const TokenRequestPolicy& policy,
                          std::chrono::system_clock::time_point now) override
    {
        CommandContext context {*registry_, policy.policy, policy.adminPolicy, now, certificates_};
        if (request.command == "generate-key") return runGenerateKey(context, request);
        if (request.command == "install-certificate") return runInstallCertificate(context, request);
        if (request.command == "list-keys") return runListKeys(context, request);
        if (request.command == "remove-key") return runRemoveKey(context, request);
        throw HostError(ErrorCode::UnknownCommand, "not an enrolment command: " + request.command);
    }

    nlohmann::json unblockChallenge(Request& request, const TokenRequestPolicy& policy,
                                    std::chrono::system_clock::time_point now) override
    {
        CommandContext context {*registry_, policy.policy, policy.adminPolicy, now, certificates_};
        return runUnblockChallenge(context, request);
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
