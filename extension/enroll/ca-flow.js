// The CA's own site in the browser (issue #18): renewal ("老用户延期": enroll, then
// installCertificate) and the CA's online unlock (unlockChallenge, then unlockWithResponse),
// run in the service worker. Only the CA's enrolment origins get anywhere: the host refuses every
// other origin (ORIGIN_NOT_ALLOWED) and the extension asks it before any window opens, so a site
// that may not enrol never gets to show one. The person sees in ca-window.html which site asks,
// for which key, and what will happen, and types the PIN (or the new PIN twice) there; the PINs go
// window -> this worker -> host and nowhere else.
import { CabridgeError, extensionError } from '../lib/errors.js';
import { certView } from '../lib/cert-view.js';
import { pinFormProblem } from '../pin-change/pin-rules.js';
import { certificateSummary } from './cert-summary.js';

const PAGE = 'enroll/ca-window.html';
const IN_PLACE = new Set(['PIN_INCORRECT', 'PIN_INVALID']);

/** Runs CA action `action` for `flow` (flows.js runFlow). Resolves the page's result. */
export async function runCaAction(action, session, flow, openDialog) {
  switch (action) {
    case 'enroll': return enroll(session, flow, openDialog);
    case 'installCertificate': return install(session, flow, openDialog);
    case 'unlockChallenge': return unlockChallenge(session, flow, openDialog);
    case 'unlockWithResponse': return unlockWithResponse(session, flow, openDialog);
    default: throw extensionError('INVALID_ARGUMENT', { argument: 'action' }, 'err_INVALID_ARGUMENT', 'action');
  }
}

/**
 * The certificates the origin may act on: the host's listing (filtered to `certificateId` when
 * given), then `list-keys` for the first, which the host serves to the vendor's enrolment origins
 * only. Both before any window: a site the host refuses hears ORIGIN_NOT_ALLOWED and the person
 * sees nothing. `forUnlock`: the vendor need not enrol keys itself (the host checks the origin
 * first, then says `details.unsupported` for a vendor without the enrolment calls), only unlock.
 */
async function enrolmentCertificates(session, { origin, params, timeouts }, certificateId, forUnlock = false) {
  const args = params.vendor ? { vendor: params.vendor } : {};
  const listing = await session.request('list-certificates', origin, args, timeouts.listMs, 'TOKEN_NOT_RESPONDING');
  let certificates = Array.isArray(listing.certificates) ? listing.certificates : [];
  if (certificateId !== undefined) certificates = certificates.filter((c) => c.id === certificateId);
  if (certificates.length === 0) {
    throw extensionError('CERTIFICATE_NOT_FOUND', params.vendor ? { vendor: params.vendor } : {});
  }
  let keys = [];
  try {
    ({ keys } = await session.request('list-keys', origin, { certificateId: certificates[0].id }, timeouts.listMs, 'TOKEN_NOT_RESPONDING'));
  } catch (error) {
    const cannotEnrol = error instanceof CabridgeError && error.code === 'INVALID_ARGUMENT' && error.details.unsupported === 'list-keys';
    if (!(forUnlock && cannotEnrol)) throw error;
  }
  return { certificates, keys: Array.isArray(keys) ? keys : [] };
}

/** The only certificate, or the one the person picks in the chooser (in the flow's window). */
async function chosen(certificates, origin, dialog) {
  if (certificates.length === 1) return certificates[0];
  await dialog.show('chooser.html', { origin, certificates: certificates.map((c) => certView(c)) });
  for (;;) {
    const answer = await dialog.next();
    const cert = answer.type === 'choose' && certificates.find((c) => c.id === answer.certificateId);
    if (cert) return cert;
  }
}

/**
 * Shows the window for `view` and sends the host `command` with the PIN the person typed, until
 * it succeeds (resolves its result) or fails in a way the person cannot fix here (rejects; the
 * window shows a lock first). Wrong PINs are shown in place with the retries left.
 */
async function withPin(dialog, flow, view, command, args, timeoutMs) {
  await dialog.show(PAGE, { ...view, state: 'enter' });
  for (;;) {
    const answer = await dialog.next();
    if (answer.type !== 'submit') continue;
    let pin = typeof answer.pin === 'string' ? answer.pin : '';
    answer.pin = undefined;
    if (!pin) { dialog.update({ ...view, state: 'pinEmpty' }); continue; }
    dialog.update({ ...view, state: 'working' });
    try {
      const request = flow.session.request(command, flow.origin, { ...args, pin }, timeoutMs, 'TOKEN_NOT_RESPONDING');
      pin = null; // JS strings cannot be wiped; drop our last reference at once
      return await request;
    } catch (error) {
      if (!(error instanceof CabridgeError)) throw error;
      if (IN_PLACE.has(error.code)) {
        dialog.update({
          ...view, state: error.code === 'PIN_INCORRECT' ? 'pinIncorrect' : 'pinInvalid',
          retriesLeft: Number.isInteger(error.details.retriesLeft) ? error.details.retriesLeft : null,
          finalTry: error.details.finalTry === true,
        });
        continue;
      }
      if (error.code === 'PIN_LOCKED') {
        dialog.update({ ...view, state: 'locked', errorHelp: error.details.help ?? null });
        await untilClosed(dialog);
      }
      throw error;
    }
  }
}

