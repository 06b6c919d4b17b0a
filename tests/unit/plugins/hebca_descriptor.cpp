#include "hebca_descriptor.h"

#include <fstream>
#include <stdexcept>

namespace cabridge::test {

nlohmann::json shippedHebcaConfig() {
    std::ifstream in(CABRIDGE_SHIPPED_HEBCA_DESCRIPTOR);
    if (!in)
        throw std::runtime_error("cannot read " CABRIDGE_SHIPPED_HEBCA_DESCRIPTOR);
    return nlohmann::json::parse(in).at("config");
}

nlohmann::json shippedHebcaConfigWith(const nlohmann::json &replacements) {
    nlohmann::json config = shippedHebcaConfig();
    for (const auto &[key, value] : replacements.items())
        config[key] = value;
    return config;
}

} // namespace cabridge::test
