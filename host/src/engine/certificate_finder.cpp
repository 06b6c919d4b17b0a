#include "certificate_finder.h"

#include "logger.h"

#include <cabridge/common/encoding.h>

#include <algorithm>
#include <thread>

namespace cabridge {

void CertificateFinder::remember(const CertificateEntry& entry)
{
    if (entry.plugin == nullptr || !entry.plugin->checksCertificates()) {
        return;
    }
    const auto sha256 = hexDecode(entry.facts.sha256Hex);
    if (!sha256 || sha256->size() != 32) {
        return;
    }
    Kept kept;
    std::copy(sha256->begin(), sha256->end(), kept.sha256.begin());
    kept.entry.plugin = entry.plugin;
    kept.entry.tokenRef = entry.tokenRef;
    kept.entry.tokenSerial = entry.tokenSerial;
    kept.entry.certRef = entry.certRef;
    kept.entry.token = entry.token;
    // authenticate reads the key type, curve and validity of the facts, and the
    // certificate of the CertInfo; the rest (subject, identity) is not kept.
    kept.entry.facts = entry.facts;
    kept.entry.facts.info = nlohmann::json::object();
    kept.entry.certInfo = {{"id", entry.certInfo["id"]}, {"certificate", entry.certInfo["certificate"]}};
    if (remembered_.size() >= kMaxRemembered) {
        remembered_.clear();
    }
    remembered_[entry.certInfo["id"].get<std::string>()] = std::move(kept);
}

void CertificateFinder::note(const TokenInventory& inventory)
{
    for (const auto& entry : inventory.certificates) {
        if (places_.size() >= kMaxPlaces) {
            places_.clear();
        }
        places_[entry.certInfo["id"].get<std::string>()] = Place {entry.plugin, entry.tokenRef};
        remember(entry);
    }
}

std::optional<CertificateEntry> CertificateFinder::findChecked(const std::string& id,
                                                               std::chrono::system_clock::time_point now,
                                                               Remembered remembered)
{
    const auto it = remembered_.find(id);
    if (it == remembered_.end()) {
        return std::nullopt;
    }
    const Kept& kept = it->second;
    if (remembered == Remembered::Trust && kept.entry.plugin->authenticatesInOneCall()) {
        CertificateEntry entry = kept.entry;
        entry.unchecked = true;
        updateValidity(entry.facts, now);
        return entry;
    }
    try {
        if (kept.entry.plugin->checkCertificate(kept.entry.tokenRef, kept.entry.certRef, kept.sha256)) {
            CertificateEntry entry = kept.entry;
            updateValidity(entry.facts, now);
            return entry;
        }
    } catch (const PluginCallFailure& e) {
        Logger::warn(kept.entry.plugin->id() + ": check_certificate failed: " + e.what());
    }
    remembered_.erase(it);  // read from the token again below, and kept again if found
    return std::nullopt;
}

TokenInventory CertificateFinder::inventory(LoadedPlugin& plugin, std::chrono::system_clock::time_point now)
{
    auto inventory = inventoryOf(plugin, now, facts_);
    note(inventory);
    return inventory;
}

TokenInventory CertificateFinder::inventory(LoadedPlugin& plugin, const nlohmann::json& tokens,
                                            std::chrono::system_clock::time_point now)
{
    auto inventory = inventoryFrom(plugin, tokens, now, facts_);
    note(inventory);
    return inventory;
}

std::optional<CertificateEntry> CertificateFinder::findAt(const Place& place, const std::string& id,
                                                          std::chrono::system_clock::time_point now)
{
    try {
        const auto tokens = place.plugin->listToken(place.tokenRef);
        if (!tokens) {
            return std::nullopt;  // the plugin has no list_token
        }
        auto inventory = inventoryFrom(*place.plugin, *tokens, now, facts_, {.onlyId = id, .identify = false});
        if (!inventory.certificates.empty()) {
            remember(inventory.certificates.front());
            CertificateEntry found = std::move(inventory.certificates.front());
            return found;
        }
    } catch (const PluginCallFailure& e) {
        Logger::warn(place.plugin->id() + ": list_token failed while looking for a certificate: " + e.what());
    }
    return std::nullopt;
}

std::optional<CertificateEntry> CertificateFinder::find(PluginRegistry& registry, const std::string& id,
                                                        std::chrono::system_clock::time_point now, Remembered kept)
{
    if (auto entry = findChecked(id, now, kept)) {
        return entry;
    }
    std::optional<Place> remembered;
    if (const auto it = places_.find(id); it != places_.end()) {
        if (auto entry = findAt(it->second, id, now)) {
            return entry;
        }
        remembered = it->second;
        places_.erase(it);  // noted again below if another listing finds it
    }
    for (const auto& plugin : registry.plugins()) {
        if (!plugin->ok() || plugin->stuck() || plugin->tokenFault()) {
            continue;
        }
        try {
            auto inventory = inventoryOf(*plugin, now, facts_, {.onlyId = id, .identify = false});
            if (!inventory.certificates.empty()) {
                note(inventory);
                CertificateEntry found = std::move(inventory.certificates.front());
                return found;
            }
        } catch (const PluginCallFailure& e) {
            Logger::warn(plugin->id() + ": list_tokens failed while looking for a certificate: " + e.what());
        }
    }
    if (remembered) {
        // Seen on this connection and now gone everywhere: while another process logs in on the
        // same key, SoftHSM (and some vendor middleware) shows the token without its objects for a
        // few milliseconds as it rewrites them. Look once more before saying it is not there.
        std::this_thread::sleep_for(kVanishedRetryPause);
        if (auto entry = findAt(*remembered, id, now)) {
            places_[id] = *remembered;
            return entry;
        }
    }
    return std::nullopt;
}

}  // namespace cabridge
