#include <limits>
#include <stdexcept>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "certificate_chain.h"
#include "certificate_set_impl.h"

namespace cabridge::verify {

CertificateSet::CertificateSet() : impl_(std::make_unique<Impl>()) {}
CertificateSet::~CertificateSet() = default;
CertificateSet::CertificateSet(CertificateSet&&) noexcept = default;
CertificateSet& CertificateSet::operator=(CertificateSet&&) noexcept = default;

void CertificateSet::add_pem(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw std::invalid_argument("PEM text too large");
  detail::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw std::bad_alloc();
  std::vector<detail::X509Ptr> parsed;
  for (;;) {
    detail::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    detail::set_sm2_signer_id_if_needed(cert.get());
    parsed.push_back(std::move(cert));
  }
  // Reading stops at end of input (PEM_R_NO_START_LINE) or at a block that does not parse.
  const unsigned long last_error = ERR_peek_last_error();
  const bool clean_end = ERR_GET_LIB(last_error) == ERR_LIB_PEM && ERR_GET_REASON(last_error) == PEM_R_NO_START_LINE;
  ERR_clear_error();
  if (!clean_end) throw std::invalid_argument("a PEM certificate block does not parse");
  if (parsed.empty()) throw std::invalid_argument("no PEM certificate found");
  if (!impl_) impl_ = std::make_unique<Impl>();  // reuse after a move
  for (auto& cert : parsed) impl_->certificates.push_back(std::move(cert));
}

void CertificateSet::add_der(std::span<const std::uint8_t> der) {
  if (der.size() > static_cast<std::size_t>(std::numeric_limits<long>::max()))
    throw std::invalid_argument("DER too large");
  const unsigned char* cursor = der.data();
  detail::X509Ptr cert(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  ERR_clear_error();
  if (!cert || cursor != der.data() + der.size()) throw std::invalid_argument("DER certificate does not parse");
  detail::set_sm2_signer_id_if_needed(cert.get());
  if (!impl_) impl_ = std::make_unique<Impl>();
  impl_->certificates.push_back(std::move(cert));
}

std::size_t CertificateSet::size() const noexcept { return impl_ ? impl_->certificates.size() : 0; }

}  // namespace cabridge::verify
