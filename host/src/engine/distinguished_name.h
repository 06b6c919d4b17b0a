// A subject given as RFC 2253 text ("CN=张三,O=某公司,C=CN"), turned into an X509_NAME for a
// certification request (generate-key, docs/protocol.md).
#pragma once

#include <openssl/x509.h>

#include <memory>
#include <string_view>

namespace cabridge {

struct X509NameDeleter {
    void operator()(X509_NAME* name) const noexcept { X509_NAME_free(name); }
};
using X509NamePtr = std::unique_ptr<X509_NAME, X509NameDeleter>;

// Parses RFC 2253 text: RDNs separated by "," (or ";"), multi-valued RDNs joined by "+",
// attribute types as OpenSSL's short or long names (CN, O, OU, C, ST, L, serialNumber,
// emailAddress, ...) or dotted OIDs, values UTF-8 with the RFC's escapes ("\,", "\+", "\"",
// "\\", "\<", "\>", "\;", "\=", "\#", "\ " and "\XX" hex bytes) or in double quotes. The first
// RDN of the text is the most specific one, so it becomes the last RDN of the Name (RFC 2253
// section 2.1). Values are stored as UTF8String, except where X.520 fixes another type
// (countryName: PrintableString of 2 letters). "#hex" (BER) values are refused: a CA asks for
// text. Throws HostError INVALID_ARGUMENT (details.key "subject", details.reason) for anything
// else: empty text, an empty value, an unknown type, broken escapes or UTF-8, a value OpenSSL
// refuses for its type, more than 64 attributes or 4096 bytes.
X509NamePtr parseDistinguishedName(std::string_view text);

}  // namespace cabridge
