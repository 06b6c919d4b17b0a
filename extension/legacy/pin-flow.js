// The signature behind a legacy SignText/SignB64: the extension's own PIN window (or, where the
// administrator allows it, the PIN the page handed over with Login{pin}) and one host
// `authenticate` in legacy mode. The PIN goes window -> this worker -> host and is dropped at once.
import { CabridgeError, extensionError } from '../lib/errors.js';

const IN_PLACE = new Set(['PIN_INCORRECT', 'PIN_INVALID']);

/**
 * Signs `challenge` (base64 of legacy text) with `cert`. `ask` = {session, origin, view, hash,
 * timeouts, openDialog}; `pagePin` is a PIN the page sent (used once, no window) or null.
 * Resolves the host's AuthToken; rejects with a CabridgeError.
 */
export async function signLegacy(cert, challenge, ask, pagePin) {
  const args = (pin) => ({ certificateId: cert.id, challenge, pin, mode: 'legacy', hash: ask.hash });
  const authenticate = (pin) => ask.session.request('authenticate', ask.origin, args(pin),
    ask.timeouts.authenticateMs, 'TOKEN_NOT_RESPONDING');
  if (pagePin !== null) return (await authenticate(pagePin)).token;
  if (ask.view.expired) throw extensionError('CERTIFICATE_EXPIRED', {});
  if (ask.view.notYetValid) throw extensionError('CERTIFICATE_NOT_YET_VALID', {});

  const dialog = ask.openDialog();
  const show = (state, extra = {}) => ({ origin: ask.origin, cert: ask.view, state, ...extra });
  await dialog.show('pin.html', show('enter'));
  let triesMade = 0;
  for (;;) {
    let answer;
    try {
      answer = await dialog.next();
    } catch (error) {
      if (triesMade > 0 && error instanceof CabridgeError) error.details = { ...error.details, triesMade };
      throw error;
    }
    if (answer.type !== 'submit') continue;
    let pin = typeof answer.pin === 'string' ? answer.pin : '';
    answer.pin = undefined;
    if (!pin) { dialog.update(show('pinEmpty')); continue; }
    dialog.update(show('verifying'));
    try {
      const request = authenticate(pin);
      pin = null; // JS strings cannot be wiped; drop the last reference at once
      return (await request).token;
    } catch (error) {
      if (!(error instanceof CabridgeError) || !IN_PLACE.has(error.code)) throw error;
      if (error.code === 'PIN_INCORRECT') triesMade += 1;
      dialog.update(show(error.code === 'PIN_INCORRECT' ? 'pinIncorrect' : 'pinInvalid', {
        retriesLeft: error.details.retriesLeft ?? null,
        finalTry: error.details.finalTry === true,
        message: error.message,
      }));
    }
  }
}
