// What the chooser and PIN dialog show about a certificate: the person-facing
// fields of a CertInfo only (no DER, no ids beyond the opaque one).

/** @param cert CertInfo from the host; @param vendorNames Map plugin id -> display name */
export function certView(cert, vendorNames) {
  const notBefore = Date.parse(cert.notBefore);
  return {
    id: cert.id,
    holder: cert.subject?.CN ?? '',
    organisation: cert.subject?.O ?? '',
    creditCode: cert.identity?.unifiedSocialCreditCode ?? '',
    creditCodeValid: cert.identity?.uscValid ?? null,
    vendor: vendorNames.get(cert.vendor) ?? cert.vendor,
    tokenLabel: cert.token?.label ?? '',
    notAfter: cert.notAfter,
    daysLeft: cert.daysLeft,
    expired: cert.expired === true,
    notYetValid: Number.isFinite(notBefore) && notBefore > Date.now(),
  };
}
