// The three things a page can ask for, each run over its own native port.
// The PIN travels dialog page -> this worker -> host and nowhere else.
import { CabridgeError, extensionError } from './errors.js';
import { NativeSession } from './native-session.js';
import { DialogWindow } from './dialog-window.js';
import { certView } from './cert-view.js';
import { consentedCertInfo, obtainConsent } from './consent.js';
import { runPinChange } from '../pin-change/pin-change-flow.js';
import { runCaAction } from '../enroll/ca-flow.js';

const DIALOG_ERRORS_IN_PLACE = new Set(['PIN_INCORRECT', 'PIN_INVALID']);
// Listing failures that tell whether the person has a key or certificate: a
// site hears them only after the person allowed it (others pass at once).
const ABOUT_THE_PERSON = new Set(['NO_TOKEN', 'CERTIFICATE_NOT_FOUND']);

/**
 * Runs one page action. `flow` = {id, origin, params, timeouts, onAbort(fn),
 * beforeWindow()}: beforeWindow runs before a window opens and throws to refuse.
 * Resolves with the result for the page or rejects with a CabridgeError.
 */
export async function runFlow(action, flow) {
  const session = new NativeSession();
  let dialog = null;
  const openDialog = () => (dialog ??= new DialogWindow(flow.id, flow.timeouts.userMs, flow.beforeWindow));
  flow.onAbort(() => { dialog?.close(); session.close(); });
  try {
    switch (action) {
      case 'detect': return await detect(session, flow);
      case 'readCertificate': return await readCertificate(session, flow, openDialog);
      case 'login': return await login(session, flow, openDialog);
      // A page's changePin (params.vendor), or the options page's buttons (params.certificateId).
      case 'changePin':
      case 'unblockPin':
        return await runPinChange(session, flow, openDialog, { mode: action === 'unblockPin' ? 'unblock' : 'change', ...flow.params });
      // The CA's own site: renewal and online unlock (enroll/ca-flow.js).
      case 'enroll':
      case 'installCertificate':
      case 'unlockChallenge':
      case 'unlockWithResponse':
        return await runCaAction(action, session, flow, openDialog);
      default: throw extensionError('INVALID_ARGUMENT', { argument: 'action' }, 'err_INVALID_ARGUMENT', 'action');
    }
  } finally {
    dialog?.close();
    session.close();
  }
}

async function detect(session, { origin, timeouts }) {
  const status = await session.request('status', origin, {}, timeouts.statusMs);
  const allowed = status.originAllowed === true;
  const host = { version: status.version, protocol: status.protocol, originAllowed: allowed };
  // A site that may not use certificates learns nothing about the installation,
  // even from a host that still sends more than the reduced reply.
  if (allowed && status.policy !== undefined) host.policy = status.policy;
  if (allowed && typeof status.originTrusted === 'boolean') host.originTrusted = status.originTrusted;
  return {
    extension: { id: chrome.runtime.id, version: chrome.runtime.getManifest().version },
    host,
    plugins: allowed && Array.isArray(status.plugins) ? status.plugins : [],
  };
}

/**
 * The host's listing: {certificates, trusted}. `trusted` is the policy's originTrusted, which the
 * listing carries (docs/protocol.md section 3.2), also in a NO_TOKEN error's details; a thrown
 * error has it as `trusted` too.
 */
async function listCertificates(session, { origin, params, timeouts }, purpose) {
  const args = {};
  if (params.vendor) args.vendor = params.vendor;
  if (purpose) args.purpose = purpose;
  let listing;
  try {
    listing = await session.request('list-certificates', origin, args, timeouts.listMs, 'TOKEN_NOT_RESPONDING');
  } catch (error) {
    if (error instanceof CabridgeError) error.trusted = error.details.originTrusted === true;
    throw error;
  }
  const trusted = listing.originTrusted === true;
  const { certificates } = listing;
  if (!Array.isArray(certificates) || certificates.length === 0) {
    const error = extensionError('CERTIFICATE_NOT_FOUND', params.vendor ? { vendor: params.vendor } : {});
    error.trusted = trusted;
    throw error;
  }
  return { certificates, trusted };
}

/** One certificate: the only one, or the one the person picks in the chooser. */
async function chooseCertificate(certificates, flow, openDialog) {
  if (certificates.length === 1) return certificates[0];
  const dialog = openDialog();
  await dialog.show('chooser.html', {
    origin: flow.origin,
    certificates: certificates.map((c) => certView(c)),
  });
  for (;;) {
    const answer = await dialog.next();
    const chosen = answer.type === 'choose' && certificates.find((c) => c.id === answer.certificateId);
    if (chosen) return chosen;
  }
}

/**
 * Lists the certificates, then asks the person's consent. Listing first means a
 * site the host refuses gets the host's error and never a consent window;
 * "no key"/"no certificate" waits until the person has allowed the site.
 * The listing is the only request: it carries the vendor names, help and originTrusted.
 * Resolves {certificates, consent}.
 */
async function listWithConsent(session, flow, openDialog, action, purpose) {
  let certificates;
  let trusted;
  let listError = null;
  try {
    ({ certificates, trusted } = await listCertificates(session, flow, purpose));
  } catch (error) {
    if (!ABOUT_THE_PERSON.has(error?.code)) throw error;
    listError = error;
    trusted = error.trusted === true;
  }
  const consent = await obtainConsent(flow, openDialog, { action, trusted });
  if (listError) throw listError;
  return { certificates, consent };
}

async function readCertificate(session, flow, openDialog) {
  const { certificates, consent } = await listWithConsent(session, flow, openDialog, 'readCertificate');
  return consentedCertInfo(await chooseCertificate(certificates, flow, openDialog), consent);
}

