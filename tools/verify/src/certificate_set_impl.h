// What a CertificateSet and a CrlSet hold, visible to the library's own files only.
#pragma once

#include <vector>

#include "cabridge/verify.h"
#include "openssl_ptr.h"

namespace cabridge::verify {

struct CertificateSet::Impl {
  std::vector<detail::X509Ptr> certificates;
};

struct CrlSet::Impl {
  std::vector<detail::X509CrlPtr> crls;
};

}  // namespace cabridge::verify
