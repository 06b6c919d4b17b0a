#include <cabridge/support/encoding.h>
#include <cabridge/support/pkcs11_certificate_reader.h>
#include <cabridge/support/pkcs11_error.h>
#include <cabridge/support/pkcs11_slot_list.h>
#include <cabridge/support/plugin_error.h>

#include <array>

namespace cabridge {
namespace {

// A token holding more than this many certificates is not a CA key; the bound
// keeps a hostile module from growing the list without end.
constexpr std::size_t kMaxCertificates = 4096;
// Certificates on real keys are a few KiB; a module claiming more is broken.
constexpr CK_ULONG kMaxAttributeBytes = 1024 * 1024;

[[noreturn]] void throwCkr(const char *call, CK_RV rv) {
    throw PluginError(statusForCkr(rv), std::string(call) + " failed: " + ckrName(rv),
                      static_cast<std::uint32_t>(rv));
}

class ReadOnlySession {
public:
    ReadOnlySession(const CK_FUNCTION_LIST &f, CK_SLOT_ID slot) : f_(f) {
        const CK_RV rv = f_.C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &handle_);
        if (rv != CKR_OK)
            throwCkr("C_OpenSession", rv);
    }
    ~ReadOnlySession() { f_.C_CloseSession(handle_); }
    ReadOnlySession(const ReadOnlySession &) = delete;
    ReadOnlySession &operator=(const ReadOnlySession &) = delete;
    CK_SESSION_HANDLE handle() const noexcept { return handle_; }

private:
    const CK_FUNCTION_LIST &f_;
    CK_SESSION_HANDLE handle_ = CK_INVALID_HANDLE;
};

// Ends a search even when reading its results throws.
class ObjectSearch {
public:
    ObjectSearch(const CK_FUNCTION_LIST &f, CK_SESSION_HANDLE session, CK_ATTRIBUTE *templ, CK_ULONG count)
        : f_(f), session_(session) {
        const CK_RV rv = f_.C_FindObjectsInit(session_, templ, count);
        if (rv != CKR_OK)
            throwCkr("C_FindObjectsInit (certificates)", rv);
    }
    ~ObjectSearch() { f_.C_FindObjectsFinal(session_); }
    ObjectSearch(const ObjectSearch &) = delete;
    ObjectSearch &operator=(const ObjectSearch &) = delete;

    std::vector<CK_OBJECT_HANDLE> all() {
        std::vector<CK_OBJECT_HANDLE> found;
        std::array<CK_OBJECT_HANDLE, 32> batch{};
        for (;;) {
            CK_ULONG n = 0;
            const CK_RV rv = f_.C_FindObjects(session_, batch.data(), batch.size(), &n);
            if (rv != CKR_OK)
                throwCkr("C_FindObjects (certificates)", rv);
            if (n == 0 || n > batch.size())
                return found;
            found.insert(found.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n));
            if (found.size() > kMaxCertificates)
                throw PluginError(CABRIDGE_ERR_PLUGIN, "token holds more than 4096 certificates");
        }
    }

private:
    const CK_FUNCTION_LIST &f_;
    CK_SESSION_HANDLE session_;
};

// One attribute's bytes; an attribute the object lacks (or keeps secret) is empty.
std::vector<std::uint8_t> attributeBytes(const CK_FUNCTION_LIST &f, CK_SESSION_HANDLE session,
                                         CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
    CK_ATTRIBUTE probe{type, nullptr, 0};
    CK_RV rv = f.C_GetAttributeValue(session, object, &probe, 1);
    if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE ||
        probe.ulValueLen == CK_UNAVAILABLE_INFORMATION)
        return {};
    if (rv != CKR_OK)
        throwCkr("C_GetAttributeValue", rv);
    if (probe.ulValueLen > kMaxAttributeBytes)
        throw PluginError(CABRIDGE_ERR_PLUGIN, "certificate attribute larger than 1 MiB");
    std::vector<std::uint8_t> value(probe.ulValueLen);
    CK_ATTRIBUTE read{type, value.data(), static_cast<CK_ULONG>(value.size())};
    rv = f.C_GetAttributeValue(session, object, &read, 1);
    if (rv != CKR_OK)
        throwCkr("C_GetAttributeValue", rv);
    value.resize(std::min<std::size_t>(value.size(), read.ulValueLen));
    return value;
}

} // namespace

std::vector<TokenCertificate> readTokenCertificates(const Pkcs11Module &module, unsigned long slotId) {
    const CK_FUNCTION_LIST *f = module.functions();
    if (f == nullptr)
        throw PluginError(CABRIDGE_ERR_PLUGIN, "PKCS#11 module " + module.path() + " has no function table");
    ReadOnlySession session(*f, slotId);
    CK_OBJECT_CLASS certClass = CKO_CERTIFICATE;
    CK_CERTIFICATE_TYPE x509 = CKC_X_509;
    std::array<CK_ATTRIBUTE, 2> templ{{{CKA_CLASS, &certClass, sizeof certClass},
                                       {CKA_CERTIFICATE_TYPE, &x509, sizeof x509}}};
    std::vector<CK_OBJECT_HANDLE> objects;
    {
        ObjectSearch search(*f, session.handle(), templ.data(), templ.size());
        objects = search.all();
    }
    std::vector<TokenCertificate> out;
    out.reserve(objects.size());
    for (const CK_OBJECT_HANDLE object : objects) {
        TokenCertificate cert;
        cert.der = attributeBytes(*f, session.handle(), object, CKA_VALUE);
        if (cert.der.empty())
            continue; // a certificate object without a value is nothing to show
        cert.id = attributeBytes(*f, session.handle(), object, CKA_ID);
        const auto label = attributeBytes(*f, session.handle(), object, CKA_LABEL);
        cert.label = trimmed(std::string(label.begin(), label.end()).c_str());
        out.push_back(std::move(cert));
    }
    return out;
}

std::string certificateRefOf(const TokenCertificate &certificate) {
    if (!certificate.id.empty())
        return hexEncode(certificate.id);
    return certificate.label;
}

} // namespace cabridge
