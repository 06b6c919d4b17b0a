// Chinese identity fields in a certificate: unified social credit code (GB 32100-2015),
// resident ID number and HeBCA's unique id. Self-contained copy for the verifier; the plugins
// have their own in plugins/common (to be merged).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <openssl/x509.h>

#include "cabridge/verify.h"

namespace cabridge::verify::detail {

inline constexpr std::string_view kOidCreditCode = "1.2.156.10260.4.4";
inline constexpr std::string_view kOidOrganisationOrCreditCode = "1.2.156.10260.4.1.4";
inline constexpr std::string_view kOidIdNumber = "1.2.156.10260.4.1.1";
inline constexpr std::string_view kOidHebcaUniqueId = "1.2.156.112586.1.4";

// 18 characters over GB 32100's alphabet (says nothing about the check character).
bool looks_like_credit_code(std::string_view text) noexcept;
// GB 32100 check character correct (implies looks_like_credit_code).
bool credit_code_check_valid(std::string_view code) noexcept;
// GB 11643 resident ID number: 17 digits + check digit/X, check correct.
bool id_number_check_valid(std::string_view id) noexcept;

// The text in extension `oid` (a DER string type, or raw printable bytes), trimmed.
std::optional<std::string> extension_text(const X509* cert, std::string_view oid);

// Credit code from, in order: extension 1.2.156.10260.4.4, extension 1.2.156.10260.4.1.4,
// subject OU, subject serialNumber (the first that holds a code-shaped value; within OU the
// code may be one word among others). ID number from extension 1.2.156.10260.4.1.1.
CertificateIdentity extract_identity(const X509* cert);

}  // namespace cabridge::verify::detail
