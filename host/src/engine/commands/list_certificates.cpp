// `list-certificates`: the certificates on every token now present, or on one
// vendor's tokens when `vendor` is given. A listing of all vendors leaves out a vendor whose
// token call passed its deadline or crashed a host (LoadedPlugin::tokenFault), and one that does not
// answer list_tokens in time now; it answers the other vendors' certificates and names each
// vendor left out in `errors`.
#include "command_context.h"

#include "framing.h"
#include "logger.h"
#include "wire_error_for_plugin.h"

#include <algorithm>
#include <string>
#include <vector>

namespace cabridge {
namespace {

// Keeps the reply within one native-messaging frame (docs/protocol.md section 1: the
// browser drops a connection whose host writes more than 1 MiB). When everything
// fits, the list is the listing order unchanged. When it does not, certificates are
// taken smallest first until the next would not fit, and shown in listing order: a
// person's certificate is a few KiB, so it is kept while oversized ones crowding the
// token are left out. What is left out is counted and logged, and the result says
// "truncated": true.
class BoundedCertificateList {
public:
    // `fields`: the result's keys besides the certificates (originTrusted).
    BoundedCertificateList(const nlohmann::json& requestId, nlohmann::json fields) : fields_(std::move(fields))
    {
        // The envelope with an empty list and the truncated flag: the most the reply
        // carries besides the certificates themselves.
        nlohmann::json result = fields_;
        result["certificates"] = nlohmann::json::array();
        result["truncated"] = true;
        envelope_ = wireJson({{"id", requestId}, {"result", std::move(result)}}).size();
    }

    void add(nlohmann::json certInfo)
    {
        // Serialized as the reply will be, so the sums below are the reply's exact size.
        const std::size_t size = wireJson(certInfo).size();
        total_ += size + (pending_.empty() ? 0 : 1);  // 1: the comma
        pending_.push_back({std::move(certInfo), size, false});
    }

    // The result; `errors` (vendors left out) is added when not empty.
    nlohmann::json result(nlohmann::json errors) &&
    {
        if (!errors.empty()) {
            envelope_ += wireJson({{"errors", errors}}).size();  // a little more than it adds
        }
        auto result = std::move(fields_);
        result.update(std::move(*this).certificates());
        if (!errors.empty()) {
            result["errors"] = std::move(errors);
        }
        return result;
    }

private:
    nlohmann::json certificates() &&
    {
        nlohmann::json certificates = nlohmann::json::array();
        if (envelope_ + total_ <= kMaxMessageSize) {
            for (auto& item : pending_) certificates.push_back(std::move(item.certInfo));
            return {{"certificates", std::move(certificates)}};
        }
        std::vector<std::size_t> bySize(pending_.size());
        for (std::size_t i = 0; i < bySize.size(); ++i) bySize[i] = i;
        std::stable_sort(bySize.begin(), bySize.end(),
                         [this](std::size_t a, std::size_t b) { return pending_[a].size < pending_[b].size; });
        std::size_t used = envelope_;
        for (const std::size_t i : bySize) {
            const std::size_t size = pending_[i].size + (used == envelope_ ? 0 : 1);
            if (used + size > kMaxMessageSize) {
                break;  // the rest are no smaller
            }
            used += size;
            pending_[i].kept = true;
        }
        std::size_t leftOutCount = 0;
        std::string leftOut;
        for (auto& item : pending_) {
            if (item.kept) {
                certificates.push_back(std::move(item.certInfo));
                continue;
            }
            // The log names the first few; a token with thousands would make one huge line.
            if (++leftOutCount <= kMaxNamedInLog) {
                leftOut += (leftOut.empty() ? "" : ", ") + item.certInfo.value("vendor", "") + "/" +
                           item.certInfo.value("id", "") + " sha256 " + item.certInfo.value("sha256", "") + " (" +
                           std::to_string(item.size) + " bytes)";
            } else if (leftOutCount == kMaxNamedInLog + 1) {
                leftOut += ", ...";
            }
        }
        Logger::warn("list-certificates: reply would pass 1 MiB; " + std::to_string(certificates.size()) +
                     " certificates listed, " + std::to_string(leftOutCount) + " left out: " + leftOut);
        return {{"certificates", std::move(certificates)}, {"truncated", true}};
    }

