// The person's consent before a site learns anything about their certificates.
// readCertificate and login ask once per origin which site wants what; the
// answer is kept in chrome.storage.local under "consents" (origin ->
// {idNumber, grantedAt}) and can be revoked on the options page. A denial is
// not kept: the site just gets USER_CANCELLED, and prompt-guard.js keeps it
// from asking again at once.

const STORE_KEY = 'consents';

/**
 * Whether the answer for `origin` may be remembered. https, and http on
 * localhost/127.0.0.1 (the host's own rule for origins that follow its list),
 * may; any other plain-http page can be rewritten by anyone on the network
 * path, so it is asked every time unless the administrator's policy marks it
 * trusted (`originTrusted` in the host's status reply).
 */
export function mayRemember(origin, trusted) {
  let url;
  try { url = new URL(origin); } catch { return false; }
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  return trusted === true || url.hostname === 'localhost' || url.hostname === '127.0.0.1';
}

async function loadAll() {
  try {
    const { [STORE_KEY]: all } = await chrome.storage.local.get(STORE_KEY);
    return all && typeof all === 'object' && !Array.isArray(all) ? all : {};
  } catch {
    return {}; // storage unavailable: nothing remembered, the person is asked
  }
}

/** The remembered answer for `origin` ({idNumber, grantedAt}) or null. */
export async function rememberedConsent(origin) {
  const entry = (await loadAll())[origin];
  return entry && typeof entry === 'object' ? { idNumber: entry.idNumber === true, grantedAt: entry.grantedAt ?? null } : null;
}

export async function rememberConsent(origin, { idNumber }) {
  const all = await loadAll();
  all[origin] = { idNumber: idNumber === true, grantedAt: new Date().toISOString() };
  await chrome.storage.local.set({ [STORE_KEY]: all });
}

/** Every remembered origin, sorted: [{origin, idNumber, grantedAt}]. */
export async function listConsents() {
  const all = await loadAll();
  return Object.keys(all).sort().map((origin) => ({
    origin, idNumber: all[origin]?.idNumber === true, grantedAt: all[origin]?.grantedAt ?? null,
  }));
}

export async function revokeConsent(origin) {
  const all = await loadAll();
  delete all[origin];
  await chrome.storage.local.set({ [STORE_KEY]: all });
}

/**
 * The CertInfo as the page may have it: `identity.idNumber` is null unless the
 * person ticked it (a key that is present and null, never a missing key).
 */
export function consentedCertInfo(cert, consent) {
  const identity = { ...(cert.identity && typeof cert.identity === 'object' ? cert.identity : {}) };
  if (consent?.idNumber !== true || typeof identity.idNumber !== 'string') identity.idNumber = null;
  return { ...cert, identity };
}

/**
 * The remembered answer, or the consent window's (in the flow's dialog window).
 * Resolves {idNumber}; rejects USER_CANCELLED when the person refuses.
 * `action` is 'readCertificate' or 'login'; `trusted` is the host's originTrusted.
 */
export async function obtainConsent(flow, openDialog, { action, trusted }) {
  const remember = mayRemember(flow.origin, trusted);
  if (remember) {
    const saved = await rememberedConsent(flow.origin);
    if (saved) return saved;
  }
  const offerIdNumber = action === 'readCertificate';
  const dialog = openDialog();
  await dialog.show('consent.html', { origin: flow.origin, action, remember, offerIdNumber });
  for (;;) {
    const answer = await dialog.next();
    if (answer.type !== 'consent') continue;
    const consent = { idNumber: offerIdNumber && answer.idNumber === true };
    if (remember) await rememberConsent(flow.origin, consent);
    return consent;
  }
}
