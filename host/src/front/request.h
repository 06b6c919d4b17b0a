// Request validation (docs/protocol.md section 2): turns the raw bytes of one frame
// into a Request, or throws HostError with the right code.
#pragma once

#include "error.h"

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace cabridge {

struct Request {
    nlohmann::json id;  // string or number
    std::string command;
    std::string origin;  // syntactically valid (parseOrigin)
    nlohmann::json arguments = nlohmann::json::object();
};

// Checks, in order: UTF-8 (INVALID_MESSAGE), JSON (INVALID_MESSAGE), an object
// (INVALID_MESSAGE), "id" a string or number (INVALID_MESSAGE, id null),
// "command" a string (INVALID_MESSAGE), "origin" a valid origin
// (INVALID_ARGUMENT), "arguments" absent or an object (INVALID_ARGUMENT).
// `idOut` receives the id as soon as it is known, so a later failure can echo it.
// Whether the command exists is the controller's business.
Request parseRequest(std::string_view raw, nlohmann::json& idOut);

// Argument helpers for command handlers; each failure is INVALID_ARGUMENT
// naming the offending key.
void requireOnlyKeys(const nlohmann::json& arguments, std::initializer_list<std::string_view> allowed);
std::optional<std::string> optionalStringArgument(const nlohmann::json& arguments, std::string_view key);
std::string requiredStringArgument(const nlohmann::json& arguments, std::string_view key);

}  // namespace cabridge
