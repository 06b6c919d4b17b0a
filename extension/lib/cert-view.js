// What the chooser and PIN dialog show about a certificate: the person-facing
// fields of a CertInfo only (no DER, no ids beyond the opaque one).

// Longest text shown for one field. The host passes subjects through whole, and a hostile
// certificate can carry a 30 KB CN; a person's name or company is far below this.
const MAX_FIELD_CHARS = 120;

/** The text, cut to MAX_FIELD_CHARS characters (whole code points) with an ellipsis. */
export function shortened(text) {
  const chars = Array.from(typeof text === 'string' ? text : '');
  return chars.length <= MAX_FIELD_CHARS ? chars.join('') : `${chars.slice(0, MAX_FIELD_CHARS - 1).join('')}…`;
}

/**
 * "2028-12-06": the day an ISO 8601 UTC time falls on in the person's own time zone (a key that
 * expires at 20:00 UTC is still valid that evening in Beijing, and no longer the next day).
 * Empty for text that is not a date.
 */
export function localDate(iso) {
  const ms = typeof iso === 'string' ? Date.parse(iso) : NaN;
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

const KEY_TYPES = ['RSA', 'EC', 'SM2'];

/** True for a key usage that allows encryption and no signature. */
function encryptionOnly(keyUsage) {
  if (!Array.isArray(keyUsage)) return false;
  if (keyUsage.includes('digitalSignature') || keyUsage.includes('nonRepudiation')) return false;
  return keyUsage.some((u) => ['keyEncipherment', 'dataEncipherment', 'keyAgreement'].includes(u));
}

/** @param cert CertInfo from the host's listing (vendorName: the vendor's display name, protocol 3.3) */
export function certView(cert) {
  const notBefore = Date.parse(cert.notBefore);
  return {
    id: cert.id,
    holder: shortened(cert.subject?.CN),
    organisation: shortened(cert.subject?.O),
    creditCode: shortened(cert.identity?.unifiedSocialCreditCode),
    creditCodeValid: cert.identity?.uscValid ?? null,
    vendor: shortened(typeof cert.vendorName === 'string' && cert.vendorName ? cert.vendorName : cert.vendor),
    tokenLabel: shortened(cert.token?.label),
    notAfter: cert.notAfter,
    notAfterDate: localDate(cert.notAfter),
    daysLeft: cert.daysLeft,
    expired: cert.expired === true,
    notYetValid: Number.isFinite(notBefore) && notBefore > Date.now(),
    // The key's algorithm as the host names it (docs/protocol.md section 3.3): an SM2 key is
    // shown as such, since a person with a national-algorithm key knows it by that name.
    keyType: KEY_TYPES.includes(cert.keyType) ? cert.keyType : null,
    keyBits: Number.isInteger(cert.keyBits) && cert.keyBits > 0 ? cert.keyBits : null,
    // The encryption half of a dual pair ("双证书") has the same subject as its signing half;
    // only this tells them apart in the chooser of readCertificate (login never lists it).
    encryptionOnly: encryptionOnly(cert.keyUsage),
  };
}
