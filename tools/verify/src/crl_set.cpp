#include <limits>
#include <stdexcept>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "certificate_set_impl.h"

namespace cabridge::verify {

CrlSet::CrlSet() : impl_(std::make_unique<Impl>()) {}
CrlSet::~CrlSet() = default;
CrlSet::CrlSet(CrlSet&&) noexcept = default;
CrlSet& CrlSet::operator=(CrlSet&&) noexcept = default;

void CrlSet::add_pem(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw std::invalid_argument("PEM text too large");
  detail::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw std::bad_alloc();
  std::vector<detail::X509CrlPtr> parsed;
  for (;;) {
    detail::X509CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    if (!crl) break;
    parsed.push_back(std::move(crl));
  }
  // As for certificates: reading stops at end of input or at a block that does not parse.
  const unsigned long last_error = ERR_peek_last_error();
  const bool clean_end = ERR_GET_LIB(last_error) == ERR_LIB_PEM && ERR_GET_REASON(last_error) == PEM_R_NO_START_LINE;
  ERR_clear_error();
  if (!clean_end) throw std::invalid_argument("a PEM CRL block does not parse");
  if (parsed.empty()) throw std::invalid_argument("no PEM CRL found");
  if (!impl_) impl_ = std::make_unique<Impl>();  // reuse after a move
  for (auto& crl : parsed) impl_->crls.push_back(std::move(crl));
}

void CrlSet::add_der(std::span<const std::uint8_t> der) {
  if (der.size() > static_cast<std::size_t>(std::numeric_limits<long>::max()))
    throw std::invalid_argument("DER too large");
  const unsigned char* cursor = der.data();
  detail::X509CrlPtr crl(d2i_X509_CRL(nullptr, &cursor, static_cast<long>(der.size())));
  ERR_clear_error();
  if (!crl || cursor != der.data() + der.size()) throw std::invalid_argument("DER CRL does not parse");
  if (!impl_) impl_ = std::make_unique<Impl>();
  impl_->crls.push_back(std::move(crl));
}

std::size_t CrlSet::size() const noexcept { return impl_ ? impl_->crls.size() : 0; }

}  // namespace cabridge::verify
