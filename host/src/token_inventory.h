// The certificates on the tokens a plugin sees now, each with its CertInfo
// (PROTOCOL.md) and the plugin's references needed to sign with it.
#pragma once

#include "cert_info.h"
#include "plugin.h"

#include <chrono>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

namespace cabridge {

// Implicit move constructor: see CertificateFacts (clang-tidy 14 false positive).
// NOLINTNEXTLINE(bugprone-exception-escape)
struct CertificateEntry {
    Plugin* plugin = nullptr;
    std::string tokenRef;
    std::string tokenSerial;
    std::string certRef;
    nlohmann::json token;  // CertInfo.token
    CertificateFacts facts;
    nlohmann::json certInfo;  // the full CertInfo
};

struct TokenInventory {
    std::size_t tokenCount = 0;
    std::vector<CertificateEntry> certificates;
};

// Calls list_tokens (and identify per certificate) on `plugin`. A certificate
// that does not parse, or a malformed token entry, is skipped and logged.
// With `onlyId`, only the certificate whose CertInfo.id it is gets parsed and
// identified (ids come from the DER hash alone), so looking one up costs one
// parse instead of one per certificate on every token.
// Throws PluginCallError when list_tokens itself fails.
TokenInventory inventoryOf(Plugin& plugin, std::chrono::system_clock::time_point now,
                           std::optional<std::string_view> onlyId = std::nullopt);

}  // namespace cabridge
