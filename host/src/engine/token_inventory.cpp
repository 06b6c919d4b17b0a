#include "token_inventory.h"

#include <cabridge/common/encoding.h>
#include "logger.h"

namespace cabridge {
namespace {

std::string stringField(const nlohmann::json& object, const char* key)
{
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool boolField(const nlohmann::json& object, const char* key)
{
    const auto it = object.find(key);
    return it != object.end() && it->is_boolean() && it->get<bool>();
}

nlohmann::json tokenInfo(const nlohmann::json& token)
{
    nlohmann::json flags = nlohmann::json::object();
    if (const auto it = token.find("pinFlags"); it != token.end() && it->is_object()) {
        flags = *it;
    }
    nlohmann::json retries = nullptr;
    if (const auto it = token.find("retriesLeft");
        it != token.end() && it->is_number_integer() && it->get<long long>() >= 0) {
        retries = it->get<long long>();
    }
    return {{"label", stringField(token, "label")},
            {"serial", stringField(token, "serial")},
            {"manufacturer", stringField(token, "manufacturer")},
            {"model", stringField(token, "model")},
            {"pinFlags",
             {{"countLow", boolField(flags, "countLow")},
              {"finalTry", boolField(flags, "finalTry")},
              {"locked", boolField(flags, "locked")}}},
            {"retriesLeft", retries}};
}

}  // namespace

CertificateFacts CertificateFactsCache::factsFor(std::span<const std::uint8_t> der, const std::string& sha256Hex,
                                                 std::chrono::system_clock::time_point now)
{
    if (const auto it = bySha256_.find(sha256Hex); it != bySha256_.end()) {
        CertificateFacts facts = it->second;
        updateValidity(facts, now);
        return facts;
    }
    CertificateFacts facts = describeCertificate(der, now);
    if (bySha256_.size() >= kMaxEntries) {
        bySha256_.clear();
    }
    bySha256_.emplace(sha256Hex, facts);
    return facts;
}

TokenInventory inventoryFrom(LoadedPlugin& plugin, const nlohmann::json& tokens,
                             std::chrono::system_clock::time_point now, CertificateFactsCache& factsCache,
                             const InventoryOptions& options)
{
    TokenInventory inventory;
    for (const auto& token : tokens) {
        if (!token.is_object() || stringField(token, "ref").empty()) {
            Logger::warn(plugin.id() + ": list_tokens entry without \"ref\" skipped");
            continue;
        }
        ++inventory.tokenCount;
        const auto info = tokenInfo(token);
        const auto certs = token.find("certificates");
        if (certs == token.end() || !certs->is_array()) {
            continue;
        }
        for (const auto& cert : *certs) {
            if (!cert.is_object()) {
                continue;
            }
            const auto der = base64Decode(stringField(cert, "der"));
            if (!der || stringField(cert, "ref").empty()) {
                Logger::warn(plugin.id() + ": certificate without ref or base64 DER skipped");
                continue;
            }
            const std::string tokenSerial = info["serial"].get<std::string>();
            const std::string sha256Hex = certificateSha256Hex(*der);
            const std::string id = certificateId(plugin.id(), tokenSerial, sha256Hex);
            if (options.onlyId && *options.onlyId != id) {
                continue;
            }
            if (der->size() > kMaxCertificateDerBytes) {
                Logger::warn(plugin.id() + ": certificate \"" + stringField(cert, "label") +
                             "\" skipped: " + std::to_string(der->size()) + " bytes of DER, more than " +
                             std::to_string(kMaxCertificateDerBytes) + " for a person's certificate");
                continue;
            }
            CertificateEntry entry;
            try {
                entry.facts = factsCache.factsFor(*der, sha256Hex, now);
            } catch (const CertificateParseError& e) {
                Logger::warn(plugin.id() + ": certificate \"" + stringField(cert, "label") + "\" skipped: " + e.what());
                continue;
            }
            entry.plugin = &plugin;
            entry.tokenRef = stringField(token, "ref");
            entry.tokenSerial = tokenSerial;
            entry.certRef = stringField(cert, "ref");
            entry.token = info;
            nlohmann::json identity = nlohmann::json::object();
            if (options.identify) {
                try {
                    identity = plugin.identify(*der);
                } catch (const PluginCallFailure& e) {
                    Logger::warn(plugin.id() + ": identify failed: " + e.what());
                }
            }
            entry.certInfo = entry.facts.info;
            entry.certInfo["id"] = id;
            entry.certInfo["vendor"] = plugin.id();
            entry.certInfo["token"] = info;
            entry.certInfo["identity"] = certInfoIdentity(identity);
            inventory.certificates.push_back(std::move(entry));
        }
    }
    return inventory;
}

TokenInventory inventoryOf(LoadedPlugin& plugin, std::chrono::system_clock::time_point now,
                           CertificateFactsCache& facts, const InventoryOptions& options)
{
    return inventoryFrom(plugin, plugin.listTokens(), now, facts, options);
}

}  // namespace cabridge
