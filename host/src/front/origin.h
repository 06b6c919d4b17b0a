// Web origins as the browser reports them: "<scheme>://<host>[:<port>]".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cabridge {

struct Origin {
    std::string scheme;  // "http" or "https"
    std::string host;    // lowercase name, IPv4 dotted quad, or "[...]" IPv6 literal
    std::string port;    // digits, empty when absent

    std::string toString() const;
};

// Parses an origin in the browser's serialized form. Accepts only lowercase
// http/https, a lowercase host (DNS name, IPv4 or bracketed IPv6), an optional
// decimal port 1..65535, total <= 255 characters; no userinfo, path ("/"),
// query or fragment. Returns nullopt for anything else.
std::optional<Origin> parseOrigin(std::string_view text);

// http://localhost and http://127.0.0.1 (any port) are treated like https.
bool isLoopbackHost(const Origin& origin);

}  // namespace cabridge
