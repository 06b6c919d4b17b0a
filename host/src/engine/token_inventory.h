// The certificates on the tokens a plugin sees now, each with its CertInfo
// (docs/protocol.md section 3.3) and the plugin's references needed to sign with it.
#pragma once

#include "cert_info.h"
#include "loaded_plugin.h"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cabridge {

// A person's certificate is 1 to 4 KiB (RSA-2048 or SM2 with the Chinese identity
// extensions); 32 KiB is eight times the largest we know of. Anything bigger is not a
// person's certificate, and keeping the bound low means one CertInfo (base64 DER plus
// the subject printed twice, about 3.4 times the DER) stays near 110 KiB, so at least
// nine certificates always fit the 1 MiB reply of list-certificates.
inline constexpr std::size_t kMaxCertificateDerBytes = std::size_t {32} * 1024;

// Implicit move constructor: see CertificateFacts (clang-tidy 14 false positive).
// NOLINTNEXTLINE(bugprone-exception-escape)
struct CertificateEntry {
    LoadedPlugin* plugin = nullptr;
    std::string tokenRef;
    std::string tokenSerial;
    std::string certRef;
    nlohmann::json token;  // CertInfo.token
    CertificateFacts facts;
    nlohmann::json certInfo;  // the full CertInfo (identity only when asked for)
    // Taken from this connection's memory without asking the token (certificate_finder.h): the
    // plugin's authenticate checks it on the token before the PIN is tried.
    bool unchecked = false;
};

struct TokenInventory {
    std::size_t tokenCount = 0;
    std::vector<CertificateEntry> certificates;
};

// Parsed certificates of this process by the SHA-256 of their DER. The same
// bytes always parse to the same facts, so a certificate seen again (the same
// key on a later request of one connection) is not decoded again; only the
// clock-dependent fields are recomputed. Nothing about tokens is kept here.
class CertificateFactsCache {
public:
    // describeCertificate(der, now), from the cache when `sha256Hex` (the DER's
    // hash) was parsed before. Throws CertificateParseError like it.
    CertificateFacts factsFor(std::span<const std::uint8_t> der, const std::string& sha256Hex,
                              std::chrono::system_clock::time_point now);

private:
    static constexpr std::size_t kMaxEntries = 256;  // a flood of distinct certificates stays bounded
    std::unordered_map<std::string, CertificateFacts> bySha256_;
};

struct InventoryOptions {
    // Only the certificate whose CertInfo.id this is gets parsed (ids come from
    // the DER hash alone), so looking one up costs one parse, not one per certificate.
    std::optional<std::string_view> onlyId;
    // Ask the plugin for each certificate's identity (CertInfo.identity); off
    // where nobody reads it (authenticate).
    bool identify = true;
};

// Turns a plugin.h list_tokens array from `plugin` into entries. A certificate
// that does not parse or is larger than kMaxCertificateDerBytes, or a malformed
// token entry, is skipped and logged; so is a failing identify (the identity is
// then empty).
TokenInventory inventoryFrom(LoadedPlugin& plugin, const nlohmann::json& tokens,
                             std::chrono::system_clock::time_point now, CertificateFactsCache& facts,
                             const InventoryOptions& options = {});

// inventoryFrom(plugin.listTokens(), ...). Throws PluginCallFailure when
// list_tokens itself fails.
TokenInventory inventoryOf(LoadedPlugin& plugin, std::chrono::system_clock::time_point now,
                           CertificateFactsCache& facts, const InventoryOptions& options = {});

}  // namespace cabridge
