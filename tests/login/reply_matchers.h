// Small readers for host replies, so a failed expectation prints the whole reply.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace cabridge::logintest {

inline std::string errorCodeOf(const nlohmann::json& reply)
{
    if (!reply.contains("error") || !reply["error"].is_object()) return "(no error: " + reply.dump() + ")";
    return reply["error"].value("code", "(no code)");
}

inline std::string helpTextOf(const nlohmann::json& reply)
{
    const auto& details = reply["error"]["details"];
    if (!details.is_object() || !details.contains("help") || !details["help"].is_object()) return "";
    return details["help"].value("text", "");
}

}  // namespace cabridge::logintest
