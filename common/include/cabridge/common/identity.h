// The identity a Chinese certificate carries (docs/protocol.md section 3.3, CertInfo.identity),
// read from a DER certificate. Pure functions; hostile input (truncated DER,
// huge or mistyped values) yields an empty or partial identity, never a crash.
#pragma once

#include <nlohmann/json.hpp>
#include <openssl/x509.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace cabridge {

// HeBCA's unique-id extension (values like "2@6021SF0" + an 18-character credit code). The one
// definition in code: the shipped hebca.json names it as data (uniqueIdOid) for the plugin, the
// verifier reads it from here, and a test keeps the two equal.
inline constexpr const char *kHebcaUniqueIdOid = "1.2.156.112586.1.4";

struct CertificateIdentity {
    std::optional<std::string> unifiedSocialCreditCode;
    bool uscValid = false;                     // meaningful only with a credit code
    std::optional<std::string> idNumber;       // only a valid GB 11643 number
    std::optional<std::string> vendorUniqueId; // only when a vendor OID is given
};

// Where the credit code is looked for, in order:
//   extensions 1.2.156.10260.4.4, 1.2.156.10260.4.1.4, then any 1.2.86.11.7.x;
//   subject OU; subject serialNumber; then any 18-character run in the subject
//   or extensions that passes the GB 32100 check (an unchecked run that far
//   from its proper place is too likely to be something else).
// The first three places accept a code even if its check fails (uscValid=false).
// The ID number comes from extension 1.2.156.10260.4.1.1, else from a subject
// serialNumber that passes GB 11643 but not GB 32100: some CAs put a person's
// ID number there, and 18 digits fit the credit code alphabet too, so it is
// not taken as a (failing) credit code.
// `vendorUniqueIdOid` names the extension holding a vendor's unique id
// (HeBCA: kHebcaUniqueIdOid); empty for none.
CertificateIdentity extractIdentity(std::span<const std::uint8_t> der, const std::string &vendorUniqueIdOid = {});

// The same for a certificate already parsed.
CertificateIdentity extractIdentity(const X509 &cert, const std::string &vendorUniqueIdOid = {});

// {"unifiedSocialCreditCode", "uscValid", "idNumber", "vendorUniqueId"}, only
// the keys that were found.
nlohmann::json identityToJson(const CertificateIdentity &identity);

// The text inside an extension value: the bytes of an ASN.1 string type
// (UTF8String, PrintableString, IA5String, OCTET STRING, ...) when the value
// is one, else the raw bytes. Capped at `maxBytes`. Exposed for tests.
std::string extensionText(std::span<const std::uint8_t> value, std::size_t maxBytes = 1024);

} // namespace cabridge
