// Starts a browser with the real host on a fresh token and a test page, runs
// the test body, and cleans up.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, tempDir } from './browser.mjs';
import { startPageServer } from './page-server.mjs';
import { REAL_HOST, realHostSetup, writeHostWrapper } from './real-host.mjs';

const RECORDING_HOST = path.join(path.dirname(fileURLToPath(import.meta.url)), 'recording-host.mjs');

export const randomChallenge = () => crypto.randomBytes(32).toString('base64');

/**
 * opts: {certs, fault?, allowOrigins?(origin) -> [..], timeouts?, selfSigned?, recordRequests?}
 * body({page, browser, setup, origin, dir, requests}). With recordRequests the real host runs
 * behind lib/recording-host.mjs and requests() gives what the extension sent so far, in order:
 * [{command, pin: 'absent'|'empty'|'given'}] (the worker's own legacy-policy left out); without it
 * requests() throws.
 */
export async function withRealHost(opts, body) {
  const srv = await startPageServer();
  const dir = tempDir('real');
  const allowOrigins = opts.allowOrigins ? opts.allowOrigins(srv.origin) : [srv.origin];
  const setup = realHostSetup(dir, { certs: opts.certs, fault: opts.fault, allowOrigins, selfSigned: opts.selfSigned });
  const requestLog = path.join(dir, 'requests.jsonl');
  const hostPath = opts.recordRequests
    ? writeHostWrapper(dir, [process.execPath, RECORDING_HOST, REAL_HOST], { CABRIDGE_TEST_REQUEST_LOG: requestLog })
    : REAL_HOST;
  const requests = () => {
    if (!opts.recordRequests) throw new Error('requests() needs withRealHost({recordRequests: true})');
    if (!fs.existsSync(requestLog)) return [];
    // The service worker's own `legacy-policy` (the HeBCA bridge's registration, on every
    // worker start) is not part of a page's action: left out.
    return fs.readFileSync(requestLog, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
      .filter((r) => r.command !== 'legacy-policy');
  };
  const browser = await launchBrowser({ hostPath, env: setup.env });
  try {
    if (opts.timeouts) await browser.setTimeouts(opts.timeouts);
    const page = await browser.context.newPage();
    await page.goto(`${srv.origin}/`);
    await body({ page, browser, setup, origin: srv.origin, dir, requests });
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
