// The demo portal's two flows end to end: account login, "CA 绑定" (the
// certificate shown with readCertificate, bound with a login over a binding
// challenge), then "CA 证书登录", both verified by the portal with
// cabridge-verify; another account cannot bind the certificate from a copy.
// A script in the page records every window message to show the PIN never
// reaches the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { artifactsDir, launchBrowser, pressClosing, REPO, tempDir, waitForDialog } from './lib/browser.mjs';
import { acceptConsent } from './lib/consent.mjs';
import { REAL_HOST, realHostSetup, VERIFY } from './lib/real-host.mjs';

async function startPortal(dir, pkiDir) {
  const child = spawn('python3', [path.join(REPO, 'tools/demo-portal/server.py'), '--port', '0',
    '--db', path.join(dir, 'portal.sqlite'), '--verify', VERIFY,
    '--ca', path.join(pkiDir, 'root.pem'), '--intermediate', path.join(pkiDir, 'intermediate.pem')],
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  const lines = readline.createInterface({ input: child.stdout });
  const origin = await new Promise((resolve, reject) => {
    lines.on('line', (line) => { if (line.startsWith('LISTENING ')) resolve(line.slice(10).trim()); });
    child.on('exit', (code) => reject(new Error(`portal exited ${code}`)));
  });
  return { origin, stop: () => child.kill('SIGTERM') };
}

test('demo portal: bind a certificate, then CA login; the PIN never reaches the page', { timeout: 180_000 }, async () => {
  const dir = tempDir('portal');
  // The portal's port is only known once it runs, so the PKI comes first.
  const pre = realHostSetup(dir, { certs: ['org-rsa'], allowOrigins: [] });
  const portal = await startPortal(dir, pre.pkiDir);
  const setup = { ...pre, env: { ...pre.env } };
  // Rewrite the policy now that the origin is known.
  const fs = await import('node:fs');
  fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify({ allowOrigins: [portal.origin] }), { mode: 0o644 });
  const browser = await launchBrowser({ hostPath: REAL_HOST, env: setup.env });
  try {
    const page = await browser.context.newPage();
    await page.addInitScript(() => {
      window.__seen = [];
      window.addEventListener('message', (e) => window.__seen.push(JSON.stringify(e.data)), true);
    });
    await page.goto(`${portal.origin}/`);
    await page.locator('#extension-status[data-state=ready]').waitFor({ timeout: 20_000 });

    // Account login, then CA 绑定.
    await page.fill('#username', 'test01');
    await page.fill('#password', 'Test@123456');
    await page.click('#account-login');
    await page.locator('#logged-in').waitFor();
    await page.click('#read-cert');
    // First use of the certificate on this site: the person allows it (remembered for the login).
    const consent = await acceptConsent(browser.context, { origin: portal.origin });
    await consent.waitForEvent('close', { timeout: 10_000 }).catch(() => {});
    await page.locator('#cert-info').waitFor();
    const cert = setup.pki.certificates.find((c) => c.name === 'org-rsa');
    assert.equal(await page.textContent('#cert-org'), cert.O);
    assert.equal(await page.textContent('#cert-uscc'), cert.uscc);
    // Binding proves possession of the key: PIN in the extension's window.
    await page.click('#bind');
    const bindDialog = await waitForDialog(browser.context, 'pin.html');
    await bindDialog.locator('#cert .holder').waitFor();
    await bindDialog.locator('#pin').fill(setup.pin);
    await pressClosing(bindDialog, 'Enter');
    await page.locator('#message[data-code=BIND_OK]').waitFor({ timeout: 30_000 });
    assert.equal(await page.textContent('#bound-uscc'), cert.uscc);
    // Dates as 2028-12-06, never openssl's "Dec  6 13:09:20 2028 GMT".
    assert.match(await page.textContent('#bound-expiry'), /^\d{4}-\d\d-\d\d$/);
    assert.match(await page.textContent('#cert-expiry'), /^\d{4}-\d\d-\d\d/);
    await page.screenshot({ path: path.join(artifactsDir('portal'), 'bound.png') });
    await page.click('#logout');
    await page.locator('#logged-out').waitFor();

    // CA 证书登录: PIN in the extension's window, token verified by the portal.
    await page.click('#ca-login');
    const dialog = await waitForDialog(browser.context, 'pin.html');
    await dialog.locator('#cert .holder').waitFor();
    assert.equal(await dialog.locator('#origin').textContent(), portal.origin);
    await dialog.screenshot({ path: path.join(artifactsDir('portal'), 'pin-dialog.png') });
    await dialog.locator('#pin').fill(setup.pin);
    await pressClosing(dialog, 'Enter');
    await page.locator('#message[data-code=CA_LOGIN_OK]').waitFor({ timeout: 30_000 });
    const message = await page.textContent('#message');
    assert.ok(message.includes(cert.O) && message.includes(cert.uscc), message);
    assert.equal(await page.textContent('#login-method'), 'CA 证书登录');
    await page.screenshot({ path: path.join(artifactsDir('portal'), 'ca-login.png') });

    const seen = await page.evaluate(() => window.__seen);
    assert.ok(seen.some((m) => m.includes('cabridge-auth:2')), 'the recorder saw the token come back');
    assert.ok(!seen.some((m) => m.includes(setup.pin)), 'no window message carries the PIN');
    assert.ok(!(await page.content()).includes(setup.pin), 'the PIN is nowhere in the page');

    // A squatter logged in as test02 with a copy of the certificate cannot bind it: the old
    // "post the certificate" request and a token signed by another key are both refused.
    await page.click('#logout');
    await page.locator('#logged-out').waitFor();
    await page.fill('#username', 'test02');
    await page.fill('#password', 'Test@123456');
    await page.click('#account-login');
    await page.locator('#logged-in').waitFor();
    const squat = await page.evaluate(async (certificate) => {
      const post = async (path, body) => (await fetch(path, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      })).json();
      const copied = await post('/api/bind', { certificate });
      const { challengeId } = await post('/api/bind-challenge', {});
      const forged = await post('/api/bind', { challengeId, token: {
        format: 'cabridge-auth:2', certificate, algorithm: 'RS256', signature: btoa('x'.repeat(256)),
        origin: window.location.origin, appVersion: '0.1.0', mode: 'origin-bound',
      } });
      return { copied: copied.code, forged: forged.code };
    }, fs.readFileSync(path.join(setup.pkiDir, cert.der)).toString('base64'));
    assert.deepEqual(squat, { copied: 'CHALLENGE_UNKNOWN', forged: 'VERIFY_SIGNATURE_INVALID' });
    assert.equal(await page.isVisible('#unbound'), true, 'test02 has no binding');
  } finally {
    await browser.close();
    portal.stop();
  }
});
