// The CA's own site in the browser (issue #18) with the real extension and host: renewal
// ("老用户延期") on the demo CA site for HeBCA's SM2 key on the software SKF library and for its
// PKCS#11 key (SoftHSM, RSA-2048), and the CA's online unlock of the SM2 key. One Chromium for
// every scenario, in order, sharing the keys: a site that is not an enrolment origin is refused
// without a window; the portal binds the SM2 key by its credit code; a cancel in the enrolment
// window leaves the key as it was; enroll -> the test CA signs (SM2 with SM3) -> install; the
// portal logs in with the renewed certificate to the same account; the RSA key renews likewise;
// the SM2 key locked by wrong PINs is unlocked on the CA's 在线解锁 page and logs in with the new
// PIN and its renewed certificate. No PIN reaches a page or the host's log.
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
import {
  hebcaDescriptor, hebcaSkfDescriptor, hostEnvironment, makePki, PLUGIN_DIR, provisionSkf, provisionToken, REAL_HOST,
} from './lib/real-host.mjs';
import { randomChallenge, startCall } from './lib/real-scenario.mjs';

const WINDOW = 'enroll/ca-window.html';
const PIN = '735194';       // both keys' PIN
const NEW_PIN = '864213';   // the SKF key's, set by the online unlock
const WRONG_PINS = ['918273', '564738', '192837']; // digits no log line has by chance (0x000000a0 has 000000)
const ORG = '河北测试科技有限公司';      // org-rsa, on the SoftHSM token
const SM2_ORG = '河北国密测试有限公司';  // sm2-sign, on the SKF key
const SUBJECT = `CN=${SM2_ORG},O=${SM2_ORG},L=石家庄市,ST=河北省,C=CN`;
const RSA_SUBJECT = `CN=${ORG},O=${ORG},L=石家庄市,ST=河北省,C=CN`;

let dir;
let pkiDir;
let pki;
let sm2;
let srv;
let portal;
let ca;
let browser;
let portalPage;
let caPage;
let renewedSha256; // the SM2 key's renewed certificate

const sha256 = (der) => crypto.createHash('sha256').update(der).digest('hex');
const hostLog = () => fs.readFileSync(path.join(dir, 'host.log'), 'utf8');

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

/** Presses `key` in a window whose flow then ends, and waits for the window to go. */
async function pressAndWaitClosed(dialog, key) {
  await pressClosing(dialog, key);
  if (!dialog.isClosed()) await dialog.waitForEvent('close', { timeout: 15_000 });
}

/** Picks the certificate with `text` if the chooser is open now. */
async function chooseIfAsked(text) {
  const chooser = browser.context.pages().find((p) => !p.isClosed() && p.url().includes('/chooser.html'));
  if (!chooser) return false;
  await chooser.locator('li.choice').first().waitFor();
  await chooser.locator('li.choice').filter({ hasText: text }).first().locator('input').check();
  await pressClosing(chooser, 'Enter');
  return true;
}