    struct Pending {
        nlohmann::json certInfo;
        std::size_t size;  // serialized
        bool kept;
    };
    static constexpr std::size_t kMaxNamedInLog = 20;
    nlohmann::json fields_;
    std::size_t envelope_;
    std::size_t total_ = 0;
    std::vector<Pending> pending_;
};

// One entry of `errors`: a vendor left out of a listing of all vendors, and why.
nlohmann::json leftOut(const LoadedPlugin& plugin, ErrorCode code)
{
    return {{"vendor", plugin.id()}, {"code", errorCodeName(code)}, {"message", errorMessageZh(code)}};
}

// The vendor's help texts by kind, as its describe() gave them, for each of its CertInfo entries:
// the extension shows renewal help for an expired certificate without asking the host again.
nlohmann::json vendorHelp(const LoadedPlugin& plugin)
{
    nlohmann::json help = nlohmann::json::object();
    for (const char* kind : {"renew", "unlock", "lost", "reinsert", "contact"}) {
        if (auto entry = plugin.help(kind); !entry.is_null()) {
            help[kind] = std::move(entry);
        }
    }
    return help;
}

// The vendor's PIN rules, for each of its CertInfo entries: the extension checks a new PIN
// against them in its change-PIN window before anything is sent (the host checks again).
nlohmann::json vendorPinRules(const LoadedPlugin& plugin)
{
    const PinRules& rules = plugin.pinRules();
    const char* charset = rules.charset == PinRules::Charset::Digits  ? "digits"
                          : rules.charset == PinRules::Charset::Alnum ? "alnum"
                                                                      : "printable";
    return {{"minLength", rules.minLength},
            {"maxLength", rules.maxLength},
            {"charset", charset},
            {"canChange", plugin.changesPin()},
            {"canUnblock", plugin.unblocksPin()},
            {"canUnblockOnline", plugin.unblocksOnline()}};
}

ErrorCode faultCode(const TokenFault& fault)
{
    return fault.kind == TokenFault::Kind::NotResponding ? ErrorCode::TokenNotResponding : ErrorCode::PluginError;
}

}  // namespace

nlohmann::json runListCertificates(CommandContext& context, Request& request)
{
    requireOnlyKeys(request.arguments, {"vendor", "purpose"});
    const auto vendor = optionalStringArgument(request.arguments, "vendor");
    const auto purpose = optionalStringArgument(request.arguments, "purpose").value_or("any");
    if (purpose != "login" && purpose != "sign" && purpose != "any") {
        throw HostError(ErrorCode::InvalidArgument, "purpose must be login, sign or any", {{"key", "purpose"}});
    }
    LoadedPlugin* only = nullptr;
    if (vendor) {
        only = context.registry.find(*vendor);
        if (only == nullptr) {
            throw HostError(ErrorCode::InvalidArgument, "unknown vendor \"" + *vendor + "\"", {{"key", "vendor"}});
        }
    }
    // A CA enrolment site may list its own vendor's certificates (to pick the key to renew).
    const bool enrollmentSite = !context.adminPolicy.error && context.policy.enrollAllowedForAny(request.origin);
    if (!enrollmentSite) {
        requireAllowedOrigin(context, request.origin);
    }

    // Lets the extension remember a plain-http site's consent without asking `status` again.
    const bool originTrusted = context.policy.trusted(request.origin);
    BoundedCertificateList certificates(request.id, {{"originTrusted", originTrusted}});
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& plugin : context.registry.plugins()) {
        if (only != nullptr && plugin.get() != only) {
            continue;
        }
        // Another vendor's portal origin does not unlock this vendor's tokens: not read at all.
        if (context.policy.checkFor(plugin->id(), request.origin) != OriginPolicy::Verdict::Allowed &&
            !context.policy.enrollAllowedFor(plugin->id(), request.origin)) {
            if (only != nullptr) {
                requireOriginAllowedFor(context, plugin->id(), request.origin);
            }
            continue;
        }
        if (!plugin->ok()) {
            if (only != nullptr) {
                throw HostError(ErrorCode::PluginError, plugin->id() + " is not loaded: " + *plugin->error());
            }
            continue;
        }
        if (plugin->stuck()) {
            // Still inside the call abandoned earlier in this process: it cannot be asked again here.
            if (only != nullptr) {
                throw HostError(ErrorCode::TokenNotResponding, plugin->id() + ": " + plugin->tokenFault()->reason);
            }
            errors.push_back(leftOut(*plugin, ErrorCode::TokenNotResponding));
            continue;
        }
        if (only == nullptr && plugin->tokenFault()) {
            Logger::info(plugin->id() + " left out of the listing: " + plugin->tokenFault()->reason);
            errors.push_back(leftOut(*plugin, faultCode(*plugin->tokenFault())));
            continue;
        }
        TokenInventory inventory;
        try {
            if (only != nullptr) {
                // Named: tried under its deadline even after a fault; past it the host replies
                // TOKEN_NOT_RESPONDING and exits, as for any token call.
                inventory = context.certificates.inventory(*plugin, context.now);
                plugin->forgetTokenFault();
            } else if (auto tokens = plugin->listTokensOrAbandon()) {
                inventory = context.certificates.inventory(*plugin, *tokens, context.now);
            } else {
                errors.push_back(leftOut(*plugin, ErrorCode::TokenNotResponding));
                continue;
            }
        } catch (const PluginCallFailure& e) {
            const auto error = toHostError(e, *plugin);
            if (only != nullptr) {
                throw error;
            }
            Logger::warn(plugin->id() + ": list_tokens failed, skipped: " + e.what());
            errors.push_back(leftOut(*plugin, error.code()));
            continue;
        }
        // NO_TOKEN only when the caller asked for this vendor and it has no token.
        if (only != nullptr && inventory.tokenCount == 0) {
            auto details = helpDetails(*plugin, "reinsert");
            details["originTrusted"] = originTrusted;
            throw HostError(ErrorCode::NoToken, plugin->id() + " has no token", std::move(details));
        }
        const nlohmann::json help = vendorHelp(*plugin);
        const nlohmann::json pinRules = vendorPinRules(*plugin);
        for (auto& entry : inventory.certificates) {
            if (suitsPurpose(entry.facts, purpose)) {
                entry.certInfo["vendorName"] = plugin->name();
                entry.certInfo["help"] = help;
                entry.certInfo["pinRules"] = pinRules;
                certificates.add(std::move(entry.certInfo));
            }
        }
    }
    return std::move(certificates).result(std::move(errors));
}

}  // namespace cabridge
