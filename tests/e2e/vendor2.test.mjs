// A second CA vendor added by an administrator with `cabridge plugins add`
// (generic PKCS#11 plugin, id demo-ca, its own token selected by label):
// the extension's chooser offers certificates of both vendors, and CA login
// with the new vendor's key succeeds and is verified by the demo portal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { launchBrowser, pressClosing, REPO, tempDir, waitForDialog } from './lib/browser.mjs';
import { acceptConsent } from './lib/consent.mjs';
import { startPageServer } from './lib/page-server.mjs';
import { BUILD, hostEnvironment, hebcaDescriptor, makePki, PLUGIN_DIR, provisionToken, REAL_HOST, SOFTHSM, VERIFY } from './lib/real-host.mjs';
import { startCall } from './lib/real-scenario.mjs';

const CABRIDGE = path.join(BUILD, 'bin', 'cabridge');
const PIN = '246810';

/** HeBCA only, then `cabridge plugins add` demo-ca; returns {env, pki, pkiDir}. */
function installation(dir, allowOrigins) {
  const pkiDir = path.join(dir, 'pki');
  const pki = makePki(pkiDir);
  const softhsmConf = provisionToken(pkiDir, path.join(dir, 'softhsm'), 'HEBCA-KEY', ['org-rsa'], PIN);
  provisionToken(pkiDir, path.join(dir, 'softhsm'), 'DEMO-CA-KEY', ['org-ec'], PIN);
  const root = path.join(dir, 'root');
  const systemDir = path.join(root, 'etc/cabridge/plugins.d');
  const env = hostEnvironment(dir, { allowOrigins, softhsmConf, pluginDirs: [hebcaDescriptor(dir), systemDir, PLUGIN_DIR] });
  const descriptor = path.join(dir, 'demo-ca.json');
  fs.writeFileSync(descriptor, JSON.stringify({
    id: 'demo-ca', name: '演示 CA', abi: 1, library: 'libcabridge-pkcs11.so',
    config: {
      id: 'demo-ca', name: '演示 CA', modules: [SOFTHSM], tokenLabels: ['DEMO-CA-KEY'], identity: 'cn-org',
      help: { contact: { text: '演示 CA 客服', phone: '400-000-0000' } },
    },
  }));
  execFileSync(CABRIDGE, ['plugins', 'add', descriptor, '--root', root], { env: { ...process.env, ...env }, stdio: 'pipe' });
  return { env, pki, pkiDir };
}

test('chooser offers certificates of both vendors after `cabridge plugins add`', { timeout: 180_000 }, async () => {
  const srv = await startPageServer();
  const dir = tempDir('vendor2');
  const { env, pki } = installation(dir, [srv.origin]);
  const browser = await launchBrowser({ hostPath: REAL_HOST, env });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${srv.origin}/`);
    const call = startCall(page, 'readCertificate', {});
    await acceptConsent(browser.context, { origin: srv.origin });
    const chooser = await waitForDialog(browser.context, 'chooser.html');
    await chooser.locator('li.choice').nth(1).waitFor();
    const text = await chooser.locator('#choices').textContent();
    const rsa = pki.certificates.find((c) => c.name === 'org-rsa');
    const ec = pki.certificates.find((c) => c.name === 'org-ec');
    assert.ok(text.includes(rsa.O), `chooser shows HeBCA's ${rsa.O}`);
    assert.ok(text.includes(ec.O), `chooser shows demo-ca's ${ec.O}`);
    assert.ok(text.includes('演示 CA'), 'chooser names the new vendor');
    await chooser.locator('li.choice', { hasText: '演示 CA' }).first().locator('input').check();
    await pressClosing(chooser, 'Enter');
    const { result, error } = await call;
    assert.equal(error, undefined, JSON.stringify(error));
    assert.equal(result.vendor, 'demo-ca');
    assert.equal(result.sha256, ec.sha256);
  } finally {
    await browser.close();
    await srv.close();
  }
});

test('demo portal: bind and CA login with the new vendor\'s key, verified by the portal', { timeout: 180_000 }, async () => {
  const dir = tempDir('vendor2-portal');
  const pre = installation(dir, []);
  const child = spawn('python3', [path.join(REPO, 'tools/demo-portal/server.py'), '--port', '0',
    '--db', path.join(dir, 'portal.sqlite'), '--verify', VERIFY,
    '--ca', path.join(pre.pkiDir, 'root.pem'), '--intermediate', path.join(pre.pkiDir, 'intermediate.pem')],
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  const origin = await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (l) => { if (l.startsWith('LISTENING ')) resolve(l.slice(10).trim()); });
    child.on('exit', (code) => reject(new Error(`portal exited ${code}`)));
  });
  fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify({ allowOrigins: [origin] }), { mode: 0o644 });
  const browser = await launchBrowser({ hostPath: REAL_HOST, env: pre.env });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${origin}/`);
    await page.locator('#extension-status[data-state=ready]').waitFor({ timeout: 20_000 });
    // The demo portal lists only HeBCA in its vendor menus; offer the new vendor the way a
    // portal would once it supports it.
    await page.evaluate(() => {
      for (const id of ['ca-vendor', 'bind-vendor']) {
        const option = new Option('演示 CA', 'demo-ca');
        document.getElementById(id).add(option);
        document.getElementById(id).value = 'demo-ca';
      }
    });
    await page.fill('#username', 'test01');
    await page.fill('#password', 'Test@123456');
    await page.click('#account-login');
    await page.locator('#logged-in').waitFor();
    await page.evaluate(() => { document.getElementById('bind-vendor').value = 'demo-ca'; });
    await page.click('#read-cert');
    await acceptConsent(browser.context, { origin });
    await page.locator('#cert-info').waitFor();
    const ec = pre.pki.certificates.find((c) => c.name === 'org-ec');
    assert.equal(await page.textContent('#cert-uscc'), ec.uscc);
    await page.click('#bind');  // binding signs a challenge: PIN in the extension's window
    const bindDialog = await waitForDialog(browser.context, 'pin.html');
    await bindDialog.locator('#cert .holder').waitFor();
    await bindDialog.locator('#pin').fill(PIN);
    await pressClosing(bindDialog, 'Enter');
    await page.locator('#message[data-code=BIND_OK]').waitFor({ timeout: 30_000 });
    await page.click('#logout');
    await page.locator('#logged-out').waitFor();
    await page.evaluate(() => { document.getElementById('ca-vendor').value = 'demo-ca'; });

    await page.click('#ca-login');
    const dialog = await waitForDialog(browser.context, 'pin.html');
    await dialog.locator('#cert .holder').waitFor();
    await dialog.locator('#pin').fill(PIN);
    await pressClosing(dialog, 'Enter');
    await page.locator('#message[data-code=CA_LOGIN_OK]').waitFor({ timeout: 30_000 });
    const message = await page.textContent('#message');
    assert.ok(message.includes(ec.O) && message.includes(ec.uscc), message);
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
});
