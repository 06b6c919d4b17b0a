#include "cabridge/test_support/der_values.h"

#include <cabridge/common/openssl_ptr.h>

#include <openssl/asn1.h>

#include <stdexcept>

namespace cabridge::test_support {
namespace {

std::vector<std::uint8_t> derOfString(int type, const std::string& text)
{
    std::unique_ptr<ASN1_STRING, OpenSslDeleter<&ASN1_STRING_free>> s(ASN1_STRING_type_new(type));
    if (!s || ASN1_STRING_set(s.get(), text.data(), static_cast<int>(text.size())) != 1)
        throw std::runtime_error("der value: ASN1_STRING_set failed");
    ASN1_TYPE wrapper {};
    wrapper.type = type;
    wrapper.value.asn1_string = s.get();
    const int len = i2d_ASN1_TYPE(&wrapper, nullptr);
    if (len <= 0) throw std::runtime_error("der value: i2d_ASN1_TYPE failed");
    std::vector<std::uint8_t> der(static_cast<std::size_t>(len));
    unsigned char* p = der.data();
    i2d_ASN1_TYPE(&wrapper, &p);
    return der;
}

}  // namespace

std::vector<std::uint8_t> derUtf8String(const std::string& text)
{
    return derOfString(V_ASN1_UTF8STRING, text);
}
std::vector<std::uint8_t> derPrintableString(const std::string& text)
{
    return derOfString(V_ASN1_PRINTABLESTRING, text);
}
std::vector<std::uint8_t> derOctetString(const std::string& bytes)
{
    return derOfString(V_ASN1_OCTET_STRING, bytes);
}
std::vector<std::uint8_t> rawBytes(std::string_view text)
{
    return {text.begin(), text.end()};
}

}  // namespace cabridge::test_support
