#include "identity.h"

#include <array>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "certificate_fields.h"
#include "openssl_ptr.h"

namespace cabridge::verify::detail {
namespace {

constexpr std::string_view kCreditCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::size_t kCreditCodeLength = 18;
constexpr std::size_t kMaxIdentityText = 256;  // nothing genuine is longer; refuse the rest

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

bool printable_ascii(std::string_view text) {
  for (char c : text)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

// A code-shaped word in free text: 18 alphabet characters not touching other alphanumerics
// (so a longer number is not cut into a code).
std::optional<std::string> find_credit_code(std::string_view text) {
  const auto is_word_char = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  };
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_word_char(text[i])) { ++i; continue; }
    std::size_t end = i;
    while (end < text.size() && is_word_char(text[end])) ++end;
    const auto word = text.substr(i, end - i);
    if (looks_like_credit_code(word)) return std::string(word);
    i = end;
  }
  return std::nullopt;
}

}  // namespace

bool looks_like_credit_code(std::string_view text) noexcept {
  if (text.size() != kCreditCodeLength) return false;
  for (char c : text)
    if (kCreditCodeAlphabet.find(c) == std::string_view::npos) return false;
  return true;
}

bool credit_code_check_valid(std::string_view code) noexcept {
  if (!looks_like_credit_code(code)) return false;
  unsigned sum = 0;
  unsigned weight = 1;  // 3^(i-1) mod 31
  for (std::size_t i = 0; i < kCreditCodeLength - 1; ++i) {
    sum += static_cast<unsigned>(kCreditCodeAlphabet.find(code[i])) * weight;
    weight = weight * 3 % 31;
  }
  return kCreditCodeAlphabet[(31 - sum % 31) % 31] == code[kCreditCodeLength - 1];
}

bool id_number_check_valid(std::string_view id) noexcept {
  static constexpr std::array<unsigned, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr std::string_view kCheck = "10X98765432";
  if (id.size() != 18) return false;
  unsigned sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    if (id[i] < '0' || id[i] > '9') return false;
    sum += static_cast<unsigned>(id[i] - '0') * kWeights[i];
  }
  return kCheck[sum % 11] == id[17];
}

std::optional<std::string> extension_text(const X509* cert, std::string_view oid) {
  Asn1ObjectPtr object(OBJ_txt2obj(std::string(oid).c_str(), /*no_name=*/1));
  if (!object) {
    ERR_clear_error();
    return std::nullopt;
  }
  const int index = X509_get_ext_by_OBJ(cert, object.get(), -1);
  if (index < 0) return std::nullopt;
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(cert, index));
  const unsigned char* bytes = ASN1_STRING_get0_data(value);
  const int length = ASN1_STRING_length(value);
  if (length <= 0 || static_cast<std::size_t>(length) > kMaxIdentityText) return std::nullopt;

  // Usually a DER string (UTF8String, PrintableString, IA5String...) that fills the value.
  const unsigned char* cursor = bytes;
  Asn1TypePtr parsed(d2i_ASN1_TYPE(nullptr, &cursor, length));
  std::optional<std::string> text;
  if (parsed && cursor == bytes + length) {
    switch (parsed->type) {
      case V_ASN1_UTF8STRING: case V_ASN1_PRINTABLESTRING: case V_ASN1_IA5STRING:
      case V_ASN1_T61STRING: case V_ASN1_BMPSTRING: case V_ASN1_UNIVERSALSTRING:
      case V_ASN1_VISIBLESTRING: case V_ASN1_OCTET_STRING: {
        unsigned char* utf8 = nullptr;
        const int n = ASN1_STRING_to_UTF8(&utf8, parsed->value.asn1_string);
        if (n >= 0) {
          OpenSslBytesPtr owned(utf8);
          text.emplace(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(n));
        }
        break;
      }
      default: break;
    }
  } else {
    // Some CAs store the bare characters without a DER wrapper.
    std::string_view raw(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(length));
    if (printable_ascii(raw)) text.emplace(raw);
  }
  ERR_clear_error();
  if (!text) return std::nullopt;
  return std::string(trim(*text));
}

CertificateIdentity extract_identity(const X509* cert) {
  CertificateIdentity identity;
  const X509_NAME* subject = X509_get_subject_name(cert);

  std::optional<std::string> code;
  for (auto oid : {kOidCreditCode, kOidOrganisationOrCreditCode}) {
    if (code) break;
    // The .4.1.4 extension may hold a 9-character organisation code instead: skip that.
    if (auto text = extension_text(cert, oid); text && looks_like_credit_code(*text)) code = std::move(*text);
  }
  if (!code)
    if (auto ou = read_name_entry(subject, NID_organizationalUnitName); ou && ou->size() <= kMaxIdentityText)
      code = find_credit_code(*ou);
  // Some CAs put a person's resident ID number in serialNumber; 18 digits fit the credit code
  // alphabet too, so a value that passes GB 11643 but not GB 32100 is taken as an ID number.
  std::optional<std::string> serial_id_number;
  if (!code)
    if (auto serial = read_name_entry(subject, NID_serialNumber); serial && serial->size() <= kMaxIdentityText) {
      const std::string value(trim(*serial));
      if (id_number_check_valid(value) && !credit_code_check_valid(value)) serial_id_number = value;
      else code = find_credit_code(value);
    }
  if (code) {
    identity.usc_valid = credit_code_check_valid(*code);
    identity.unified_social_credit_code = std::move(code);
  }

  if (auto id = extension_text(cert, kOidIdNumber); id && !id->empty()) identity.id_number = std::move(id);
  else identity.id_number = std::move(serial_id_number);
  if (auto unique = extension_text(cert, kOidHebcaUniqueId); unique && !unique->empty())
    identity.vendor_unique_id = std::move(unique);
  return identity;
}

}  // namespace cabridge::verify::detail
