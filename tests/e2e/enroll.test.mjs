// The CA's own site in the browser (issue #18): renewal ("老用户延期") on the demo CA site with
// the real extension and host over the software SKF library (an SM2 key as HeBCA hands out),
// and the CA's online unlock. One Chromium for every scenario, in order, sharing the key:
// a site that is not an enrolment origin is refused without a window; the portal binds the key
// by its credit code; a cancel in the enrolment window leaves the key as it was; enroll -> the
// test CA signs -> install; the portal logs in with the renewed certificate to the same account;
// the key locked by wrong PINs is unlocked on the CA's 在线解锁 page and logs in with the new PIN.
// The PINs never reach a page or the host's log.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, artifactsDir, launchBrowser, openDialogs, pressClosing, tempDir, waitForDialog } from './lib/browser.mjs';
import { acceptConsent } from './lib/consent.mjs';
import { startDemoCa } from './lib/demo-ca.mjs';
import { startPortal } from './lib/demo-portal.mjs';
import { startPageServer } from './lib/page-server.mjs';
import { hebcaSkfDescriptor, hostEnvironment, makePki, PLUGIN_DIR, provisionSkf, REAL_HOST } from './lib/real-host.mjs';
import { randomChallenge, startCall } from './lib/real-scenario.mjs';

const WINDOW = 'enroll/ca-window.html';
const VENDOR = 'hebca-skf';
const PIN = '735194';       // the key's PIN (provisioned below)
const NEW_PIN = '864213';   // set by the online unlock
const ORG = '河北国密测试有限公司';
const SUBJECT = `CN=${ORG},O=${ORG},L=石家庄市,ST=河北省,C=CN`;

let dir;
let pkiDir;
let sm2;
let skfState;
let srv;
let portal;
let ca;
let browser;
let renewedSha256;

const sha256 = (der) => crypto.createHash('sha256').update(der).digest('hex');

/** Every message a page posted to itself, recorded from the start (to prove no PIN got there). */
const RECORD_MESSAGES = () => {
  window.seenMessages = [];
  window.addEventListener('message', (e) => { window.seenMessages.push(JSON.stringify(e.data)); }, true);
};

async function newPage(url) {
  const page = await browser.context.newPage();
  await page.addInitScript(RECORD_MESSAGES);
  await page.goto(url);
  return page;
}

/** The CA window once it shows the key. */
async function caWindow() {
  const dialog = await waitForDialog(browser.context, WINDOW);
  await dialog.locator('#cert .holder').waitFor({ timeout: 15_000 });
  return dialog;
}