async function login(session, flow, openDialog) {
  const { certificates } = await listWithConsent(session, flow, openDialog, 'login', 'login');
  const cert = await chooseCertificate(certificates, flow, openDialog);
  const view = certView(cert);
  const dialog = openDialog();
  const args = (pin) => {
    const a = { certificateId: cert.id, challenge: flow.params.challenge, pin };
    if (flow.params.mode) a.mode = flow.params.mode;
    return a;
  };

  if (view.expired || view.notYetValid) {
    // Refused before the PIN is asked, as the host would refuse it, with the vendor's renewal
    // help from the listing: nothing more is sent to the host.
    const help = renewHelp(cert);
    const error = extensionError(view.expired ? 'CERTIFICATE_EXPIRED' : 'CERTIFICATE_NOT_YET_VALID', help ? { help } : {});
    await showUntilClosed(dialog, { origin: flow.origin, cert: view, state: view.expired ? 'expired' : 'notYetValid', help });
    throw error;
  }

  await dialog.show('pin.html', { origin: flow.origin, cert: view, state: 'enter' });
  const wrong = { triesMade: 0, retriesLeft: null }; // wrong PINs typed in this window
  for (;;) {
    const answer = await dialog.next().catch((e) => { throw withWrongPins(e, wrong); });
    if (answer.type !== 'submit') continue;
    let pin = typeof answer.pin === 'string' ? answer.pin : '';
    answer.pin = undefined;
    if (!pin) { dialog.update({ origin: flow.origin, cert: view, state: 'pinEmpty' }); continue; }
    dialog.update({ origin: flow.origin, cert: view, state: 'verifying' });
    try {
      const request = session.request('authenticate', flow.origin, args(pin), flow.timeouts.authenticateMs, 'TOKEN_NOT_RESPONDING');
      pin = null; // JS strings cannot be wiped; drop our last reference at once
      const { token, pinToBeChanged } = await request;
      // The key still has its initial (factory) PIN: the login worked, and the window tells the
      // person to change the PIN, offering the change right here, before the site gets the token
      // (when they close it or time runs out).
      if (pinToBeChanged === true) await offerPinChange(session, flow, openDialog, dialog, cert, view);
      return token;
    } catch (error) {
      if (!(error instanceof CabridgeError)) throw error;
      if (DIALOG_ERRORS_IN_PLACE.has(error.code)) {
        if (error.code === 'PIN_INCORRECT') {
          wrong.triesMade += 1;
          wrong.retriesLeft = Number.isInteger(error.details.retriesLeft) ? error.details.retriesLeft : null;
        }
        dialog.update({
          origin: flow.origin, cert: view,
          state: error.code === 'PIN_INCORRECT' ? 'pinIncorrect' : 'pinInvalid',
          retriesLeft: error.details.retriesLeft ?? null,
          finalTry: error.details.finalTry === true,
          message: error.message,
        });
        continue;
      }
      if (error.code === 'PIN_LOCKED' || error.code === 'CERTIFICATE_EXPIRED') {
        await showUntilClosed(dialog, {
          origin: flow.origin, cert: view,
          state: error.code === 'PIN_LOCKED' ? 'locked' : 'expired',
          help: error.details.help ?? null, message: error.message,
        }, true);
      }
      throw error.code === 'PIN_LOCKED' ? withWrongPins(error, { ...wrong, retriesLeft: 0 }) : error;
    }
  }
}

/** The vendor's renewal help ({text, url?, phone?}) the listing gave with `cert`, or null. */
function renewHelp(cert) {
  const help = cert.help?.renew;
  return help && typeof help === 'object' && typeof help.text === 'string' && help.text ? help : null;
}

/**
 * The page never sees PIN_INCORRECT (the window handles it in place), so when the person gives
 * up after wrong PINs, the error says how it went: {triesMade, retriesLeft, locked}
 * (docs/protocol.md section 7). Unchanged when no wrong PIN was typed.
 */
function withWrongPins(error, wrong) {
  if (wrong.triesMade === 0 || !(error instanceof CabridgeError)) return error;
  return new CabridgeError(error.code, error.message, {
    ...error.details,
    triesMade: wrong.triesMade,
    retriesLeft: wrong.retriesLeft,
    locked: wrong.retriesLeft === 0,
  });
}

/**
 * After a login with the key's initial PIN: the window says so and offers 立即修改密码, which runs
 * the change-PIN window for this certificate in the same window. Closing either goes on to the
 * site; whatever the change ends in, the login itself succeeded and the site gets its token.
 */
async function offerPinChange(session, flow, openDialog, dialog, cert, view) {
  dialog.update({ origin: flow.origin, cert: view, state: 'pinDefault', canChange: cert.pinRules?.canChange !== false });
  try {
    for (;;) {
      const answer = await dialog.next();
      if (answer.type === 'changePin' && cert.pinRules?.canChange !== false) break;
    }
  } catch (e) {
    if (e.code === 'USER_CANCELLED' || e.code === 'USER_TIMEOUT') return;
    throw e;
  }
  try {
    await runPinChange(session, flow, openDialog, { mode: 'change', certificateId: cert.id });
  } catch (e) {
    if (!(e instanceof CabridgeError)) throw e;
  }
}

/** Shows an information-only state; returns when the person closes it (or time runs out). */
async function showUntilClosed(dialog, view, inPlace = false) {
  if (inPlace) dialog.update(view);
  else await dialog.show('pin.html', view);
  try {
    for (;;) await dialog.next();
  } catch (e) {
    if (e.code !== 'USER_CANCELLED' && e.code !== 'USER_TIMEOUT') throw e;
  }
}
