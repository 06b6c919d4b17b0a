#include <cabridge/common/identity.h>
#include <cabridge/common/openssl_ptr.h>
#include <cabridge/common/identity_codes.h>

#include <openssl/err.h>

#include <cctype>
#include <string_view>
#include <vector>

namespace cabridge {

namespace {

// No identity field is longer than this; bigger values are cut before scanning
// so a hostile certificate cannot make the scan expensive.
constexpr std::size_t kMaxFieldBytes = 1024;

std::string oidText(const ASN1_OBJECT *obj) {
    char buf[128];
    const int n = OBJ_obj2txt(buf, sizeof buf, obj, 1);
    if (n <= 0 || static_cast<std::size_t>(n) >= sizeof buf)
        return {};
    return buf;
}

std::span<const std::uint8_t> extensionValue(X509_EXTENSION *ext) {
    const ASN1_OCTET_STRING *data = X509_EXTENSION_get_data(ext);
    if (data == nullptr || ASN1_STRING_length(data) <= 0)
        return {};
    return {ASN1_STRING_get0_data(data), static_cast<std::size_t>(ASN1_STRING_length(data))};
}

// Maximal runs of [0-9A-Za-z] (upper-cased) that are exactly 18 long.
std::vector<std::string> runsOf18(std::string_view text) {
    std::vector<std::string> runs;
    std::size_t i = 0;
    while (i < text.size()) {
        if (!std::isalnum(static_cast<unsigned char>(text[i]))) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < text.size() && std::isalnum(static_cast<unsigned char>(text[j])))
            ++j;
        if (j - i == 18) {
            std::string run(text.substr(i, 18));
            for (char &c : run)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            runs.push_back(std::move(run));
        }
        i = j;
    }
    return runs;
}

// A credit code in a field meant to hold one: the first run that validates,
// else the first run over the credit-code alphabet.
std::optional<std::string> creditCodeIn(std::string_view text) {
    std::optional<std::string> fallback;
    for (auto &run : runsOf18(text)) {
        if (isValidUnifiedSocialCreditCode(run))
            return run;
        if (!fallback && isCreditCodeAlphabet(run))
            fallback = run;
    }
    return fallback;
}

std::optional<std::string> validCreditCodeIn(std::string_view text) {
    for (auto &run : runsOf18(text)) {
        if (isValidUnifiedSocialCreditCode(run))
            return run;
    }
    return std::nullopt;
}

std::optional<std::string> validIdNumberIn(std::string_view text) {
    for (auto &run : runsOf18(text)) {
        if (isValidResidentIdNumber(run))
            return run;
    }
    return std::nullopt;
}

// A resident ID number that cannot also be read as a valid credit code.
std::optional<std::string> personalIdNumberIn(std::string_view text) {
    for (auto &run : runsOf18(text)) {
        if (isValidResidentIdNumber(run) && !isValidUnifiedSocialCreditCode(run))
            return run;
    }
    return std::nullopt;
}

std::string nameEntryText(const X509_NAME_ENTRY *entry) {
    const ASN1_STRING *data = X509_NAME_ENTRY_get_data(entry);
    if (data == nullptr || ASN1_STRING_length(data) <= 0)
        return {};
    const auto len = std::min<std::size_t>(static_cast<std::size_t>(ASN1_STRING_length(data)), kMaxFieldBytes);
    return std::string(reinterpret_cast<const char *>(ASN1_STRING_get0_data(data)), len);
}

std::vector<std::string> subjectValues(X509_NAME *name, int nid) {
    std::vector<std::string> values;
    if (name == nullptr)
        return values;
    for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0; i = X509_NAME_get_index_by_NID(name, nid, i))
        values.push_back(nameEntryText(X509_NAME_get_entry(name, i)));
    return values;
}

// Printable ASCII only, trimmed; anything else means "not an id we can show".
std::optional<std::string> printableId(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\0'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\0'))
        text.remove_suffix(1);
    if (text.empty() || text.size() > 128)
        return std::nullopt;
    for (char c : text) {
        if (c < 0x21 || c > 0x7e)
            return std::nullopt;
    }
    return std::string(text);
}

} // namespace

