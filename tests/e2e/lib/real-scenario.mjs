// Starts a browser with the real host on a fresh token and a test page, runs
// the test body, and cleans up.
import crypto from 'node:crypto';
import { launchBrowser, tempDir } from './browser.mjs';
import { startPageServer } from './page-server.mjs';
import { REAL_HOST, realHostSetup } from './real-host.mjs';

export const randomChallenge = () => crypto.randomBytes(32).toString('base64');

/**
 * opts: {certs, fault?, allowOrigins?(origin) -> [..], timeouts?, selfSigned?}
 * body({page, browser, setup, origin})
 */
export async function withRealHost(opts, body) {
  const srv = await startPageServer();
  const dir = tempDir('real');
  const allowOrigins = opts.allowOrigins ? opts.allowOrigins(srv.origin) : [srv.origin];
  const setup = realHostSetup(dir, { certs: opts.certs, fault: opts.fault, allowOrigins, selfSigned: opts.selfSigned });
  const browser = await launchBrowser({ hostPath: REAL_HOST, env: setup.env });
  try {
    if (opts.timeouts) await browser.setTimeouts(opts.timeouts);
    const page = await browser.context.newPage();
    await page.goto(`${srv.origin}/`);
    await body({ page, browser, setup, origin: srv.origin, dir });
  } finally {
    await browser.close();
    await srv.close();
  }
}

/** Starts cabridge.<fn>(arg) in the page without waiting; returns a promise of {result}|{error}. */
export function startCall(page, fn, arg) {
  return page.evaluate(async ([f, a]) => {
    try {
      return { result: await window.cabridge[f](a) };
    } catch (e) {
      return { error: { code: e.code, message: e.message, details: e.details } };
    }
  }, [fn, arg]).catch((e) => ({ error: { code: 'TEST_PAGE_CLOSED', message: e.message } }));
}
