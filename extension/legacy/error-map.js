// cabridge errors as the helper's {ret, msg} pairs (docs/legacy-bridge.md, "Errors"). Codes the
// helper's clients know are used where they fit: 1000/1001 (nothing selected), 1005 (no such
// certificate), 1007 (not supported), -536145917 (0xE00B1003, certificate or key not present)
// and -536145887 (0xE00B1021, program failed: re-plug the key). The 11xx codes are cabridge's
// own for what the helper never reported distinctly. Pure: `t(key, [values])` is the message
// lookup (chrome.i18n.getMessage in the extension, the locale file in tests).

export const RET = Object.freeze({
  NO_CERT_SELECTED: 1000,
  NO_SIGN_CERT_SELECTED: 1001,
  CERT_NOT_FOUND: 1005,
  NOT_SUPPORTED: 1007,
  KEY_NOT_PRESENT: -536145917,
  PROGRAM_FAILED: -536145887,
  PIN_INCORRECT: 1101,
  PIN_LOCKED: 1102,
  CANCELLED: 1103,
  CERT_NOT_VALID: 1104,
  NOT_ALLOWED: 1105,
  BAD_REQUEST: 1106,
  UNAVAILABLE: 1107,
  BUSY: 1108,
});

// cabridge error code -> [ret, message key]. Anything not listed is PROGRAM_FAILED.
const TABLE = {
  NO_TOKEN: [RET.KEY_NOT_PRESENT, 'legacy_NO_TOKEN'],
  CERTIFICATE_NOT_FOUND: [RET.KEY_NOT_PRESENT, 'legacy_CERTIFICATE_NOT_FOUND'],
  TOKEN_REMOVED: [RET.KEY_NOT_PRESENT, 'legacy_TOKEN_REMOVED'],
  PIN_INCORRECT: [RET.PIN_INCORRECT, 'legacy_PIN_INCORRECT'],
  PIN_INVALID: [RET.PIN_INCORRECT, 'legacy_PIN_INVALID'],
  PIN_LOCKED: [RET.PIN_LOCKED, 'legacy_PIN_LOCKED'],
  USER_CANCELLED: [RET.CANCELLED, 'legacy_USER_CANCELLED'],
  USER_TIMEOUT: [RET.CANCELLED, 'legacy_USER_TIMEOUT'],
  CERTIFICATE_EXPIRED: [RET.CERT_NOT_VALID, 'legacy_CERTIFICATE_EXPIRED'],
  CERTIFICATE_NOT_YET_VALID: [RET.CERT_NOT_VALID, 'legacy_CERTIFICATE_NOT_YET_VALID'],
  ORIGIN_NOT_ALLOWED: [RET.NOT_ALLOWED, 'legacy_ORIGIN_NOT_ALLOWED'],
  INSECURE_ORIGIN: [RET.NOT_ALLOWED, 'legacy_ORIGIN_NOT_ALLOWED'],
  INVALID_ARGUMENT: [RET.BAD_REQUEST, 'legacy_INVALID_ARGUMENT'],
  HOST_UNAVAILABLE: [RET.UNAVAILABLE, 'legacy_HOST_UNAVAILABLE'],
  EXTENSION_UNAVAILABLE: [RET.UNAVAILABLE, 'legacy_HOST_UNAVAILABLE'],
  TAB_NOT_ACTIVE: [RET.BUSY, 'legacy_TAB_NOT_ACTIVE'],
  ACTION_PENDING: [RET.BUSY, 'legacy_TAB_NOT_ACTIVE'],
  TOKEN_NOT_RESPONDING: [RET.PROGRAM_FAILED, 'legacy_DEVICE_ERROR'],
  DEVICE_ERROR: [RET.PROGRAM_FAILED, 'legacy_DEVICE_ERROR'],
};

/** {ret, msg} for a CabridgeError-like {code, details}. */
export function legacyError(error, t) {
  const [ret, key] = TABLE[error?.code] ?? [RET.PROGRAM_FAILED, 'legacy_PROGRAM_FAILED'];
  const details = error?.details ?? {};
  let msg = t(key);
  if (error?.code === 'PIN_INCORRECT' && Number.isInteger(details.retriesLeft)) {
    msg = t('legacy_PIN_INCORRECT_LEFT', [String(details.retriesLeft)]);
  }
  // The person gave up in the PIN window after wrong PINs: say so (a page that sent UILogin and
  // SignText back to back shows only this SignText error, docs/legacy-bridge.md).
  if (error?.code === 'USER_CANCELLED' && Number.isInteger(details.triesMade)) {
    msg = `${msg} ${t('legacy_AFTER_WRONG_PINS', [String(details.triesMade)])}`;
  }
  return { ret, msg };
}

/** {ret, msg} for one of the bridge's own refusals (RET name and message key). */
export function bridgeError(retName, key, t) {
  return { ret: RET[retName], msg: t(key) };
}