/** The window `page` (after the chooser when several certificates match: picks the one with `text`), once it shows the key. */
async function dialogFor(page, text) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await chooseIfAsked(text);
    const dialog = browser.context.pages().find((p) => !p.isClosed() && p.url().includes(`/${page}`));
    if (dialog && await dialog.locator('#cert .holder').count()) {
      await dialog.locator('#cert .holder').waitFor();
      return dialog;
    }
    if (Date.now() > deadline) throw new Error(`no ${page} window`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** On the CA site's 老用户延期 page: 读取证书, the certificate with `text` picked, until the confirm step shows. */
async function readOnCaSite(text) {
  await caPage.click('#read');
  for (let i = 0; i < 200 && !(await caPage.locator('#confirm-area').isVisible()); i++) {
    await chooseIfAsked(text);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await caPage.locator('#confirm-area').waitFor({ state: 'visible', timeout: 5_000 });
}

describe('renewal and online unlock on the CA\'s own site', { timeout: 300_000 }, () => {
  before(async () => {
    dir = tempDir('enroll');
    pkiDir = path.join(dir, 'pki');
    pki = makePki(pkiDir);
    sm2 = JSON.parse(fs.readFileSync(path.join(pkiDir, 'sm2.json'), 'utf8'));
    const softhsmConf = provisionToken(pkiDir, path.join(dir, 'softhsm'), 'HEBCA-E2E', ['org-rsa'], PIN);
    // HeBCA's SM2 key: the organisation's dual pair, 3 PIN tries, an online-unlock secret.
    const skfState = provisionSkf(pkiDir, path.join(dir, 'skf'), { devices: [{
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
    // The CA's unlock responder with the secrets provision-skf.py wrote (tools/pki/unlock_responder.py).
    const responder = ['python3', path.join(REPO, 'tools/pki/unlock_responder.py'), '--secrets', path.join(skfState, 'unlock-secrets.json')]
      .map((s) => `'${s}'`).join(' ');
    ca = await startDemoCa(pkiDir, { logFile: path.join(dir, 'ca.log'), responder });

    // HeBCA's PKCS#11 descriptor on SoftHSM and its SKF descriptor on the software SKF library,
    // each declaring the demo CA site as its enrolment origin and the test CA (RSA/EC chain,
    // SM2 chain) as the CA its keys take certificates from; SKF with the library's online-unlock
    // calls.
    const pluginDir = hebcaDescriptor(dir);
    const edit = (file, change) => {
      const descriptor = JSON.parse(fs.readFileSync(file, 'utf8'));
      change(descriptor.config);
      fs.writeFileSync(file, JSON.stringify(descriptor));
    };
    edit(path.join(pluginDir, 'hebca.json'), (config) => {
      config.enrollOrigins = [ca.origin];
      config.enrollCAs = [path.join(pkiDir, 'intermediate.pem'), path.join(pkiDir, 'root.pem')];
    });
    hebcaSkfDescriptor(pluginDir);
    edit(path.join(pluginDir, 'hebca-skf.json'), (config) => {
      config.enrollOrigins = [ca.origin];
      config.enrollCAs = [path.join(pkiDir, 'sm2-intermediate.pem'), path.join(pkiDir, 'sm2-root.pem')];
      config.onlineUnlock = { challenge: 'SKFX_GetUnblockChallenge', response: 'SKFX_UnblockPINByResponse' };
    });
    const env = {
      ...hostEnvironment(dir, { pluginDirs: [pluginDir, PLUGIN_DIR] }),
      SOFTHSM2_CONF: softhsmConf,
      CABRIDGE_SOFTSKF_DIR: skfState,
    };
    // The administrator's policy: the portals, and the CA site too, which unblock-challenge and
    // unblock-pin ask of a site for now (the enrolment gate they will move to is the plugins').
    fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify({ allowOrigins: [srv.origin, portal.origin, ca.origin] }));
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
      ['enroll', { vendor: 'hebca-skf', keyType: 'SM2', subject: SUBJECT }],
      ['installCertificate', { certificate: fs.readFileSync(path.join(pkiDir, 'org-rsa.der')).toString('base64'), keyId: '01', certificateId: 'x', replace: true }],
      ['unlockChallenge', { vendor: 'hebca-skf' }],
      ['unlockWithResponse', { certificateId: 'x', response: 'AAAA' }],
    ];
    for (const [fn, arg] of calls) {
      const { error } = await startCall(page, fn, arg);
      // installCertificate/unlockWithResponse name a certificate that is not there: not found or
      // refused; enroll and unlockChallenge refused. Never a window.
      if (fn === 'enroll' || fn === 'unlockChallenge') assert.equal(error?.code, 'ORIGIN_NOT_ALLOWED', `${fn}: ${JSON.stringify(error)}`);
      else assert.ok(['ORIGIN_NOT_ALLOWED', 'CERTIFICATE_NOT_FOUND'].includes(error?.code), `${fn}: ${JSON.stringify(error)}`);
      assert.equal(openDialogs(browser.context).length, 0, `${fn}: no window`);
      assert.equal(browser.context.pages().filter((p) => p.url().includes(WINDOW)).length, 0, `${fn}: no CA window`);
    }
    assert.match(hostLog(), /list-keys.*ORIGIN_NOT_ALLOWED|ORIGIN_NOT_ALLOWED.*list-keys/, 'the refusal is logged');
    await page.close();
  });

  it('the portal binds the SM2 key to test01 (by its credit code)', async () => {
    portalPage = await newPage(`${portal.origin}/`);
    await portalPage.locator('#extension-status[data-state=ready]').waitFor({ timeout: 20_000 });
    await portalPage.fill('#username', 'test01');
    await portalPage.fill('#password', 'Test@123456');
    await portalPage.click('#account-login');
    await portalPage.locator('#logged-in').waitFor();
    await portalPage.evaluate(() => {
      for (const id of ['ca-vendor', 'bind-vendor']) {
        const select = document.getElementById(id);
        select.add(new Option('hebca-skf', 'hebca-skf'));
        select.value = 'hebca-skf';
      }
    });
    const consented = acceptConsent(browser.context, { origin: portal.origin });
    await portalPage.click('#read-cert');
    await consented;
    await portalPage.locator('#cert-info').waitFor();
    await portalPage.click('#bind');
    const dialog = await dialogFor('pin.html', SM2_ORG);
    await dialog.locator('#pin').fill(PIN);
    await pressClosing(dialog, 'Enter');
    await portalPage.locator('#message[data-code=BIND_OK]').waitFor({ timeout: 30_000 });
    assert.equal(await portalPage.textContent('#bound-uscc'), sm2.certificates.find((c) => c.name === 'sm2-sign').uscc);
  });

  it('老用户延期: read the key, then a cancel in the enrolment window leaves the key as it was', async () => {
    caPage = await newPage(`${ca.origin}/`);
    const consented = acceptConsent(browser.context, { origin: ca.origin });
    // Both keys are HeBCA's: the person picks in the chooser.
    await Promise.all([consented, readOnCaSite(SM2_ORG)]);
    assert.equal(await caPage.textContent('#org'), SM2_ORG);
    assert.equal(await caPage.textContent('#key-type'), 'SM2 国密');
    assert.equal(await caPage.textContent('#uscc'), sm2.certificates.find((c) => c.name === 'sm2-sign').uscc);

    await caPage.click('#confirm');
    const dialog = await dialogFor(WINDOW, SM2_ORG);
    // One action at a time per page, whatever the page library thinks (a second copy of it).
    const second = await caPage.evaluate(() => new Promise((resolve) => {
      const id = 'second-call';
      const onMessage = (e) => {
        if (e.data?.cabridge === 'response' && e.data.id === id) { window.removeEventListener('message', onMessage); resolve(e.data.error?.code); }
      };
      window.addEventListener('message', onMessage);
      window.postMessage({ cabridge: 'request', id, action: 'unlockChallenge', params: {} }, location.origin);
    }));
    assert.equal(second, 'ACTION_PENDING');
    await pressAndWaitClosed(dialog, 'Escape');
    await caPage.locator('#message[data-code=USER_CANCELLED]').waitFor({ timeout: 15_000 });
    assert.doesNotMatch(hostLog(), /generate-key/, 'nothing was generated');
  });

  it('老用户延期: the window names the site, the key, SM2 and the subject; enroll -> the CA signs -> 安装证书', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300)); // the pause after a cancel (prompt-guard.js)
    await caPage.click('#confirm');
    const dialog = await dialogFor(WINDOW, SM2_ORG);
    assert.equal(await dialog.locator('#origin').textContent(), ca.origin);
    assert.match(await dialog.locator('#what').textContent(), /SM2 国密/);
    assert.equal(await dialog.locator('.subject dd').textContent(), SUBJECT);
    assert.match(await dialog.locator('#cert .holder').textContent(), new RegExp(SM2_ORG));
    await dialog.screenshot({ path: path.join(artifactsDir('enroll'), 'generate.png') });
    // A wrong PIN stays in the window.
    await dialog.locator('#pin').fill(WRONG_PINS[0]);
    await dialog.keyboard.press('Enter');
    await dialog.locator('.pin-incorrect').filter({ hasText: '还可尝试 2 次' }).waitFor({ timeout: 30_000 });
    await dialog.locator('#pin').fill(PIN);
    await pressAndWaitClosed(dialog, 'Enter');
    await caPage.locator('#message[data-code=ISSUED]').waitFor({ timeout: 60_000 });

    await caPage.click('#install');
    const install = await dialogFor(WINDOW, SM2_ORG);
    assert.equal(await install.locator('#heading').textContent(), '证书更新：安装证书');
    assert.equal(await install.locator('.new-holder dd').textContent(), SM2_ORG);
    assert.equal(await install.locator('.issuer dd').textContent(), 'HEBCA Test SM2 CA');
    assert.match(await install.locator('#what').textContent(), /替换原有证书/);
    await install.screenshot({ path: path.join(artifactsDir('enroll'), 'install.png') });
    await install.locator('#pin').fill(PIN);
    await pressAndWaitClosed(install, 'Enter');
    await caPage.locator('#message[data-code=INSTALL_OK]').waitFor({ timeout: 30_000 });
    await caPage.screenshot({ path: path.join(artifactsDir('enroll'), 'renewed.png'), fullPage: true });
    assert.match(hostLog(), /install-certificate/, 'the steps are logged');
  });

  it('the portal logs in with the renewed certificate, to the same account', async () => {
    await portalPage.bringToFront();
    await portalPage.click('#logout');
    await portalPage.locator('#logged-out').waitFor();
    await portalPage.click('#ca-login');
    const dialog = await dialogFor('pin.html', SM2_ORG);
    // The chooser, had there been one, would have offered only the renewed certificate: replaced.
    await dialog.locator('#pin').fill(PIN);
    await pressClosing(dialog, 'Enter');
    await portalPage.locator('#message[data-code=CA_LOGIN_OK]').waitFor({ timeout: 30_000 });
    const me = await portalPage.evaluate(async () => (await fetch('/api/me')).json());
    assert.equal(me.account.username, 'test01');
    renewedSha256 = me.binding.sha256;
    assert.notEqual(renewedSha256, sm2.certificates.find((c) => c.name === 'sm2-sign').sha256, 'the renewed certificate logged in');
    assert.equal(me.binding.creditCode, sm2.certificates.find((c) => c.name === 'sm2-sign').uscc);
  });

  it('老用户延期 for the PKCS#11 key: an RSA-2048 key pair on SoftHSM, the renewed certificate replaces the old', async () => {
    await caPage.bringToFront();
    await caPage.reload();
    await readOnCaSite(ORG);
    assert.equal(await caPage.textContent('#key-type'), 'RSA 2048 位');
    await caPage.click('#confirm');
    const dialog = await dialogFor(WINDOW, ORG);
    assert.match(await dialog.locator('#what').textContent(), /RSA 2048 位/);
    assert.equal(await dialog.locator('.subject dd').textContent(), RSA_SUBJECT);
    await dialog.locator('#pin').fill(PIN);
    await pressAndWaitClosed(dialog, 'Enter');
    await caPage.locator('#message[data-code=ISSUED]').waitFor({ timeout: 60_000 });
    await caPage.click('#install');
    const install = await dialogFor(WINDOW, ORG);
    assert.equal(await install.locator('.issuer dd').textContent(), 'HEBCA Test SM CA');
    await install.locator('#pin').fill(PIN);
    await pressAndWaitClosed(install, 'Enter');
    await caPage.locator('#message[data-code=INSTALL_OK]').waitFor({ timeout: 30_000 });
    const { result, error } = await startCall(caPage, 'readCertificate', { vendor: 'hebca' });
    assert.equal(error, undefined, JSON.stringify(error));
    assert.notEqual(result.sha256, pki.certificates.find((c) => c.name === 'org-rsa').sha256);
    assert.equal(result.identity.unifiedSocialCreditCode, pki.certificates.find((c) => c.name === 'org-rsa').uscc);
    assert.ok(Date.parse(result.notAfter) > Date.now() + 700 * 86_400_000, 'two years from now');
  });

  it('在线解锁: the SKF key locked by wrong PINs is unlocked on the CA site and logs in with the new PIN', async () => {
    const page = await newPage(`${srv.origin}/`);
    const call = startCall(page, 'login', { challenge: randomChallenge(), vendor: 'hebca-skf' });
    await acceptConsent(browser.context, { origin: srv.origin });
    const dialog = await dialogFor('pin.html', SM2_ORG);
    for (const wrong of WRONG_PINS) {
      await dialog.locator('#pin').fill(wrong);
      await dialog.keyboard.press('Enter');
      await dialog.locator('.pin-incorrect, .locked').first().waitFor({ timeout: 30_000 });
      if (await dialog.locator('.locked').count()) break;
      await dialog.locator('#pin').waitFor();
    }
    await dialog.locator('.locked').waitFor({ timeout: 30_000 });
    await pressClosing(dialog, 'Escape');
    assert.equal((await call).error?.code, 'PIN_LOCKED');

    const unlockPage = await newPage(`${ca.origin}/unlock`);
    await unlockPage.click('#unlock');
    const start = await dialogFor(WINDOW, SM2_ORG);
    assert.equal(await start.locator('#heading').textContent(), '在线解锁证书口令');
    assert.equal(await start.locator('#pin-area').isHidden(), true, 'no PIN is asked to start');
    // That window closes with the challenge; the next one asks for the new PIN.
    await pressAndWaitClosed(start, 'Enter');
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
    const again = startCall(page, 'login', { challenge: randomChallenge(), vendor: 'hebca-skf' });
    const pin = await dialogFor('pin.html', SM2_ORG);
    await pin.locator('#pin').fill(NEW_PIN);
    await pressClosing(pin, 'Enter');
    const { result, error } = await again;
    assert.equal(error, undefined, JSON.stringify(error));
    assert.equal(sha256(Buffer.from(result.certificate, 'base64')), renewedSha256, 'the renewed certificate, with the new PIN');
  });

  it('no PIN in any page or the host\'s log', async () => {
    const secrets = [PIN, NEW_PIN, ...WRONG_PINS];
    let pages = 0;
    for (const page of browser.context.pages()) {
      if (page.isClosed() || !/^http/.test(page.url())) continue;
      const seen = await page.evaluate(() => (window.seenMessages ?? []).join('\n'));
      if (seen) pages += 1;
      for (const secret of secrets) assert.ok(!seen.includes(secret), `${page.url()} saw a PIN`);
    }
    assert.ok(pages >= 3, 'the portal, the CA site and the test page were watched');
    const log = hostLog();
    assert.match(log, /generate-key/);
    for (const secret of secrets) assert.ok(!log.includes(secret), 'a PIN in the host log');
  });
});
