// Where the certificates of a CertInfo.id are: every listing of this process
// (list-certificates or a full search) notes which plugin and token each id was
// on, so a later `authenticate` on the same connection reads that one token again
// (plugin list_token) instead of every token of every plugin. The note only says
// where to look: the certificate is always read from the token again and must hash
// to the same id, and when it is not there the search falls back to all tokens. A
// remembered certificate found nowhere is looked for once more at its place after a short
// pause (a token being rewritten by another process looks empty for a moment).
//
// For `authenticate` with a plugin that offers sign_certificate (plugin.h) the finder
// also keeps what it learned about the certificate (the facts `authenticate` needs,
// validity recomputed from the clock), so that request need not read the token
// before logging in: the plugin checks in the logged-in session that the token still
// holds the certificate (same CKA_ID, same DER hash) before it signs.
#pragma once

#include "plugin_registry.h"
#include "token_inventory.h"

#include <array>
#include <chrono>
#include <cstdint>
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

    // A certificate seen on this connection whose plugin offers sign_certificate: the
    // entry as last read from its token (CertInfo reduced to id and certificate,
    // validity recomputed for `now`) and the SHA-256 of its DER. Reads no token.
    struct Remembered {
        CertificateEntry entry;
        std::array<std::uint8_t, 32> sha256 {};
    };
    std::optional<Remembered> remembered(const std::string& id, std::chrono::system_clock::time_point now) const;

    // Drops everything noted about `id` (its place and its remembered entry): the next
    // find() searches every plugin.
    void forget(const std::string& id);

private:
    struct Place {
        Plugin* plugin = nullptr;
        std::string tokenRef;
    };
    void note(const TokenInventory& inventory);
    std::optional<CertificateEntry> findAt(const Place& place, const std::string& id,
                                           std::chrono::system_clock::time_point now);

    void remember(const CertificateEntry& entry);

    static constexpr std::size_t kMaxPlaces = 1024;
    static constexpr std::chrono::milliseconds kVanishedRetryPause {50};
    // A remembered entry holds the base64 DER (at most about 43 KiB): 64 of them stay
    // under 3 MiB even with hostile certificates.
    static constexpr std::size_t kMaxRemembered = 64;
    std::unordered_map<std::string, Remembered> remembered_;
    std::unordered_map<std::string, Place> places_;
    CertificateFactsCache facts_;
};

}  // namespace cabridge
