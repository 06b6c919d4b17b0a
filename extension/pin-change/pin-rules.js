// The vendor's PIN rules (CertInfo.pinRules: minLength, maxLength, charset) checked in the
// change-PIN window before anything is sent, as the host checks them again (docs/protocol.md).
// Pure functions: the window and the tests use them alike.

const CHARSETS = {
  digits: /^[0-9]*$/,
  alnum: /^[0-9A-Za-z]*$/,
  printable: /^[\x20-\x7E]*$/,
};

/** The rules with safe defaults for anything missing or malformed (the host's own defaults). */
export function normalizedRules(rules) {
  const min = Number.isInteger(rules?.minLength) && rules.minLength >= 1 ? rules.minLength : 1;
  const max = Number.isInteger(rules?.maxLength) && rules.maxLength >= min ? rules.maxLength : 64;
  const charset = Object.hasOwn(CHARSETS, rules?.charset) ? rules.charset : 'printable';
  return { minLength: min, maxLength: max, charset };
}

/** Whether `pin` fits the rules (length counted in bytes of ASCII: the rules allow nothing else). */
export function fitsRules(rules, pin) {
  const r = normalizedRules(rules);
  return typeof pin === 'string' && pin.length >= r.minLength && pin.length <= r.maxLength
    && CHARSETS[r.charset].test(pin);
}

/**
 * What is wrong with the form, or null: 'currentEmpty', 'newRules', 'mismatch' or 'same'.
 * `mode` 'change' compares the new PIN with the current one; 'unblock' does not (the current
 * one is the administrator's).
 */
export function pinFormProblem(rules, { mode, currentPin, newPin, confirmPin }) {
  if (typeof currentPin !== 'string' || currentPin === '') return 'currentEmpty';
  if (!fitsRules(rules, newPin)) return 'newRules';
  if (newPin !== confirmPin) return 'mismatch';
  if (mode === 'change' && newPin === currentPin) return 'same';
  return null;
}
