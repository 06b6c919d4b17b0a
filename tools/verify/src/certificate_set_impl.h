// What a CertificateSet holds, visible to the library's own files only.
#pragma once

#include <vector>

#include "cabridge/verify.h"
#include "openssl_ptr.h"

namespace cabridge::verify {

struct CertificateSet::Impl {
  std::vector<detail::X509Ptr> certificates;
};

}  // namespace cabridge::verify
