#include "certificate_fields.h"

#include <array>
#include <cstdio>
#include <ctime>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/sha.h>

#include "openssl_ptr.h"

namespace cabridge::verify::detail {
namespace {

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

}  // namespace

std::optional<std::string> read_name_entry(const X509_NAME* name, int nid) {
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return std::nullopt;
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return std::nullopt;
  OpenSslBytesPtr owned(utf8);
  return std::string(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
}

DistinguishedName read_name(const X509_NAME* name) {
  DistinguishedName out;
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) throw std::bad_alloc();
  if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    if (length > 0) out.dn.assign(data, static_cast<std::size_t>(length));
  }
  out.CN = read_name_entry(name, NID_commonName);
  out.O = read_name_entry(name, NID_organizationName);
  out.OU = read_name_entry(name, NID_organizationalUnitName);
  out.C = read_name_entry(name, NID_countryName);
  out.ST = read_name_entry(name, NID_stateOrProvinceName);
  out.L = read_name_entry(name, NID_localityName);
  return out;
}

std::string serial_hex(const X509* cert) {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
  std::span<const std::uint8_t> bytes(ASN1_STRING_get0_data(serial),
                                      static_cast<std::size_t>(ASN1_STRING_length(serial)));
  while (bytes.size() > 1 && bytes.front() == 0) bytes = bytes.subspan(1);
  if (bytes.empty()) return "0";
  return to_hex(bytes);
}

std::string sha256_hex(std::span<const std::uint8_t> der) {
  std::array<std::uint8_t, SHA256_DIGEST_LENGTH> digest{};
  SHA256(der.data(), der.size(), digest.data());
  return to_hex(digest);
}

std::string iso8601_utc(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return {};
  std::array<char, 80> text{};  // room for any int the compiler can imagine
  std::snprintf(text.data(), text.size(), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return text.data();
}

}  // namespace cabridge::verify::detail