std::string extensionText(std::span<const std::uint8_t> value, std::size_t maxBytes) {
    if (value.empty())
        return {};
    const unsigned char *p = value.data();
    Asn1TypePtr type(d2i_ASN1_TYPE(nullptr, &p, static_cast<long>(value.size())));
    if (type) {
        switch (ASN1_TYPE_get(type.get())) {
        case V_ASN1_UTF8STRING:
        case V_ASN1_PRINTABLESTRING:
        case V_ASN1_IA5STRING:
        case V_ASN1_OCTET_STRING:
        case V_ASN1_T61STRING:
        case V_ASN1_VISIBLESTRING:
        case V_ASN1_NUMERICSTRING: {
            const ASN1_STRING *s = type->value.asn1_string;
            const auto len = std::min<std::size_t>(static_cast<std::size_t>(std::max(0, ASN1_STRING_length(s))),
                                                   maxBytes);
            return std::string(reinterpret_cast<const char *>(ASN1_STRING_get0_data(s)), len);
        }
        default:
            break; // a structure: fall back to scanning its raw bytes
        }
    }
    ERR_clear_error();
    const auto len = std::min(value.size(), maxBytes);
    return std::string(reinterpret_cast<const char *>(value.data()), len);
}

CertificateIdentity extractIdentity(std::span<const std::uint8_t> der, const std::string &vendorUniqueIdOid) {
    if (der.empty() || der.size() > (1u << 24))
        return {};
    const unsigned char *p = der.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    ERR_clear_error();
    if (!cert)
        return {};
    return extractIdentity(*cert, vendorUniqueIdOid);
}

CertificateIdentity extractIdentity(const X509 &cert, const std::string &vendorUniqueIdOid) {
    CertificateIdentity identity;

    // Extension texts by OID, in certificate order.
    std::vector<std::pair<std::string, std::string>> extensions;
    const int extCount = std::min(X509_get_ext_count(&cert), 256);
    for (int i = 0; i < extCount; ++i) {
        X509_EXTENSION *ext = X509_get_ext(&cert, i);
        if (ext == nullptr)
            continue;
        extensions.emplace_back(oidText(X509_EXTENSION_get_object(ext)),
                                extensionText(extensionValue(ext), kMaxFieldBytes));
    }
    auto extensionNamed = [&](std::string_view oid) -> const std::string * {
        for (const auto &[name, text] : extensions) {
            if (name == oid)
                return &text;
        }
        return nullptr;
    };

    std::optional<std::string> code;
    for (std::string_view oid : {"1.2.156.10260.4.4", "1.2.156.10260.4.1.4"}) {
        if (const std::string *text = extensionNamed(oid); text && !code)
            code = creditCodeIn(*text);
    }
    for (const auto &[name, text] : extensions) {
        if (!code && name.starts_with("1.2.86.11.7."))
            code = creditCodeIn(text);
    }
    X509_NAME *subject = X509_get_subject_name(&cert);
    for (const std::string &value : subjectValues(subject, NID_organizationalUnitName)) {
        if (!code)
            code = creditCodeIn(value);
    }
    std::optional<std::string> serialIdNumber;
    for (const std::string &value : subjectValues(subject, NID_serialNumber)) {
        if (!serialIdNumber)
            serialIdNumber = personalIdNumberIn(value);
        if (!code && !serialIdNumber)
            code = creditCodeIn(value);
    }

    if (const std::string *text = extensionNamed("1.2.156.10260.4.1.1"))
        identity.idNumber = validIdNumberIn(*text);
    if (!identity.idNumber)
        identity.idNumber = std::move(serialIdNumber);

    if (!code && subject != nullptr) {
        const int entries = std::min(X509_NAME_entry_count(subject), 256);
        for (int i = 0; i < entries && !code; ++i) {
            const std::string value = nameEntryText(X509_NAME_get_entry(subject, i));
            code = validCreditCodeIn(value);
        }
        for (const auto &[name, text] : extensions) {
            if (!code && name != "1.2.156.10260.4.1.1")
                code = validCreditCodeIn(text);
        }
    }
    if (code) {
        identity.uscValid = isValidUnifiedSocialCreditCode(*code);
        identity.unifiedSocialCreditCode = std::move(code);
    }

    if (!vendorUniqueIdOid.empty()) {
        if (const std::string *text = extensionNamed(vendorUniqueIdOid))
            identity.vendorUniqueId = printableId(*text);
    }
    return identity;
}

nlohmann::json identityToJson(const CertificateIdentity &identity) {
    nlohmann::json out = nlohmann::json::object();
    if (identity.unifiedSocialCreditCode) {
        out["unifiedSocialCreditCode"] = *identity.unifiedSocialCreditCode;
        out["uscValid"] = identity.uscValid;
    }
    if (identity.idNumber)
        out["idNumber"] = *identity.idNumber;
    if (identity.vendorUniqueId)
        out["vendorUniqueId"] = *identity.vendorUniqueId;
    return out;
}

} // namespace cabridge
