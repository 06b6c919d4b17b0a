#include <cabridge/common/encoding.h>
#include <cabridge/support/pkcs11_certificate_reader.h>
#include <cabridge/support/pkcs11_error.h>
#include <cabridge/support/pkcs11_session.h>
#include <cabridge/support/pkcs11_slot_list.h>
#include <cabridge/support/plugin_failure.h>

#include <openssl/sha.h>

#include <algorithm>
#include <array>

namespace cabridge {
namespace {

// Certificates on real keys are a few KiB; a module claiming more is broken.
constexpr CK_ULONG kMaxAttributeBytes = CK_ULONG{1024} * 1024;

// CKA_VALUE, CKA_ID and CKA_LABEL of one object in two calls (sizes, then
// bytes): SoftHSM's per-call cost, not the bytes, is what a listing pays for.
// An attribute the object lacks (or keeps secret) comes back empty.
TokenCertificate readCertificateObject(const CK_FUNCTION_LIST &f, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object) {
    std::array<CK_ATTRIBUTE, 3> attrs{{{CKA_VALUE, nullptr, 0}, {CKA_ID, nullptr, 0}, {CKA_LABEL, nullptr, 0}}};
    CK_RV rv = f.C_GetAttributeValue(session, object, attrs.data(), attrs.size());
    if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE)
        throwCkr("C_GetAttributeValue", rv);
    std::array<std::vector<std::uint8_t>, 3> values;
    for (std::size_t i = 0; i < attrs.size(); ++i) {
        if (attrs[i].ulValueLen == CK_UNAVAILABLE_INFORMATION) {
            attrs[i].ulValueLen = 0;
            continue;
        }
        if (attrs[i].ulValueLen > kMaxAttributeBytes)
            throw PluginFailure(CABRIDGE_ERR_PLUGIN, "certificate attribute larger than 1 MiB");
        values[i].resize(attrs[i].ulValueLen);
        attrs[i].pValue = values[i].empty() ? nullptr : values[i].data();
    }
    rv = f.C_GetAttributeValue(session, object, attrs.data(), attrs.size());
    if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE)
        throwCkr("C_GetAttributeValue", rv);
    for (std::size_t i = 0; i < attrs.size(); ++i) {
        const bool unavailable = attrs[i].ulValueLen == CK_UNAVAILABLE_INFORMATION;
        values[i].resize(unavailable ? 0 : std::min<std::size_t>(values[i].size(), attrs[i].ulValueLen));
    }
    TokenCertificate cert;
    cert.der = std::move(values[0]);
    cert.id = std::move(values[1]);
    cert.label = trimmed(std::string(values[2].begin(), values[2].end()).c_str());
    return cert;
}

} // namespace

std::vector<TokenCertificate> readTokenCertificates(const Pkcs11Module &module, unsigned long slotId) {
    const CK_FUNCTION_LIST &f = functionsOf(module);
    const Pkcs11Session session(f, slotId);
    CK_OBJECT_CLASS certClass = CKO_CERTIFICATE;
    CK_CERTIFICATE_TYPE x509 = CKC_X_509;
    std::array<CK_ATTRIBUTE, 2> templ{
        {{CKA_CLASS, &certClass, sizeof certClass}, {CKA_CERTIFICATE_TYPE, &x509, sizeof x509}}};
    std::vector<CK_OBJECT_HANDLE> objects;
    {
        ObjectSearch search(session, templ.data(), templ.size(), "certificates");
        objects = search.all();
    }
    std::vector<TokenCertificate> out;
    out.reserve(objects.size());
    for (const CK_OBJECT_HANDLE object : objects) {
        TokenCertificate cert = readCertificateObject(f, session.handle(), object);
        if (!cert.der.empty()) // a certificate object without a value is nothing to show
            out.push_back(std::move(cert));
    }
    return out;
}

bool sessionSeesCertificate(const Pkcs11Session &session, std::span<const std::uint8_t> id,
                            std::span<const std::uint8_t, 32> sha256) {
    if (id.empty())
        return false;
    CK_OBJECT_CLASS certClass = CKO_CERTIFICATE;
    CK_CERTIFICATE_TYPE x509 = CKC_X_509;
    std::vector<std::uint8_t> idCopy(id.begin(), id.end()); // CK_ATTRIBUTE takes a non-const pointer
    std::array<CK_ATTRIBUTE, 3> templ{{{CKA_CLASS, &certClass, sizeof certClass},
                                       {CKA_CERTIFICATE_TYPE, &x509, sizeof x509},
                                       {CKA_ID, idCopy.data(), static_cast<CK_ULONG>(idCopy.size())}}};
    std::vector<CK_OBJECT_HANDLE> objects;
    {
        ObjectSearch search(session, templ.data(), templ.size(), "certificates");
        objects = search.all();
    }
    for (const CK_OBJECT_HANDLE object : objects) {
        const TokenCertificate cert = readCertificateObject(session.functions(), session.handle(), object);
        if (cert.der.empty() || cert.id.size() != id.size() || !std::equal(cert.id.begin(), cert.id.end(), id.begin()))
            continue;
        std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
        if (SHA256(cert.der.data(), cert.der.size(), digest.data()) == nullptr)
            throw PluginFailure(CABRIDGE_ERR_PLUGIN, "SHA-256 failed");
        if (std::equal(digest.begin(), digest.end(), sha256.begin()))
            return true;
    }
    return false;
}

std::string certificateRefOf(const TokenCertificate &certificate) {
    if (!certificate.id.empty())
        return hexEncode(certificate.id);
    return std::string(kLabelRefPrefix) + certificate.label;
}

} // namespace cabridge
