// Checks what a page asked for before anything reaches the host. Unknown keys
// are refused like the host does, so a page that sends `pin` (or a typo) fails
// loudly instead of being ignored.
import { extensionError } from './errors.js';
import { CA_ACTIONS, parseCaParams } from '../enroll/params.js';

const ALLOWED_PARAMS = {
  detect: [],
  readCertificate: ['vendor'],
  login: ['challenge', 'vendor', 'mode'],
  changePin: ['vendor'],
  ...CA_ACTIONS, // the CA's own site: enrolment and online unlock (enroll/params.js)
};

const VENDOR = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const invalid = (what) => extensionError('INVALID_ARGUMENT', { argument: what }, 'err_INVALID_ARGUMENT', what);

/** Returns {action, params} with only checked values, or throws INVALID_ARGUMENT. */
export function parsePageRequest(message) {
  const action = message?.action;
  if (typeof action !== 'string' || !Object.hasOwn(ALLOWED_PARAMS, action)) throw invalid('action');
  const raw = message.params ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid('params');
  for (const key of Object.keys(raw)) {
    if (!ALLOWED_PARAMS[action].includes(key)) throw invalid(key);
  }
  const params = {};
  if (raw.vendor !== undefined) {
    if (typeof raw.vendor !== 'string' || !VENDOR.test(raw.vendor)) throw invalid('vendor');
    params.vendor = raw.vendor;
  }
  if (Object.hasOwn(CA_ACTIONS, action)) Object.assign(params, parseCaParams(action, raw));
  if (action === 'login') {
    if (raw.mode !== undefined) {
      if (raw.mode !== 'origin-bound' && raw.mode !== 'legacy') throw invalid('mode');
      params.mode = raw.mode;
    }
    // Origin-bound: 32..1024 bytes decoded (44..1368 base64 characters). Legacy: 8..256 bytes
    // (12..344 characters); the host also requires them to be text (docs/protocol.md).
    const [min, max] = raw.mode === 'legacy' ? [8, 256] : [32, 1024];
    const c = raw.challenge;
    if (typeof c !== 'string' || c.length < Math.ceil(min / 3) * 4 || c.length > Math.ceil(max / 3) * 4
        || c.length % 4 !== 0 || !BASE64.test(c)) {
      throw invalid('challenge');
    }
    const decodedBytes = (c.length / 4) * 3 - (c.endsWith('==') ? 2 : c.endsWith('=') ? 1 : 0);
    if (decodedBytes < min || decodedBytes > max) throw invalid('challenge');
    params.challenge = c;
  }
  return { action, params };
}

/**
 * The page's origin as the browser reported it; never a value the page sent.
 * Only http(s) origins can reach the host at all.
 */
export function senderOrigin(sender) {
  let origin = sender?.origin;
  if (!origin || origin === 'null') {
    try { origin = new URL(sender?.url).origin; } catch { origin = null; }
  }
  if (!origin || !/^https?:\/\/[^/]+$/.test(origin)) {
    throw extensionError('INSECURE_ORIGIN', { origin: origin ?? null });
  }
  return origin;
}
