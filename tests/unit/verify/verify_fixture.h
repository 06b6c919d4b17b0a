// A test PKI (root -> intermediate -> end entities) and AuthToken builder shared by the tests.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "cabridge/verify.h"
#include "test_signing.h"

namespace cabridge::verify::test {

inline constexpr const char* kOriginA = "https://si.hebei.example.gov.cn";
inline constexpr const char* kOriginB = "https://evil.example.com";

struct EndEntity {
  EvpPkeyPtr key;
  X509Ptr cert;
};

// Keys and certificates are made once per process (RSA keygen is slow) and shared read-only.
struct TestPki {
  EvpPkeyPtr root_key, intermediate_key, other_root_key;
  X509Ptr root, intermediate, other_root;
  std::map<std::string, EndEntity> entities;  // "rsa", "ec256", "ec384", "rsa2", "expired", ...
  static const TestPki& get();

  CertificateSet trusted_roots() const;  // root only
  CertificateSet intermediates() const;  // intermediate only
};

// A valid signed token for `entity`, as a JSON object so tests can tamper with it.
nlohmann::json make_token(const EndEntity& entity, const char* algorithm, std::string_view origin,
                          const Bytes& challenge, const char* mode = nullptr);

}  // namespace cabridge::verify::test
