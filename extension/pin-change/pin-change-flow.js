// The change-PIN and unlock window's flow, run in the service worker: for a page's
// cabridge.changePin({vendor}) (through flows.js) and for the options page's buttons
// (background.js). The person picks the certificate (chooser.html when several), types the
// current or administrator PIN and the new PIN twice in pin-change.html; the PINs go window ->
// this worker -> host (change-pin / unblock-pin) and nowhere else. Wrong PINs and refused forms
// are shown in place; the page hears only {} or the last error.
import { CabridgeError, extensionError } from '../lib/errors.js';
import { certView } from '../lib/cert-view.js';
import { pinFormProblem } from './pin-rules.js';

const PAGE = 'pin-change/pin-change.html';
// Listing errors that say whether the person has a key: shown in the window, and the caller
// hears them only after the person closed it (a site cannot probe for a key silently).
const ABOUT_THE_PERSON = new Set(['NO_TOKEN', 'CERTIFICATE_NOT_FOUND']);
const IN_PLACE = new Set(['PIN_INCORRECT', 'PIN_INVALID']);

/**
 * Runs the window for `origin`. `options` = {mode: 'change'|'unblock', vendor?, certificateId?}.
 * Resolves {} when the PIN was changed (or unblocked); rejects with a CabridgeError.
 */
export async function runPinChange(session, flow, openDialog, options) {
  const { origin, timeouts } = flow;
  let mode = options.mode === 'unblock' ? 'unblock' : 'change';
  const args = options.vendor ? { vendor: options.vendor } : {};
  let certificates;
  try {
    ({ certificates } = await session.request('list-certificates', origin, args, timeouts.listMs, 'TOKEN_NOT_RESPONDING'));
    if (options.certificateId) certificates = certificates.filter((c) => c.id === options.certificateId);
    if (!Array.isArray(certificates) || certificates.length === 0) throw extensionError('CERTIFICATE_NOT_FOUND');
  } catch (error) {
    if (!(error instanceof CabridgeError) || !ABOUT_THE_PERSON.has(error.code)) throw error;
    const dialog = openDialog();
    await dialog.show(PAGE, { origin, mode, state: 'noCertificate', message: error.message, help: error.details.help ?? null });
    await untilClosed(dialog);
    throw error;
  }

  const dialog = openDialog();
  const cert = await chosen(certificates, origin, dialog);
  const rules = cert.pinRules ?? null;
  const base = () => ({ origin, mode, cert: certView(cert), rules, canUnblock: rules?.canUnblock !== false, help: cert.help ?? {} });
  const supported = (m) => (m === 'change' ? rules?.canChange : rules?.canUnblock) !== false;
  if (!supported(mode)) {
    await dialog.show(PAGE, { ...base(), state: 'unsupported' });
    await untilClosed(dialog);
    throw extensionError('INVALID_ARGUMENT', { unsupported: mode === 'change' ? 'change-pin' : 'unblock-pin' }, 'pc_unsupported');
  }
  await dialog.show(PAGE, { ...base(), state: 'enter' });
  let lastError = null;
  for (;;) {
    let answer;
    try {
      answer = await dialog.next();
    } catch (e) {
      // Closing the window after a failure tells the caller how it ended.
      throw lastError && e?.code === 'USER_CANCELLED' ? lastError : e;
    }
    if (answer.type === 'mode' && (answer.mode === 'change' || answer.mode === 'unblock') && supported(answer.mode)) {
      mode = answer.mode;
      dialog.update({ ...base(), state: 'enter' });
      continue;
    }
    if (answer.type !== 'submit') continue;
    let currentPin = typeof answer.currentPin === 'string' ? answer.currentPin : '';
    let newPin = typeof answer.newPin === 'string' ? answer.newPin : '';
    const confirmPin = typeof answer.confirmPin === 'string' ? answer.confirmPin : '';
    answer.currentPin = answer.newPin = answer.confirmPin = undefined;
    // The window checks the same; a window that did not (or a changed one) is refused here.
    const problem = pinFormProblem(rules, { mode, currentPin, newPin, confirmPin });
    if (problem) { dialog.update({ ...base(), state: 'form', problem }); continue; }
    dialog.update({ ...base(), state: 'working' });
    try {
      const request = mode === 'change'
        ? session.request('change-pin', origin, { certificateId: cert.id, oldPin: currentPin, newPin }, timeouts.authenticateMs, 'TOKEN_NOT_RESPONDING')
        : session.request('unblock-pin', origin, { certificateId: cert.id, soPin: currentPin, newPin }, timeouts.authenticateMs, 'TOKEN_NOT_RESPONDING');
      currentPin = newPin = null; // JS strings cannot be wiped; drop our last references at once
      await request;
    } catch (error) {
      if (!(error instanceof CabridgeError)) throw error;
      lastError = error;
      const so = error.details.user === 'so';
      if (IN_PLACE.has(error.code)) {
        dialog.update({
          ...base(), state: error.code === 'PIN_INCORRECT' ? 'pinIncorrect' : 'pinInvalid', so,
          retriesLeft: Number.isInteger(error.details.retriesLeft) ? error.details.retriesLeft : null,
          finalTry: error.details.finalTry === true, message: error.message,
        });
        continue;
      }
      if (error.code === 'PIN_LOCKED') {
        // A locked user PIN can still be unblocked here; a locked administrator PIN cannot.
        dialog.update({ ...base(), state: so ? 'soLocked' : 'locked', so, message: error.message, errorHelp: error.details.help ?? null });
        continue;
      }
      dialog.update({ ...base(), state: 'failed', message: error.message, errorHelp: error.details.help ?? null });
      continue;
    }
    dialog.update({ ...base(), state: 'done' });
    await untilClosed(dialog);
    return {};
  }
}

/** The only certificate, or the one the person picks in the chooser. */
async function chosen(certificates, origin, dialog) {
  if (certificates.length === 1) return certificates[0];
  await dialog.show('chooser.html', { origin, certificates: certificates.map((c) => certView(c)) });
  for (;;) {
    const answer = await dialog.next();
    const cert = answer.type === 'choose' && certificates.find((c) => c.id === answer.certificateId);
    if (cert) return cert;
  }
}

/** Returns when the person closes an information-only window (or its time runs out). */
async function untilClosed(dialog) {
  try {
    for (;;) await dialog.next();
  } catch (e) {
    if (e.code !== 'USER_CANCELLED' && e.code !== 'USER_TIMEOUT') throw e;
  }
}
