// The Firefox counterparts of real-scenario.mjs and consent.mjs: Firefox ESR with the real
// host on a fresh SoftHSM token and a test page, and the extension's windows answered the way
// a person would (puppeteer-core pages instead of Playwright's).
import { launchFirefox, waitForFirefoxDialog } from './firefox.mjs';
import { tempDir } from './browser.mjs';
import { startPageServer } from './page-server.mjs';
import { REAL_HOST, realHostSetup } from './real-host.mjs';

/**
 * opts: {certs, fault?, allowOrigins?(origin) -> [..], prefs?}
 * body({page, firefox, setup, origin, dir})
 */
export async function withRealHostInFirefox(opts, body) {
  const srv = await startPageServer();
  const dir = tempDir('ff-real');
  const allowOrigins = opts.allowOrigins ? opts.allowOrigins(srv.origin) : [srv.origin];
  const setup = realHostSetup(dir, { certs: opts.certs, fault: opts.fault, allowOrigins });
  const firefox = await launchFirefox({ hostPath: REAL_HOST, env: setup.env, prefs: opts.prefs });
  try {
    const page = await firefox.newPage();
    await page.goto(`${srv.origin}/`);
    await body({ page, firefox, setup, origin: srv.origin, dir });
  } finally {
    await firefox.close();
    await srv.close();
  }
}

/** Clicks an element whose click may end the dialog (the extension then closes the window). */
export async function clickClosing(dialog, selector) {
  await dialog.click(selector).catch((e) => { if (!/clos|detach|discard|no such/i.test(e.message)) throw e; });
}

/** Presses a key that may end the dialog. */
export async function pressClosing(dialog, key) {
  await dialog.keyboard.press(key).catch((e) => { if (!/clos|detach|discard|no such/i.test(e.message)) throw e; });
}

/** Waits for the consent window, checks it names `origin` (when given), and clicks 允许. */
export async function acceptConsentInFirefox(browser, { origin, timeout = 15_000 } = {}) {
  const dialog = await waitForFirefoxDialog(browser, 'consent.html', timeout);
  await dialog.waitForSelector('#fields li', { timeout });
  if (origin !== undefined) {
    const shown = await dialog.$eval('#origin', (e) => e.textContent);
    if (shown !== origin) throw new Error(`consent window names ${shown}, expected ${origin}`);
  }
  await clickClosing(dialog, '#allow');
  return dialog;
}

/** The PIN window of a flow, once it shows the certificate (the consent window moves on to it). */
export async function pinDialogInFirefox(browser, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const dialog = await waitForFirefoxDialog(browser, 'pin.html', timeout);
    try {
      await dialog.waitForSelector('#cert .holder', { timeout: Math.max(1000, deadline - Date.now()) });
      return dialog;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
  }
}
