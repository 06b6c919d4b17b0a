// Where the certificates of a CertInfo.id are: every listing of this process
// (list-certificates or a full search) notes which plugin and token each id was
// on, so a later `authenticate` on the same connection reads that one token again
// (plugin list_token) instead of every token of every plugin. The note only says
// where to look: the certificate is always read from the token again and must hash
// to the same id, and when it is not there the search falls back to all tokens. A
// remembered certificate found nowhere is looked for once more at its place after a short
// pause (a token being rewritten by another process looks empty for a moment).
#pragma once

#include "plugin_registry.h"
#include "token_inventory.h"

#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>

namespace cabridge {

class CertificateFinder {
public:
    // The full inventory of `plugin` (identities included), noting each id's place.
    // Throws PluginCallError when list_tokens fails.
    TokenInventory inventory(Plugin& plugin, std::chrono::system_clock::time_point now);

    // The certificate with CertInfo.id `id` on a loaded plugin, without identity,
    // or nullopt. Plugins whose listing fails are logged and skipped.
    std::optional<CertificateEntry> find(PluginRegistry& registry, const std::string& id,
                                         std::chrono::system_clock::time_point now);

private:
    struct Place {
        Plugin* plugin = nullptr;
        std::string tokenRef;
    };
    void note(const TokenInventory& inventory);
    std::optional<CertificateEntry> findAt(const Place& place, const std::string& id,
                                           std::chrono::system_clock::time_point now);

    static constexpr std::size_t kMaxPlaces = 1024;
    static constexpr std::chrono::milliseconds kVanishedRetryPause {50};
    std::unordered_map<std::string, Place> places_;
    CertificateFactsCache facts_;
};

}  // namespace cabridge
