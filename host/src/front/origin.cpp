#include "origin.h"

namespace cabridge {
namespace {

bool isLowerDnsChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

bool isValidHost(std::string_view host)
{
    if (host.empty() || host.size() > 253) {
        return false;
    }
    if (host.front() == '[') {
        if (host.size() < 4 || host.back() != ']') {
            return false;
        }
        for (const char c : host.substr(1, host.size() - 2)) {
            const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
    if (host.front() == '.' || host.front() == '-' || host.back() == '-') {
        return false;
    }
    char prev = 0;
    for (const char c : host) {
        if (!isLowerDnsChar(c) || (c == '.' && prev == '.')) {
            return false;
        }
        prev = c;
    }
    return true;
}

bool isValidPort(std::string_view port)
{
    if (port.empty() || port.size() > 5 || port.front() == '0') {
        return false;
    }
    unsigned value = 0;
    for (const char c : port) {
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value >= 1 && value <= 65535;
}

}  // namespace

std::string Origin::toString() const
{
    return scheme + "://" + host + (port.empty() ? "" : ":" + port);
}

std::optional<Origin> parseOrigin(std::string_view text)
{
    if (text.size() > 255) {
        return std::nullopt;
    }
    Origin origin;
    std::string_view rest;
    if (text.starts_with("https://")) {
        origin.scheme = "https";
        rest = text.substr(8);
    } else if (text.starts_with("http://")) {
        origin.scheme = "http";
        rest = text.substr(7);
    } else {
        return std::nullopt;
    }
    // Split host and port; a bracketed IPv6 literal may itself contain ':'.
    std::string_view host = rest;
    std::string_view port;
    const std::size_t close = rest.rfind(']');
    const std::size_t colon = rest.rfind(':');
    if (colon != std::string_view::npos && (close == std::string_view::npos || colon > close)) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
        if (!isValidPort(port)) {
            return std::nullopt;
        }
    }
    if (!isValidHost(host)) {
        return std::nullopt;
    }
    origin.host = std::string(host);
    origin.port = std::string(port);
    return origin;
}

bool isLoopbackHost(const Origin& origin)
{
    return origin.host == "localhost" || origin.host == "127.0.0.1";
}

}  // namespace cabridge
