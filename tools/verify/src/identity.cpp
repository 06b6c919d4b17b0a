#include "identity.h"

#include <cabridge/common/identity.h>

namespace cabridge::verify::detail {

CertificateIdentity extract_identity(const X509* cert) {
  ::cabridge::CertificateIdentity found = ::cabridge::extractIdentity(*cert, kHebcaUniqueIdOid);
  CertificateIdentity identity;
  if (found.unifiedSocialCreditCode) identity.usc_valid = found.uscValid;
  identity.unified_social_credit_code = std::move(found.unifiedSocialCreditCode);
  identity.id_number = std::move(found.idNumber);
  identity.vendor_unique_id = std::move(found.vendorUniqueId);
  return identity;
}

}  // namespace cabridge::verify::detail