async function enroll(session, flow, openDialog) {
  const { certificates } = await enrolmentCertificates(session, flow);
  const dialog = openDialog();
  const cert = await chosen(certificates, flow.origin, dialog);
  const { keyType, subject } = flow.params;
  const view = { mode: 'generate', origin: flow.origin, cert: certView(cert), keyType, subject };
  const result = await withPin(dialog, { ...flow, session }, view, 'generate-key',
    { certificateId: cert.id, keyType, subject }, flow.timeouts.enrollMs);
  if (typeof result.csr !== 'string' || typeof result.keyId !== 'string') {
    throw extensionError('INTERNAL_ERROR', { reason: 'malformed generate-key reply' }, 'err_INTERNAL_ERROR', 'generate-key');
  }
  return { csr: result.csr, keyId: result.keyId, certificateId: cert.id };
}

async function install(session, flow, openDialog) {
  const { certificate, keyId, certificateId, replace } = flow.params;
  const summary = certificateSummary(certificate);
  const { certificates, keys } = await enrolmentCertificates(session, flow, certificateId);
  // Only a key this token holds can take the certificate; anything else is the page's mistake,
  // refused before the person is asked.
  if (!keys.some((k) => k?.keyId === keyId)) {
    throw extensionError('INVALID_ARGUMENT', { argument: 'keyId' }, 'err_INVALID_ARGUMENT', 'keyId');
  }
  const cert = certificates[0];
  const dialog = openDialog();
  const view = {
    mode: 'install', origin: flow.origin, cert: certView(cert), replace,
    issued: {
      holder: summary.subject.CN ?? '', organisation: summary.subject.O ?? '', issuer: summary.issuer.CN ?? summary.issuer.O ?? '',
      notBefore: summary.notBefore, notAfter: summary.notAfter,
    },
  };
  const result = await withPin(dialog, { ...flow, session }, view, 'install-certificate',
    { keyId, certificate, certificateId, replace }, flow.timeouts.enrollMs);
  if (typeof result.certificateId !== 'string') {
    throw extensionError('INTERNAL_ERROR', { reason: 'malformed install-certificate reply' }, 'err_INTERNAL_ERROR', 'install-certificate');
  }
  return { certificateId: result.certificateId };
}

async function unlockChallenge(session, flow, openDialog) {
  // Only keys whose vendor unlocks online (pinRules.canUnblockOnline, docs/protocol.md) are offered.
  const { certificates: all } = await enrolmentCertificates(session, flow, undefined, true);
  const certificates = all.filter(unlocksOnline);
  if (certificates.length === 0) throw cannotUnlockOnline(all[0]);
  const dialog = openDialog();
  const cert = await chosen(certificates, flow.origin, dialog);
  await dialog.show(PAGE, { mode: 'unlockStart', origin: flow.origin, cert: certView(cert), state: 'confirm' });
  for (;;) {
    const answer = await dialog.next();
    if (answer.type === 'confirm') break;
  }
  const result = await session.request('unblock-challenge', flow.origin, { certificateId: cert.id }, flow.timeouts.listMs, 'TOKEN_NOT_RESPONDING');
  if (typeof result.challenge !== 'string') {
    throw extensionError('INTERNAL_ERROR', { reason: 'malformed unblock-challenge reply' }, 'err_INTERNAL_ERROR', 'unblock-challenge');
  }
  return { challenge: result.challenge, serial: result.serial ?? null, certificateId: cert.id };
}

async function unlockWithResponse(session, flow, openDialog) {
  const { certificateId, response } = flow.params;
  const { certificates } = await enrolmentCertificates(session, flow, certificateId, true);
  const cert = certificates[0];
  if (!unlocksOnline(cert)) throw cannotUnlockOnline(cert);
  const rules = cert.pinRules ?? null;
  const dialog = openDialog();
  const view = { mode: 'unlock', origin: flow.origin, cert: certView(cert), rules };
  await dialog.show(PAGE, { ...view, state: 'enter' });
  for (;;) {
    const answer = await dialog.next();
    if (answer.type !== 'submit') continue;
    let newPin = typeof answer.newPin === 'string' ? answer.newPin : '';
    const confirmPin = typeof answer.confirmPin === 'string' ? answer.confirmPin : '';
    answer.newPin = answer.confirmPin = undefined;
    // The window checks the same; the response stands in for the administrator PIN.
    const problem = pinFormProblem(rules, { mode: 'unblock', currentPin: 'response', newPin, confirmPin });
    if (problem) { dialog.update({ ...view, state: 'form', problem }); continue; }
    dialog.update({ ...view, state: 'working' });
    try {
      const request = session.request('unblock-pin', flow.origin, { certificateId: cert.id, response, newPin },
        flow.timeouts.authenticateMs, 'TOKEN_NOT_RESPONDING');
      newPin = null;
      await request;
      return {};
    } catch (error) {
      if (error instanceof CabridgeError && error.code === 'PIN_INVALID') {
        dialog.update({ ...view, state: 'pinInvalid' });
        continue;
      }
      throw error;
    }
  }
}

/** Whether the host says the certificate's vendor unlocks online (absent: it did not say no). */
const unlocksOnline = (cert) => cert?.pinRules?.canUnblockOnline !== false;

/** INVALID_ARGUMENT as the host says it for a vendor without online unlock, with its unlock help. */
function cannotUnlockOnline(cert) {
  const help = cert?.help?.unlock;
  return extensionError('INVALID_ARGUMENT', { unsupported: 'unblock-challenge', ...(help ? { help } : {}) }, 'pc_unsupported');
}

/** Returns when the person closes an information-only window (or its time runs out). */
async function untilClosed(dialog) {
  try {
    for (;;) await dialog.next();
  } catch (e) {
    if (e.code !== 'USER_CANCELLED' && e.code !== 'USER_TIMEOUT') throw e;
  }
}
