// Legacy HeBCA login sequence against the native login(), same browser, same run.
// A page of an origin in legacyOrigins loads both the HeBCA-style client (tests/e2e/lib/
// legacy-client.js) and the portal library (cabridge.js). In interleaved blocks it times, in the
// page, from the call to the result:
//   legacy  a fresh socket, hello, SelectSignCert, GetCertB64, GetSubjectItem{0},
//           GetSignCertNotAfter{0}, UILogin, SignText{R}, GetCertB64 (docs/legacy-bridge.md)
//   native  cabridge.login({challenge}) (docs/portal-integration.md)
// Both go through the real extension, host, HeBCA plugin and a SoftHSM token; the PIN is typed
// into the extension's window by the driver the same way for both. Not a test: nothing asserts.
//   node bench/legacy-login.mjs [--runs N] [--build DIR] [--no-write]
// Writes docs/benchmarks.md between <!-- legacy:begin --> and <!-- legacy:end -->.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: { runs: { type: 'string', default: '30' }, build: { type: 'string' }, 'no-write': { type: 'boolean', default: false } },
});
if (opts.build) process.env.CABRIDGE_BUILD_DIR = path.resolve(opts.build);
const runs = Number(opts.runs);
if (!Number.isInteger(runs) || runs < 4) throw new Error('--runs must be an integer >= 4');

const { REPO, launchBrowser, tempDir, waitForDialog, pressClosing } = await import('../tests/e2e/lib/browser.mjs');
const { acceptConsent } = await import('../tests/e2e/lib/consent.mjs');
const { REAL_HOST, realHostSetup } = await import('../tests/e2e/lib/real-host.mjs');

const BLOCK = 3;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const files = {
  '/legacy-client.js': fs.readFileSync(path.join(REPO, 'tests/e2e/lib/legacy-client.js')),
  '/cabridge.js': fs.readFileSync(path.join(REPO, 'tools/portal-library/cabridge.js')),
};
const server = http.createServer((req, res) => {
  const body = files[req.url];
  res.writeHead(200, { 'content-type': body ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8' });
  res.end(body ?? '<!doctype html><meta charset="utf-8"><script src="/legacy-client.js"></script><script src="/cabridge.js"></script>bench');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const dir = tempDir('bench-legacy');
const setup = realHostSetup(dir, { certs: ['org-rsa'], allowOrigins: [origin] });
fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify({ allowOrigins: [origin], legacyOrigins: [origin] }), { mode: 0o644 });
const browser = await launchBrowser({ hostPath: REAL_HOST, env: setup.env });

async function typePin() {
  const dialog = await waitForDialog(browser.context, 'pin.html');
  await dialog.locator('#cert .holder').waitFor();
  await dialog.locator('#pin').fill(setup.pin);
  await pressClosing(dialog, 'Enter');
}

const calls = {
  legacy: (page, R) => page.evaluate(async (r) => {
    const start = performance.now();
    const helper = new window.LegacyHelper({});
    await helper.ready;
    const out = await helper.readCertificateThenLogin(r);
    const ms = performance.now() - start;
    helper.socket.close();
    if (!out.signature) throw new Error('no signature');
    return ms;
  }, R),
  native: (page, R) => page.evaluate(async (challenge) => {
    const start = performance.now();
    const token = await window.cabridge.login({ challenge });
    if (!token.signature) throw new Error('no signature');
    return performance.now() - start;
  }, Buffer.from(R.padEnd(32, '0')).toString('base64')),
};

const samples = { legacy: [], native: [] };
try {
  for (let i = 0; ; i++) {
    const scripts = await browser.serviceWorker.evaluate(() => chrome.scripting.getRegisteredContentScripts());
    if (scripts.length === 2) break;
    if (i > 100) throw new Error('legacy bridge not registered');
    await new Promise((r) => setTimeout(r, 200));
  }
  const page = await browser.context.newPage();
  await page.goto(`${origin}/`);
  // Consent once, as a person would on the first visit (remembered for this origin).
  const first = calls.native(page, crypto.randomBytes(16).toString('hex'));
  await acceptConsent(browser.context);
  await typePin();
  await first;
  for (let done = 0; done < runs; done += BLOCK) {
    for (const kind of done % (2 * BLOCK) === 0 ? ['legacy', 'native'] : ['native', 'legacy']) {
      for (let k = 0; k < BLOCK; k++) {
        const R = crypto.randomBytes(16).toString('hex');
        const call = calls[kind](page, R);
        await typePin();
        samples[kind].push(await call);
      }
    }
  }
} finally {
  await browser.close();
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

const legacy = median(samples.legacy);
const native = median(samples.native);
const ratio = legacy / native;
const load = os.loadavg()[0].toFixed(1);
const section = `<!-- legacy:begin -->
## HeBCA legacy login sequence against \`login()\`

Written by \`bench/legacy-login.mjs\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${os.arch()}, ${os.cpus().length} cores (load average ${load} when written), SoftHSM2 token, ${samples.legacy.length} runs each, interleaved in blocks of ${BLOCK} in one browser. Page-side time from the call to the result, the PIN typed into the extension's window by the driver in both (so both include the window and the driver's typing); medians.

| sequence | page-side time | ratio | goal |
|---|---|---|---|
| legacy: new socket, hello, SelectSignCert, GetCertB64, GetSubjectItem, GetSignCertNotAfter, UILogin, SignText, GetCertB64 | ${legacy.toFixed(0)} ms | ${ratio.toFixed(2)}x | <= 1.2x |
| native: \`cabridge.login({challenge})\` | ${native.toFixed(0)} ms | 1.00x | - |

Reproduce: \`cmake --build build --target cabridge-host cabridge-host-engine cabridge-pkcs11 && node bench/legacy-login.mjs --build build\`.
<!-- legacy:end -->`;
console.log(section);
console.log(JSON.stringify(samples));
if (!opts['no-write']) {
  const file = path.join(REPO, 'docs/benchmarks.md');
  const text = fs.readFileSync(file, 'utf8');
  const re = /<!-- legacy:begin -->[\s\S]*<!-- legacy:end -->/;
  fs.writeFileSync(file, re.test(text) ? text.replace(re, section) : `${text.trimEnd()}\n\n${section}\n`);
}
