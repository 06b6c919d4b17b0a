// Checks what a page asked for before anything reaches the host. Unknown keys
// are refused like the host does, so a page that sends `pin` (or a typo) fails
// loudly instead of being ignored.
import { extensionError } from './errors.js';

const ALLOWED_PARAMS = {
  detect: [],
  readCertificate: ['vendor'],
  login: ['challenge', 'vendor', 'mode'],
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
  if (action === 'login') {
    const c = raw.challenge;
    // 32..1024 bytes decoded is 44..1368 base64 characters.
    if (typeof c !== 'string' || c.length < 44 || c.length > 1368 || c.length % 4 !== 0 || !BASE64.test(c)) {
      throw invalid('challenge');
    }
    const decodedBytes = (c.length / 4) * 3 - (c.endsWith('==') ? 2 : c.endsWith('=') ? 1 : 0);
    if (decodedBytes < 32 || decodedBytes > 1024) throw invalid('challenge');
    params.challenge = c;
    if (raw.mode !== undefined) {
      if (raw.mode !== 'origin-bound' && raw.mode !== 'legacy') throw invalid('mode');
      params.mode = raw.mode;
    }
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
