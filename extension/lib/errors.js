// Errors as the page sees them: {code, message, details} with the codes of
// docs/protocol.md section 6.
// Host errors pass through unchanged; the codes the extension adds get their
// Chinese text from _locales so the page can show it to the person as is.

export class CabridgeError extends Error {
  constructor(code, message, details = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }

  toWire() {
    return { code: this.code, message: this.message, details: this.details };
  }
}

const t = (key, value) =>
  chrome.i18n.getMessage(key, value === undefined ? undefined : [String(value)]) || key;

/** An error the extension raises itself; the message comes from the locale table. */
export function extensionError(code, details = {}, messageKey = `err_${code}`, value) {
  return new CabridgeError(code, t(messageKey, value), details);
}

/** A host error reply ({code, message, details}) as an Error. */
export function hostError(error) {
  const code = typeof error?.code === 'string' ? error.code : 'INTERNAL_ERROR';
  const message = typeof error?.message === 'string' && error.message
    ? error.message
    : t('err_INTERNAL_ERROR', code);
  const details = error?.details && typeof error.details === 'object' ? error.details : {};
  return new CabridgeError(code, message, details);
}

/**
 * Chromium reports native-messaging failures only as these English strings
 * (as measured with Chromium 156), Firefox as its own (Firefox ESR 153). Each maps to
 * HOST_UNAVAILABLE with a reason, so the page can tell "not installed" from "crashed".
 * Firefox says "No such native application" both for a missing manifest and for one that
 * does not list the add-on, so in Firefox "forbidden" shows as "not-found".
 */
const NATIVE_ERRORS = [
  ['Specified native messaging host not found.', 'not-found', 'err_HOST_NOT_FOUND'],
  ['Access to the specified native messaging host is forbidden.', 'forbidden', 'err_HOST_FORBIDDEN'],
  ['Native host has exited.', 'exited', 'err_HOST_EXITED'],
  ['Error when communicating with the native messaging host.', 'communication', 'err_HOST_COMMUNICATION'],
  ['No such native application org.cabridge.host', 'not-found', 'err_HOST_NOT_FOUND'],
];

export function nativeDisconnectError(chromiumMessage) {
  for (const [text, reason, key] of NATIVE_ERRORS) {
    if (chromiumMessage === text) {
      return extensionError('HOST_UNAVAILABLE', { reason, browserMessage: chromiumMessage }, key);
    }
  }
  // Unknown text (a future Chromium) or a clean disconnect without a reply.
  return extensionError('HOST_UNAVAILABLE',
    { reason: chromiumMessage ? 'unknown' : 'exited', browserMessage: chromiumMessage || null },
    chromiumMessage ? 'err_HOST_COMMUNICATION' : 'err_HOST_EXITED');
}

/** Any thrown value as the wire form the page receives. */
export function toWireError(err) {
  if (err instanceof CabridgeError) return err.toWire();
  return extensionError('INTERNAL_ERROR', {}, 'err_INTERNAL_ERROR', err?.message ?? String(err)).toWire();
}
