// Where the certificates of a CertInfo.id are: every listing of this process
// (list-certificates or a full search) notes which plugin and token each id was
// on, so a later `authenticate` on the same connection reads that one token again
// (plugin list_token) instead of every token of every plugin. The note only says
// where to look: the certificate is always read from the token again and must hash
// to the same id, and when it is not there the search falls back to all tokens. A
// remembered certificate found nowhere is looked for once more at its place after a short
// pause (a token being rewritten by another process looks empty for a moment).
//
// For a plugin that offers check_certificate (plugin.h) the finder also keeps, per
// connection, the entry it last read for each certificate (the facts `authenticate`
// needs; validity recomputed from the clock on every use) and the SHA-256 of its DER.
// find() then asks the plugin to check live, before any login, that the token is
// present and still holds that exact certificate under the same reference, instead of
// reading the whole token again (list_token) and parsing its JSON. Anything but "it is
// there" drops the kept entry and falls back to the search above, vanished-certificate
// retry included. For a plugin that authenticates in one call (plugin.h authenticate), which
// checks the certificate on the token itself before the PIN is tried, `authenticate` may take
// the kept entry without that check (Remembered::Trust), and asks for it (Remembered::Check)
// only when a check of its own refuses the entry or the plugin's call does not find it.
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
    // Throws PluginCallFailure when list_tokens fails.
    TokenInventory inventory(LoadedPlugin& plugin, std::chrono::system_clock::time_point now);
    // The same from `tokens`, what the plugin's list_tokens already returned.
    TokenInventory inventory(LoadedPlugin& plugin, const nlohmann::json& tokens,
                             std::chrono::system_clock::time_point now);

    // The certificate with CertInfo.id `id` on a loaded plugin, without identity,
    // or nullopt. Plugins whose listing fails are logged and skipped; so are plugins with a
    // token fault (LoadedPlugin::tokenFault), which only a request naming them calls. A certificate
    // found through check_certificate carries a CertInfo reduced to id and certificate
    // (all `authenticate` reads), and its entry's `token` is the one last listed.
    // How a certificate kept for this connection is used when its plugin authenticates in one
    // call (LoadedPlugin::authenticatesInOneCall), which checks the certificate itself first:
    // Trust returns the kept entry without asking the token (CertificateEntry::unchecked);
    // Check asks check_certificate as for any other plugin.
    enum class Remembered { Trust, Check };
    std::optional<CertificateEntry> find(PluginRegistry& registry, const std::string& id,
                                         std::chrono::system_clock::time_point now,
                                         Remembered kept = Remembered::Check);

private:
    struct Place {
        LoadedPlugin* plugin = nullptr;
        std::string tokenRef;
    };
    void note(const TokenInventory& inventory);
    std::optional<CertificateEntry> findAt(const Place& place, const std::string& id,
                                           std::chrono::system_clock::time_point now);

    // A certificate seen on this connection whose plugin offers check_certificate: the
    // entry as last read from its token and the SHA-256 of its DER. Implicit move
    // constructor: see CertificateFacts (clang-tidy 14 false positive).
    // NOLINTNEXTLINE(bugprone-exception-escape)
    struct Kept {
        CertificateEntry entry;
        std::array<std::uint8_t, 32> sha256 {};
    };
    void remember(const CertificateEntry& entry);
    // The kept entry of `id` (validity for `now`) when its plugin checks live that the
    // token still holds it; nullopt (and the entry dropped) otherwise.
    std::optional<CertificateEntry> findChecked(const std::string& id, std::chrono::system_clock::time_point now,
                                                Remembered remembered);

    static constexpr std::size_t kMaxPlaces = 1024;
    static constexpr std::chrono::milliseconds kVanishedRetryPause {50};
    // A remembered entry holds the base64 DER (at most about 43 KiB): 64 of them stay
    // under 3 MiB even with hostile certificates.
    static constexpr std::size_t kMaxRemembered = 64;
    std::unordered_map<std::string, Kept> remembered_;
    std::unordered_map<std::string, Place> places_;
    CertificateFactsCache facts_;
};

}  // namespace cabridge
