// Which tokens of a PKCS#11 module belong to one vendor, by token label.
// SoftHSM, p11-kit proxies and some middleware serve several CAs' tokens
// through one module; "tokenLabels" keeps each vendor plugin to its own.
#pragma once

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

namespace cabridge::generic {

class TokenFilter {
public:
    // Empty `labels` admits every token.
    explicit TokenFilter(const std::vector<std::string> &labels);

    bool admitsAll() const noexcept { return labels_.empty(); }
    bool admitsLabel(const std::string &label) const;

    // The entries of a plugin.h list_tokens array whose "label" is admitted.
    nlohmann::json apply(const nlohmann::json &tokens) const;

private:
    std::set<std::string> labels_;
};

} // namespace cabridge::generic
