// The SKF plugin's configuration: everything that makes it one vendor's SKF middleware comes
// from the descriptor's "config" object (docs/plugins.md). Required: "id", "name", "libraries".
// Unknown keys are refused so an administrator's typo fails loudly.
#pragma once

#include <cabridge/support/config_fields.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cabridge::skf {

// Which numbering of the SM2 algorithm identifiers the vendor's headers use (plugins/include/
// cabridge/skf.h): "A" SGD_SM2_1 (SM2 signature) = 0x00020200, "B" SGD_SM2_1 = 0x00020100.
enum class AlgorithmIdFamily { A, B };

// The vendor library's own online-unlock calls (not in GM/T 0016), by symbol name:
//   ULONG challenge(HAPPLICATION, BYTE *challenge, ULONG *len)       size-query convention
//   ULONG response(HAPPLICATION, BYTE *response, ULONG len, LPSTR newUserPin, ULONG *retry)
// `retry` receives the tries of refused responses left (docs/plugins.md "Online unlock").
struct OnlineUnlockCalls {
    std::string challenge;
    std::string response;
};

struct SkfConfig {
    std::string id;                     // must equal the descriptor's id
    std::string name;                   // display name
    std::vector<std::string> libraries; // candidate SKF libraries, first existing wins
    int ulongBits = 32;                 // the library's ULONG width: 32 or 64
    AlgorithmIdFamily algorithmIds = AlgorithmIdFamily::A;
    std::vector<std::string> applications;     // only these application names (empty: all)
    std::string signerId = "1234567812345678"; // SM2 signer ID (ASCII, 1..64 bytes)
    std::vector<std::string> origins;
    std::vector<std::string> legacyOrigins;
    // CA enrolment (describe "enrollOrigins", "enrollCAs"), handed to the host as they are.
    std::vector<std::string> enrollOrigins;
    std::vector<std::string> enrollCAs;
    DeclaredPinRules pin;
    nlohmann::json help = nlohmann::json::object();
    std::string uniqueIdOid; // vendor unique-id extension (identity profile "cn-org"), empty: none
    std::optional<OnlineUnlockCalls> onlineUnlock; // absent: the vendor's keys do not unlock online
};

// Parses the config; throws PluginFailure(CABRIDGE_ERR_INVALID_CONFIG) naming the offending key.
SkfConfig parseSkfConfig(const nlohmann::json &config);

// The SM2 signature identifier of `family` (for DEVINFO.AlgAsymCap).
std::uint32_t sm2SignatureAlgId(AlgorithmIdFamily family) noexcept;

} // namespace cabridge::skf
