#include "token_filter.h"

namespace cabridge::generic {

TokenFilter::TokenFilter(const std::vector<std::string> &labels) : labels_(labels.begin(), labels.end()) {}

bool TokenFilter::admitsLabel(const std::string &label) const { return labels_.empty() || labels_.contains(label); }

nlohmann::json TokenFilter::apply(const nlohmann::json &tokens) const {
    if (admitsAll())
        return tokens;
    nlohmann::json out = nlohmann::json::array();
    for (const auto &token : tokens) {
        const auto label = token.find("label");
        if (label != token.end() && label->is_string() && admitsLabel(label->get<std::string>()))
            out.push_back(token);
    }
    return out;
}

} // namespace cabridge::generic
