// Reading the fields the verifier reports from an X.509 certificate.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <openssl/x509.h>

#include "cabridge/verify.h"

namespace cabridge::verify::detail {

// dn in RFC 2253 with UTF-8 left unescaped; the first CN/O/OU/C/ST/L each, as UTF-8.
DistinguishedName read_name(const X509_NAME* name);
// First entry of `nid` as UTF-8, if any.
std::optional<std::string> read_name_entry(const X509_NAME* name, int nid);
// Lowercase hex of the serial number's magnitude, no separators ("0" for zero).
std::string serial_hex(const X509* cert);
std::string sha256_hex(std::span<const std::uint8_t> der);
// "YYYY-MM-DDTHH:MM:SSZ"; empty if the time does not parse.
std::string iso8601_utc(const ASN1_TIME* time);

}  // namespace cabridge::verify::detail
