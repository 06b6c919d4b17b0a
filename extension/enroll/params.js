// The parameters of the CA-site actions (enroll, installCertificate, unlockChallenge,
// unlockWithResponse), checked before anything reaches the host, as page-request.js checks the
// others. Only shapes are checked here: whether the origin may enrol at all is the host's call.
import { extensionError } from '../lib/errors.js';

export const CA_ACTIONS = {
  enroll: ['vendor', 'keyType', 'subject'],
  installCertificate: ['certificate', 'keyId', 'certificateId', 'replace'],
  unlockChallenge: ['vendor'],
  unlockWithResponse: ['certificateId', 'response'],
};

export const KEY_TYPES = ['RSA-2048', 'P-256', 'SM2'];
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const MAX_SUBJECT_CHARS = 1024;
const MAX_CERTIFICATE_CHARS = 16 * 1024; // base64 of a 12 KB DER certificate: far above any CA's
const MAX_RESPONSE_CHARS = 4096;
const MAX_ID_CHARS = 256;

const invalid = (what) => extensionError('INVALID_ARGUMENT', { argument: what }, 'err_INVALID_ARGUMENT', what);

function base64(value, what, maxChars) {
  if (typeof value !== 'string' || value.length < 4 || value.length > maxChars || value.length % 4 !== 0 || !BASE64.test(value)) {
    throw invalid(what);
  }
  return value;
}

/** Printable text without control characters, 1..max characters. */
function text(value, what, max) {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.length === 0 || value.length > max || /[\u0000-\u001f\u007f]/.test(value)) {
    throw invalid(what);
  }
  return value;
}

/** Checked params of CA action `action` from the page's `raw` object (keys already limited). */
export function parseCaParams(action, raw) {
  const params = {};
  switch (action) {
    case 'enroll':
      if (!KEY_TYPES.includes(raw.keyType)) throw invalid('keyType');
      params.keyType = raw.keyType;
      params.subject = text(raw.subject, 'subject', MAX_SUBJECT_CHARS);
      // An RFC 2253 name is attribute=value pairs; a subject without one is a page's mistake.
      if (!/^[A-Za-z0-9.]+=/.test(params.subject)) throw invalid('subject');
      break;
    case 'installCertificate':
      params.certificate = base64(raw.certificate, 'certificate', MAX_CERTIFICATE_CHARS);
      params.keyId = text(raw.keyId, 'keyId', MAX_ID_CHARS);
      params.certificateId = text(raw.certificateId, 'certificateId', MAX_ID_CHARS);
      if (raw.replace !== undefined && typeof raw.replace !== 'boolean') throw invalid('replace');
      params.replace = raw.replace === true;
      break;
    case 'unlockChallenge':
      break;
    case 'unlockWithResponse':
      params.certificateId = text(raw.certificateId, 'certificateId', MAX_ID_CHARS);
      params.response = base64(raw.response, 'response', MAX_RESPONSE_CHARS);
      break;
    default:
      throw invalid('action');
  }
  return params;
}
