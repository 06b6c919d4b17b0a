// The extension's consent window, answered the way a person would: every test
// (and the demo) that reads a certificate or logs in on a site for the first
// time goes through it.
import { waitForDialog } from './browser.mjs';

/**
 * Waits for the consent window, checks it names `origin` (when given), ticks
 * the ID-number box when `idNumber`, and clicks 允许. Returns the dialog page,
 * which then moves on to the chooser or PIN page of the same flow.
 */
export async function acceptConsent(context, { origin, idNumber = false, timeout = 15_000 } = {}) {
  const dialog = await waitForDialog(context, 'consent.html', timeout);
  await dialog.locator('#fields li').first().waitFor({ timeout });
  if (origin !== undefined) {
    const shown = await dialog.locator('#origin').textContent();
    if (shown !== origin) throw new Error(`consent window names ${shown}, expected ${origin}`);
  }
  if (idNumber) await dialog.locator('#id-number').check();
  // With nothing left to ask, the flow ends and its window closes under the click.
  await dialog.locator('#allow').click({ noWaitAfter: true }).catch((e) => { if (!/closed/.test(e.message)) throw e; });
  return dialog;
}

/** Refuses in the consent window (拒绝); the window closes. */
export async function denyConsent(context, { timeout = 15_000 } = {}) {
  const dialog = await waitForDialog(context, 'consent.html', timeout);
  await dialog.locator('#fields li').first().waitFor({ timeout });
  await dialog.locator('#cancel').click({ noWaitAfter: true }).catch((e) => { if (!/closed/.test(e.message)) throw e; });
  await dialog.waitForEvent('close', { timeout: 5000 }).catch(() => {});
  return dialog;
}

