// The shipped HeBCA descriptor (plugins/pkcs11-generic/descriptors/hebca.json), for tests that
// run the generic PKCS#11 plugin as HeBCA is shipped, with only some settings replaced.
#pragma once

#include <nlohmann/json.hpp>

namespace cabridge::test {

// The descriptor's "config" object, as shipped.
nlohmann::json shippedHebcaConfig();

// The shipped config with each key of `replacements` put in place of the shipped value.
nlohmann::json shippedHebcaConfigWith(const nlohmann::json &replacements);

} // namespace cabridge::test
