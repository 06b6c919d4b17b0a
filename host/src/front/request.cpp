#include "request.h"

#include "origin.h"
#include "utf8.h"

namespace cabridge {

Request parseRequest(std::string_view raw, nlohmann::json& idOut)
{
    idOut = nullptr;
    if (!isValidUtf8(raw)) {
        throw HostError(ErrorCode::InvalidMessage, "message is not valid UTF-8");
    }
    auto json = nlohmann::json::parse(raw, nullptr, false);
    if (json.is_discarded()) {
        throw HostError(ErrorCode::InvalidMessage, "message is not valid JSON");
    }
    if (!json.is_object()) {
        throw HostError(ErrorCode::InvalidMessage, "message is not a JSON object");
    }
    const auto id = json.find("id");
    if (id == json.end() || !(id->is_string() || id->is_number())) {
        throw HostError(ErrorCode::InvalidMessage, "\"id\" missing or not a string or number");
    }
    idOut = *id;
    Request request;
    request.id = *id;
    const auto command = json.find("command");
    if (command == json.end() || !command->is_string()) {
        throw HostError(ErrorCode::InvalidMessage, "\"command\" missing or not a string", {{"key", "command"}});
    }
    request.command = command->get<std::string>();
    const auto origin = json.find("origin");
    if (origin == json.end() || !origin->is_string()) {
        throw HostError(ErrorCode::InvalidArgument, "\"origin\" missing or not a string", {{"key", "origin"}});
    }
    if (!parseOrigin(origin->get<std::string>())) {
        throw HostError(ErrorCode::InvalidArgument, "\"origin\" is not scheme://host[:port]", {{"key", "origin"}});
    }
    request.origin = origin->get<std::string>();
    const auto arguments = json.find("arguments");
    if (arguments != json.end()) {
        if (!arguments->is_object()) {
            throw HostError(ErrorCode::InvalidArgument, "\"arguments\" is not an object", {{"key", "arguments"}});
        }
        request.arguments = std::move(*arguments);
    }
    return request;
}

void requireOnlyKeys(const nlohmann::json& arguments, std::initializer_list<std::string_view> allowed)
{
    for (const auto& [key, value] : arguments.items()) {
        bool known = false;
        for (const auto name : allowed) {
            known = known || key == name;
        }
        if (!known) {
            throw HostError(ErrorCode::InvalidArgument, "unknown argument \"" + key + "\"", {{"key", key}});
        }
    }
}

std::optional<std::string> optionalStringArgument(const nlohmann::json& arguments, std::string_view key)
{
    const auto it = arguments.find(std::string(key));
    if (it == arguments.end()) {
        return std::nullopt;
    }
    if (!it->is_string()) {
        throw HostError(ErrorCode::InvalidArgument, "argument \"" + std::string(key) + "\" must be a string",
                        {{"key", key}});
    }
    return it->get<std::string>();
}

std::string requiredStringArgument(const nlohmann::json& arguments, std::string_view key)
{
    auto value = optionalStringArgument(arguments, key);
    if (!value) {
        throw HostError(ErrorCode::InvalidArgument, "argument \"" + std::string(key) + "\" is missing", {{"key", key}});
    }
    return std::move(*value);
}

}  // namespace cabridge