/** The PIN window (login), after the chooser when several certificates match: picks the one with `text`. */
async function loginPinWindow(text) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const chooser = browser.context.pages().find((p) => !p.isClosed() && p.url().includes('/chooser.html'));
    if (chooser) {
      await chooser.locator('li.choice').first().waitFor();
      await chooser.locator('li.choice').filter({ hasText: text }).first().locator('input').check();
      await pressClosing(chooser, 'Enter');
    }
    const pin = browser.context.pages().find((p) => !p.isClosed() && p.url().includes('/pin.html'));
    if (pin) {
      await pin.locator('#cert .holder').waitFor();
      return pin;
    }
    if (Date.now() > deadline) throw new Error('no PIN window');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('renewal and online unlock on the CA\'s own site', { timeout: 300_000 }, () => {
  before(async () => {
    dir = tempDir('enroll');
    pkiDir = path.join(dir, 'pki');
    makePki(pkiDir);
    sm2 = JSON.parse(fs.readFileSync(path.join(pkiDir, 'sm2.json'), 'utf8'));
    // One key with the organisation's SM2 dual pair, as HeBCA hands it out, 3 PIN tries.
    skfState = provisionSkf(pkiDir, path.join(dir, 'skf'), { devices: [{
      name: 'HEBCA-SKF-1', label: 'HEBCA SM2 KEY 1', serial: 'SKF2026000001', manufacturer: 'cabridge softskf', issuer: 'HEBCA (test)',
      applications: [{
        name: 'HEBCA', userPin: PIN, userMaxRetry: 3, userDefault: false, adminPin: '12345678', adminMaxRetry: 10, adminDefault: false,
        containers: [{ name: 'sm2-org', type: 'ECC', sign: 'sm2-sign', enc: 'sm2-enc' }],
      }],
    }] });
    srv = await startPageServer();
    portal = await startPortal(dir, pkiDir, {
      logFile: path.join(dir, 'portal.log'),
      ca: path.join(pkiDir, 'sm2-root.pem'), intermediate: path.join(pkiDir, 'sm2-intermediate.pem'),
    });
    ca = await startDemoCa(pkiDir, { vendor: VENDOR, logFile: path.join(dir, 'ca.log'), responder: unlockResponder() });
    // HeBCA's SKF descriptor, with the demo CA site as its enrolment origin and the test SM2 CA
    // as the CA its keys may take certificates from.
    const pluginDir = hebcaSkfDescriptor(path.join(dir, 'plugins'));
    const file = path.join(pluginDir, `${VENDOR}.json`);
    const descriptor = JSON.parse(fs.readFileSync(file, 'utf8'));
    descriptor.config.enrollOrigins = [ca.origin];
    descriptor.config.enrollCAs = [path.join(pkiDir, 'sm2-intermediate.pem'), path.join(pkiDir, 'sm2-root.pem')];
    // The software SKF library's own online-unlock calls (its vendor extension to GM/T 0016).
    descriptor.config.onlineUnlock = { challenge: 'SKFX_GetUnblockChallenge', response: 'SKFX_UnblockPINByResponse' };
    fs.writeFileSync(file, JSON.stringify(descriptor));
    const env = {
      ...hostEnvironment(dir, { allowOrigins: [srv.origin, portal.origin], pluginDirs: [pluginDir, PLUGIN_DIR] }),
      CABRIDGE_SOFTSKF_DIR: skfState,
    };
    browser = await launchBrowser({ hostPath: REAL_HOST, env });
    await browser.setTimeouts({ cancelBackoffMs: 200 }); // the pause after a cancel, short for the test
  });

  after(async () => {
    await browser?.close();
    await srv?.close();
    portal?.stop();
    ca?.stop();
  });

  it('a site that is not an enrolment origin gets ORIGIN_NOT_ALLOWED for every CA call, and no window', async () => {
    // srv is an allowed portal: it may log in, not enrol.
    const page = await newPage(`${srv.origin}/`);
    const calls = [
      ['enroll', { vendor: VENDOR, keyType: 'SM2', subject: SUBJECT }],
      ['installCertificate', { certificate: fs.readFileSync(path.join(pkiDir, 'sm2-sign.der')).toString('base64'), keyId: 'x', certificateId: 'x', replace: true }],
      ['unlockChallenge', { vendor: VENDOR }],
      ['unlockWithResponse', { certificateId: 'x', response: 'AAAA' }],
    ];
    for (const [fn, arg] of calls) {
      const { error } = await startCall(page, fn, arg);
      // installCertificate/unlockWithResponse name a certificate the site cannot see: not found
      // or refused, never a window.
      assert.ok(['ORIGIN_NOT_ALLOWED', 'CERTIFICATE_NOT_FOUND'].includes(error?.code), `${fn}: ${JSON.stringify(error)}`);
      if (fn === 'enroll' || fn === 'unlockChallenge') assert.equal(error.code, 'ORIGIN_NOT_ALLOWED', fn);
      assert.equal(openDialogs(browser.context).length + browser.context.pages().filter((p) => p.url().includes(WINDOW)).length, 0, `${fn}: no window`);
    }
    await page.close();
  });

  let portalPage;
  it('the portal binds the SM2 key to test01 (by its credit code)', async () => {
    portalPage = await newPage(`${portal.origin}/`);
    await portalPage.locator('#extension-status[data-state=ready]').waitFor({ timeout: 20_000 });
    await portalPage.fill('#username', 'test01');
    await portalPage.fill('#password', 'Test@123456');
    await portalPage.click('#account-login');
    await portalPage.locator('#logged-in').waitFor();
    await portalPage.evaluate((v) => {
      for (const id of ['ca-vendor', 'bind-vendor']) {
        const select = document.getElementById(id);
        select.add(new Option(v, v));
        select.value = v;
      }
    }, VENDOR);
    const consented = acceptConsent(browser.context, { origin: portal.origin });
    await portalPage.click('#read-cert');
    await consented;
    await portalPage.locator('#cert-info').waitFor();
    await portalPage.click('#bind');
    const dialog = await loginPinWindow(ORG);
    await dialog.locator('#pin').fill(PIN);
    await pressClosing(dialog, 'Enter');
    await portalPage.locator('#message[data-code=BIND_OK]').waitFor({ timeout: 30_000 });
    assert.equal(await portalPage.textContent('#bound-uscc'), sm2.certificates.find((c) => c.name === 'sm2-sign').uscc);
  });

  let caPage;
  it('老用户延期: read the key, then a cancel in the enrolment window leaves the key as it was', async () => {
    caPage = await newPage(`${ca.origin}/`);
    const consented = acceptConsent(browser.context, { origin: ca.origin });
    await caPage.click('#read');
    await consented;
    await caPage.locator('#confirm-area').waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await caPage.textContent('#org'), ORG);
    assert.equal(await caPage.textContent('#key-type'), 'SM2 国密');
    const before = fs.readFileSync(path.join(skfState, 'dev0', 'device.json'), 'utf8');

    await caPage.click('#confirm');
    const dialog = await caWindow();
    await pressClosing(dialog, 'Escape');
    await caPage.locator('#message[data-code=USER_CANCELLED]').waitFor({ timeout: 15_000 });
    assert.equal(fs.readFileSync(path.join(skfState, 'dev0', 'device.json'), 'utf8'), before, 'nothing generated');
  });

  it('老用户延期: the window names the site, the key, SM2 and the subject; enroll -> the CA signs -> 安装证书', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300)); // the pause after a cancel (prompt-guard.js)
    await caPage.click('#confirm');
    const dialog = await caWindow();
    assert.equal(await dialog.locator('#origin').textContent(), ca.origin);
    assert.match(await dialog.locator('#what').textContent(), /SM2 国密/);
    assert.equal(await dialog.locator('.subject dd').textContent(), SUBJECT);
    assert.match(await dialog.locator('#cert .holder').textContent(), new RegExp(ORG));
    await dialog.screenshot({ path: path.join(artifactsDir('enroll'), 'generate.png') });
    // A wrong PIN stays in the window with the retries left.
    await dialog.locator('#pin').fill('000000');
    await dialog.keyboard.press('Enter');
    await dialog.locator('.pin-incorrect').filter({ hasText: '还可尝试 2 次' }).waitFor({ timeout: 30_000 });
    await dialog.locator('#pin').fill(PIN);
    await pressClosing(dialog, 'Enter');
    await caPage.locator('#message[data-code=ISSUED]').waitFor({ timeout: 60_000 });

    await caPage.click('#install');
    const install = await caWindow();
    assert.equal(await install.locator('#heading').textContent(), '证书更新：安装证书');
    assert.match(await install.locator('.new-holder dd').textContent(), new RegExp(ORG));
    assert.match(await install.locator('#what').textContent(), /替换原有证书/);
    await install.screenshot({ path: path.join(artifactsDir('enroll'), 'install.png') });
    await install.locator('#pin').fill(PIN);
    await pressClosing(install, 'Enter');
    await caPage.locator('#message[data-code=INSTALL_OK]').waitFor({ timeout: 30_000 });
    await caPage.screenshot({ path: path.join(artifactsDir('enroll'), 'renewed.png'), fullPage: true });
  });

  it('the portal logs in with the renewed certificate, to the same account', async () => {
    await portalPage.bringToFront();
    await portalPage.click('#logout');
    await portalPage.locator('#logged-out').waitFor();
    await portalPage.evaluate((v) => { document.getElementById('ca-vendor').value = v; }, VENDOR);
    await portalPage.click('#ca-login');
    const dialog = await loginPinWindow(ORG);
    await dialog.locator('#pin').fill(PIN);
    await pressClosing(dialog, 'Enter');
    await portalPage.locator('#message[data-code=CA_LOGIN_OK]').waitFor({ timeout: 30_000 });
    const me = await portalPage.evaluate(async () => (await fetch('/api/me')).json());
    assert.equal(me.account.username, 'test01');
    const oldSha = sha256(fs.readFileSync(path.join(pkiDir, 'sm2-sign.der')));
    renewedSha256 = me.binding.sha256;
    assert.notEqual(renewedSha256, oldSha, 'the renewed certificate logged in, not the old one');
    assert.equal(me.binding.creditCode, sm2.certificates.find((c) => c.name === 'sm2-sign').uscc);
  });

  it('在线解锁: the key locked by wrong PINs is unlocked on the CA site and logs in with the new PIN', async () => {
    const page = await newPage(`${srv.origin}/`);
    const call = startCall(page, 'login', { challenge: randomChallenge(), vendor: VENDOR });
    await acceptConsent(browser.context, { origin: srv.origin });
    const dialog = await loginPinWindow(ORG);
    for (const wrong of ['000000', '111111', '222222']) {
      await dialog.locator('#pin').fill(wrong);
      await dialog.keyboard.press('Enter');
      await dialog.locator('.pin-incorrect, .locked').first().waitFor({ timeout: 30_000 });
      if (await dialog.locator('.locked').count()) break;
    }
    await dialog.locator('.locked').waitFor({ timeout: 30_000 });
    await pressClosing(dialog, 'Escape');
    assert.equal((await call).error?.code, 'PIN_LOCKED');

    const unlockPage = await newPage(`${ca.origin}/unlock`);
    await unlockPage.click('#unlock');
    const start = await caWindow();
    assert.equal(await start.locator('#heading').textContent(), '在线解锁证书口令');
    assert.equal(await start.locator('#pin-area').isHidden(), true, 'no PIN is asked to start');
    await pressClosing(start, 'Enter');
    const setPin = await waitForDialog(browser.context, WINDOW);
    await setPin.locator('#heading', { hasText: '在线解锁：设置新口令' }).waitFor({ timeout: 30_000 });
    await setPin.locator('#new').fill(NEW_PIN);
    await setPin.locator('#confirm').fill(`${NEW_PIN}9`);
    await setPin.locator('#ok').click();
    assert.match(await setPin.locator('.form-problem').textContent(), /两次输入的新口令不一致/);
    await setPin.screenshot({ path: path.join(artifactsDir('enroll'), 'unlock.png') });
    await setPin.locator('#new').fill(NEW_PIN);
    await setPin.locator('#confirm').fill(NEW_PIN);
    await pressClosing(setPin, 'Enter');
    await unlockPage.locator('#message[data-code=UNLOCK_OK]').waitFor({ timeout: 30_000 });

    await page.bringToFront();
    const again = startCall(page, 'login', { challenge: randomChallenge(), vendor: VENDOR });
    const pin = await loginPinWindow(ORG);
    await pin.locator('#pin').fill(NEW_PIN);
    await pressClosing(pin, 'Enter');
    const { result, error } = await again;
    assert.equal(error, undefined, JSON.stringify(error));
    assert.equal(sha256(Buffer.from(result.certificate, 'base64')), renewedSha256);
  });

  it('no PIN in any page or the host\'s log', async () => {
    const secrets = [PIN, NEW_PIN, '000000', '111111'];
    for (const page of browser.context.pages()) {
      if (page.isClosed() || !/^http/.test(page.url())) continue;
      const seen = await page.evaluate(() => (window.seenMessages ?? []).join('\n'));
      for (const secret of secrets) assert.ok(!seen.includes(secret), `${page.url()} saw a PIN`);
    }
    const log = fs.readFileSync(path.join(dir, 'host.log'), 'utf8');
    assert.match(log, /generate-key/, 'the enrolment steps are logged');
    for (const secret of secrets) assert.ok(!log.includes(secret), 'a PIN in the host log');
  });
});

/**
 * The CA server's online-unlock responder for the software SKF library's keys, with the secrets
 * provision-skf.py wrote (tools/pki/unlock_responder.py), as the demo CA's --responder command.
 */
function unlockResponder() {
  const quote = (s) => `'${s.replace(/'/g, "'\\''")}'`;
  return ['python3', path.join(REPO, 'tools/pki/unlock_responder.py'), '--secrets', path.join(skfState, 'unlock-secrets.json')]
    .map(quote).join(' ');
}
