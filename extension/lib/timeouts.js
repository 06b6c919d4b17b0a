// How long the extension waits. A host that never answers gets no error from
// Chromium at all (measured with Chromium 156), so every wait has a deadline of our own. The host
// enforces its own token deadlines (enumerate 10 s, login 20 s, sign 20 s by
// default), so ours sit just above them: the host's specific error wins when
// it can still answer.
export const DEFAULT_TIMEOUTS = Object.freeze({
  statusMs: 10_000,
  listMs: 15_000,
  authenticateMs: 50_000,
  enrollMs: 130_000, // generate-key / install-certificate: an RSA-2048 key pair on a slow key takes a minute
  userMs: 120_000, // the person's time to act on one dialog step
  cancelBackoffMs: 3_000, // first pause after a cancel before the tab may open a window again (prompt-guard.js)
});

/**
 * Administrators (and the end-to-end tests) may shorten or lengthen the waits
 * in chrome.storage.local under "timeouts"; only known keys with sane values count.
 */
export async function loadTimeouts() {
  const result = { ...DEFAULT_TIMEOUTS };
  try {
    const { timeouts } = await chrome.storage.local.get('timeouts');
    for (const key of Object.keys(DEFAULT_TIMEOUTS)) {
      const value = timeouts?.[key];
      if (Number.isInteger(value) && value >= 100 && value <= 3_600_000) result[key] = value;
    }
  } catch {
    // Storage unavailable: the defaults are safe.
  }
  return result;
}
