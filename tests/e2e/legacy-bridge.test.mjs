// HeBCA portal pages, unchanged, through the extension (docs/legacy-bridge.md): a legacy client
// (lib/legacy-client.js, written from the protocol's description) opens ws://localhost:17212/test
// on a page of an origin the policy lists in legacyOrigins, and runs the read-certificate-then-login
// sequence against the real extension, host, HeBCA plugin and a SoftHSM token. The login
// signature is checked with the openssl CLI as a bare SHA1withRSA signature over the random
// string, the way HeBCA's signature server checks it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { launchBrowser, tempDir, waitForDialog, pressClosing, REPO } from './lib/browser.mjs';
import { acceptConsent } from './lib/consent.mjs';
import { REAL_HOST, realHostSetup } from './lib/real-host.mjs';

const CLIENT = fs.readFileSync(path.join(REPO, 'tests/e2e/lib/legacy-client.js'));
const PAGE = '<!doctype html><meta charset="utf-8"><title>HeBCA portal</title>'
  + '<script>window.seen = []; addEventListener("message", (e) => seen.push(JSON.stringify(e.data)), true);</script>'
  + '<script src="/legacy-client.js"></script><body>portal</body>';

async function startPortal() {
  const server = http.createServer((req, res) => {
    if (req.url === '/legacy-client.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(CLIENT);
    } else {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

/**
 * A browser whose host allows `portal` (and `other`, not legacy) with the policy's legacy
 * settings `legacy` ({legacyLoginOrigins, legacyHash, ...}); waits until the extension has
 * registered the bridge for the legacy origin.
 */
async function withLegacyPortal(opts, body) {
  const portal = await startPortal();
  const other = await startPortal();
  const dir = tempDir('legacy');
  try {
    const setup = realHostSetup(dir, { certs: opts.certs ?? ['org-rsa'], allowOrigins: [portal.origin, other.origin], fault: opts.fault });
    const policy = { allowOrigins: [portal.origin, other.origin], legacyOrigins: [portal.origin], ...(opts.legacy ? opts.legacy(portal.origin) : {}) };
    fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify(policy), { mode: 0o644 });
    const browser = await launchBrowser({ hostPath: REAL_HOST, env: setup.env });
    try {
      await waitForRegistration(browser.serviceWorker, `${portal.origin}/*`);
      const page = await browser.context.newPage();
      await page.goto(`${portal.origin}/`);
      await body({ page, browser, setup, portal, other, dir });
    } finally {
      await browser.close();
    }
  } finally {
    await portal.close();
    await other.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function waitForRegistration(worker, pattern) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const scripts = await worker.evaluate(() => chrome.scripting.getRegisteredContentScripts()).catch(() => []);
    if (scripts.length === 2 && scripts.every((s) => s.matches.includes(pattern))) return scripts;
    if (Date.now() > deadline) throw new Error(`bridge not registered for ${pattern}: ${JSON.stringify(scripts)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Runs `fn(helper, arg)` in the page with a connected LegacyHelper kept as window.helper. */
function inPage(page, fn, arg) {
  return page.evaluate(async ([source, a]) => {
    window.helper ??= new window.LegacyHelper({});
    await window.helper.ready;
    try {
      // eslint-disable-next-line no-new-func
      return { result: await new Function('helper', 'arg', `return (${source})(helper, arg);`)(window.helper, a) };
    } catch (e) {
      return { error: { err: e.err, message: e.message } };
    }
  }, [fn.toString(), arg]);
}

async function typePin(context, pin) {
  const dialog = await waitForDialog(context, 'pin.html');
  await dialog.locator('#cert .holder').waitFor();
  await dialog.locator('#pin').fill(pin);
  await pressClosing(dialog, 'Enter');
  return dialog;
}

/** openssl's verdict on a bare signature (base64) over `text` with the certificate (base64 DER). */
function opensslVerifies(dir, certB64, signatureB64, text, digest = 'sha1') {
  const work = fs.mkdtempSync(path.join(dir, 'verify-'));
  fs.writeFileSync(path.join(work, 'cert.der'), Buffer.from(certB64, 'base64'));
  fs.writeFileSync(path.join(work, 'sig.bin'), Buffer.from(signatureB64, 'base64'));
  fs.writeFileSync(path.join(work, 'data.txt'), Buffer.from(text, 'utf8'));
  execFileSync('openssl', ['x509', '-inform', 'DER', '-in', path.join(work, 'cert.der'), '-pubkey', '-noout',
    '-out', path.join(work, 'pub.pem')]);
  try {
    const out = execFileSync('openssl', ['dgst', `-${digest}`, '-verify', path.join(work, 'pub.pem'),
      '-signature', path.join(work, 'sig.bin'), path.join(work, 'data.txt')], { stdio: 'pipe' }).toString();
    return /Verified OK/.test(out);
  } catch {
    return false;
  }
}

const random = () => crypto.randomBytes(12).toString('hex');

test('read certificate, then log in: the HeBCA sequence signs the random string with SHA1withRSA', { timeout: 240_000 }, async () => {
  await withLegacyPortal({}, async ({ page, browser, setup, portal, dir }) => {
    assert.equal(await page.evaluate(() => window.WebSocket.cabridgeLegacy), true, 'bridge present on the legacy origin');
    const R = random();
    const run = inPage(page, (helper, r) => helper.readCertificateThenLogin(r), R);
    await acceptConsent(browser.context, { origin: portal.origin });
    await typePin(browser.context, setup.pin);
    const { result, error } = await run;
    assert.equal(error, undefined, JSON.stringify(error));
    assert.equal(result.cn, '河北测试科技有限公司');
    assert.equal(result.cert, result.boundCert, 'the same certificate from selection to signature');
    assert.ok(!Number.isNaN(new Date(result.notAfter).getTime()), 'certnotafter is a date new Date() reads');
    assert.equal(opensslVerifies(dir, result.cert, result.signature, R, 'sha1'), true, 'openssl verifies SHA1withRSA over R');
    assert.equal(opensslVerifies(dir, result.cert, result.signature, `${R}x`, 'sha1'), false);
    // The PIN never reached the page, and the socket is still open (the helper's clients need that).
    assert.ok(!(await page.evaluate(() => window.seen.join('\n'))).includes(setup.pin));
    assert.equal(await page.evaluate(() => window.helper.closed), false);
    const logged = await inPage(page, (helper) => helper.isCertLogined('河北测试科技有限公司'));
    assert.equal(logged.result?.result, 1);
  });
});

test('legacyHash sha256, a | and quotes inside the signed text, SignB64', { timeout: 240_000 }, async () => {
  await withLegacyPortal({ legacy: () => ({ legacyHash: 'sha256' }) }, async ({ page, browser, setup, dir }) => {
    const text = `R|"${random()}"|end`;
    const run = inPage(page, async (helper, t) => {
      await helper.selectSignCert();
      return (await helper.signText(t)).signature;
    }, text);
    await acceptConsent(browser.context);
    await typePin(browser.context, setup.pin);
    const { result: signature, error } = await run;
    assert.equal(error, undefined, JSON.stringify(error));
    const cert = (await inPage(page, (helper) => helper.getCertB64())).result.cert;
    assert.equal(opensslVerifies(dir, cert, signature, text, 'sha256'), true, 'signed exactly the text with its | and quotes');
    const b64 = Buffer.from('random-string-42').toString('base64');
    const signed = inPage(page, (helper, b) => helper.signB64(b), b64);
    await typePin(browser.context, setup.pin);
    const { result } = await signed;
    assert.equal(opensslVerifies(dir, cert, result.signature, 'random-string-42', 'sha256'), true);
  });
});

test('refusals: Login{pin} by default, the host-access calls, registry reads, binary data; the socket stays open', { timeout: 240_000 }, async () => {
  await withLegacyPortal({ legacy: () => ({ legacyHelperVersion: 394500 }) }, async ({ page, browser }) => {
    const selecting = inPage(page, (helper) => helper.selectSignCert());
    await acceptConsent(browser.context);
    assert.equal((await selecting).error, undefined);
    const login = await inPage(page, (helper) => helper.login('739164'));
    assert.equal(login.error?.err, 1105);
    assert.match(login.error.message, /管理员未允许网页提交证书密码/);
    for (const [func, json] of [['WriteRegB64', '{"key":"a","name":"b","value":"c"}'], ['Execute', '{"cmd":"/bin/sh"}'],
      ['KillProcess', '{"name":"x"}'], ['EncryptFile', '{"key":"k","src":"/etc/passwd","dst":"/tmp/x"}'],
      ['DecryptFile', '{"key":"k","src":"a","dst":"b"}'], ['GetMachineInfo', undefined], ['SelectCryptCert', undefined],
      ['P7SignB64', '{"b64data":"eA=="}']]) {
      const { error } = await inPage(page, (helper, [f, j]) => helper.call(f, j), [func, json]);
      assert.equal(error?.err, 1007, func);
      assert.match(error.message, /cabridge 不支持此功能/, func);
    }
    const b = (s) => Buffer.from(s).toString('base64');
    const version = await inPage(page, (helper, [k, n]) => helper.readReg(k, n), [b('HKEY_CURRENT_USERSoftwareHebcaClientX'), b('version')]);
    assert.equal(version.result?.value, 394500);
    const debug = await inPage(page, (helper, [k, n]) => helper.readReg(k, n), [b('HKEY_CURRENT_USERSoftwareHebcaClientX'), b('p11ObjectDebug')]);
    assert.notEqual(debug.error?.err, undefined, 'a debug read must fail, or the client throws');
    const binary = await inPage(page, (helper, d) => helper.signB64(d), Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8]).toString('base64'));
    assert.equal(binary.error?.err, 1106);
    // Malformed frames get an answer (by name where one can be read), and the next request works.
    const garbled = await inPage(page, (helper) => helper.raw('1|GetSubjectItem|{"index":', 'GetSubjectItem'));
    assert.equal(JSON.parse(garbled.result.split('|')[2]).ret, 1106);
    const noSeparator = await inPage(page, (helper) => helper.raw('hello there'));
    assert.equal(JSON.parse(noSeparator.result.split('|')[2]).ret, 1106);
    const lenient = await inPage(page, (helper) => helper.call('GetSubjectItem', '{"index":undefined}'));
    assert.equal(lenient.error?.err, 1005, 'a bare undefined index is read, and is no item');
    const cn = await inPage(page, (helper) => helper.getSubjectItem(0));
    assert.equal(cn.result?.content, '河北测试科技有限公司');
    assert.equal(await page.evaluate(() => window.helper.closed), false);
  });
});

test('Login{pin} where the policy allows it: a wrong PIN says how many tries are left, the right one signs without a window', { timeout: 240_000 }, async () => {
  await withLegacyPortal({ fault: { pinMaxRetries: 5 }, legacy: (origin) => ({ legacyLoginOrigins: [origin] }) }, async ({ page, browser, setup, dir }) => {
    const selecting = inPage(page, (helper) => helper.selectSignCert());
    await acceptConsent(browser.context);
    assert.equal((await selecting).error, undefined);
    const R = random();
    const wrong = await inPage(page, async (helper, r) => { await helper.login('000000'); return helper.signText(r); }, R);
    assert.equal(wrong.error?.err, 1101, JSON.stringify(wrong));
    assert.match(wrong.error.message, /证书密码（PIN）错误，还可以尝试 4 次/);
    const right = await inPage(page, async (helper, [pin, r]) => {
      await helper.login(pin);
      const { signature } = await helper.signText(r);
      return { signature, cert: (await helper.getCertB64()).cert };
    }, [setup.pin, R]);
    assert.equal(right.error, undefined, JSON.stringify(right));
    assert.equal(opensslVerifies(dir, right.result.cert, right.result.signature, R), true);
  });
});

test('a cancelled PIN window and a wrong PIN typed in it come back as the helper\'s errors; the socket stays open', { timeout: 240_000 }, async () => {
  await withLegacyPortal({ fault: { pinMaxRetries: 5 } }, async ({ page, browser, setup, dir }) => {
    await browser.setTimeouts({ cancelBackoffMs: 100 });
    const selecting = inPage(page, (helper) => helper.selectSignCert());
    await acceptConsent(browser.context);
    assert.equal((await selecting).error, undefined);
    const R = random();
    const cancelled = inPage(page, async (helper, r) => { await helper.uiLogin(); return helper.signText(r); }, R);
    const dialog = await waitForDialog(browser.context, 'pin.html');
    await dialog.locator('#cert .holder').waitFor();
    await dialog.locator('#pin').fill('000000');
    await dialog.keyboard.press('Enter');
    await dialog.locator('.pin-incorrect').waitFor({ timeout: 30_000 });
    await pressClosing(dialog, 'Escape');
    const { error } = await cancelled;
    assert.equal(error?.err, 1103);
    assert.match(error.message, /取消/);
    assert.match(error.message, /输错密码 1 次/);
    assert.equal(await page.evaluate(() => window.helper.closed), false);
    // After the tab's hold-back (shortened for the test), the next attempt opens the window again and signs.
    await new Promise((r) => setTimeout(r, 300));
    const again = inPage(page, (helper, r) => helper.signText(r), R);
    await typePin(browser.context, setup.pin);
    const signed = await again;
    assert.equal(signed.error, undefined, JSON.stringify(signed));
    const cert = (await inPage(page, (helper) => helper.getCertB64())).result.cert;
    assert.equal(opensslVerifies(dir, cert, signed.result.signature, R), true);
  });
});

test('an origin not in legacyOrigins gets the real WebSocket (nothing listens) and no bridge; two legacy tabs at once', { timeout: 240_000 }, async () => {
  await withLegacyPortal({}, async ({ page, browser, other, portal }) => {
    const outsider = await browser.context.newPage();
    await outsider.goto(`${other.origin}/`);
    assert.equal(await outsider.evaluate(() => window.WebSocket.cabridgeLegacy), undefined);
    const outcome = await outsider.evaluate(() => new Promise((resolve) => {
      const s = new WebSocket('ws://localhost:17212/test');
      s.onerror = () => resolve('error');
      s.onopen = () => resolve('open');
    }));
    assert.equal(outcome, 'error', 'connection refused: no cabridge socket listens');
    assert.ok(!(await outsider.evaluate(() => window.seen.join('\n'))).includes('cabridge-legacy'), 'no bridge message on that page');
    // Two tabs of the legacy portal, each with its own connection and selection, at the same time.
    await page.bringToFront(); // only the active tab may open the consent window
    const first = inPage(page, (helper) => helper.selectSignCert());
    await acceptConsent(browser.context, { origin: portal.origin });
    assert.equal((await first).error, undefined);
    const second = await browser.context.newPage();
    await second.goto(`${portal.origin}/`);
    const [a, b] = await Promise.all([
      inPage(page, async (helper) => [(await helper.getSignCertCount()).count, (await helper.getCertB64()).cert]),
      inPage(second, async (helper) => { await helper.getSignCert(0); return [(await helper.getSignCertCount()).count, (await helper.getCertB64()).cert]; }),
    ]);
    assert.equal(a.error, undefined, JSON.stringify(a));
    assert.equal(b.error, undefined, JSON.stringify(b));
    assert.equal(a.result[1], b.result[1]);
    // Nothing selected yet on a fresh connection: the helper's 1000.
    const fresh = await second.evaluate(async () => {
      const h = new window.LegacyHelper({});
      await h.ready;
      return h.getCertB64().then(() => 'ok', (e) => e.err);
    });
    assert.equal(fresh, 1000);
  });
});

test('the bridge survives the service worker restarting: the socket stays open and keeps its selection', { timeout: 240_000 }, async () => {
  await withLegacyPortal({}, async ({ page, browser }) => {
    const selecting = inPage(page, (helper) => helper.selectSignCert());
    await acceptConsent(browser.context);
    assert.equal((await selecting).error, undefined);
    const before = (await inPage(page, (helper) => helper.getCertB64())).result.cert;
    const cdp = await browser.context.newCDPSession(page);
    const { targetInfos } = await cdp.send('Target.getTargets');
    const worker = targetInfos.find((t) => t.type === 'service_worker' && t.url.endsWith('/background.js'));
    await cdp.send('Target.closeTarget', { targetId: worker.targetId });
    await new Promise((r) => setTimeout(r, 500));
    const after = await inPage(page, (helper) => helper.getCertB64());
    assert.equal(after.error, undefined, JSON.stringify(after));
    assert.equal(after.result.cert, before);
    assert.equal(await page.evaluate(() => window.helper.closed), false);
    assert.deepEqual(await page.evaluate(() => window.helper.failures), []);
  });
});
