// SM2 (national algorithm) keys in the browser, one Chromium for every scenario (each browser
// start costs CI time): HeBCA's SKF descriptor over the software SKF library (tests/softskf) and
// a vendor PKCS#11 module with SM2 keys (tests/softsm2p11) behind the generic plugin, with the
// real extension, host and demo portal. The chooser and PIN window name SM2 keys "SM2 国密", an
// RSA key inside SKF logs in too, a wrong PIN shows the key's exact retries down to the lock and
// HeBCA's "重置证书密码" help, a factory PIN is pointed out after the login, and a key pulled
// out mid-login fails cleanly and works again once re-inserted.
// The scenarios run in order and share the keys' state (PIN counters, faults).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { artifactsDir, launchBrowser, pressClosing, tempDir, waitForDialog } from './lib/browser.mjs';
import { acceptConsent } from './lib/consent.mjs';
import { startPortal } from './lib/demo-portal.mjs';
import { startPageServer } from './lib/page-server.mjs';
import {
  hebcaSkfDescriptor, hostEnvironment, makePki, PLUGIN_DIR, provisionSkf, REAL_HOST, setSkfFaults, sm2Pkcs11Vendor, VERIFY,
} from './lib/real-host.mjs';
import { randomChallenge, startCall } from './lib/real-scenario.mjs';

const SKF_PIN = '123456';     // provision-skf.py's user PIN on both devices
const NEW_SKF_PIN = '246810'; // 李四's PIN after the in-browser change
const P11_PIN = '246810';
const SM2_ORG = '河北国密测试有限公司'; // sm2-sign / sm2-enc / skf-rsa subject (tools/pki/README.md)
const PERSON = '李四';          // sm2-person, on HEBCA-SKF-2 (3 tries, factory-default PIN)

let dir;
let pkiDir;
let sm2;        // sm2.json of the test PKI
let skfState;
let srv;
let browser;
let page;
let portal;

/** The SM2 PKI entry `name` (sm2.json). */
const entity = (name) => sm2.certificates.find((c) => c.name === name);

/** cabridge-verify on `token` for `origin`/`challenge` against the SM2 or the RSA/EC chain. */
function verify(token, origin, challenge, chain = 'sm2') {
  const [ca, intermediate] = chain === 'sm2' ? ['sm2-root.pem', 'sm2-intermediate.pem'] : ['root.pem', 'intermediate.pem'];
  const out = execFileSync(VERIFY, ['--token', '-', '--origin', origin, '--challenge', challenge,
    '--ca', path.join(pkiDir, ca), '--intermediate', path.join(pkiDir, intermediate)], { input: JSON.stringify(token) });
  return JSON.parse(out);
}

/** The chooser's row for the certificate whose text has every one of `texts` and none of `not`. */
function choice(chooser, texts, not = []) {
  let row = chooser.locator('li.choice');
  for (const text of texts) row = row.filter({ hasText: text });
  for (const text of not) row = row.filter({ hasNotText: text });
  return row;
}

/** Picks the certificate with `texts` in the chooser (waits for it); returns the chooser's full text. */
async function choose(texts, not = []) {
  const chooser = await waitForDialog(browser.context, 'chooser.html');
  await chooser.locator('li.choice').first().waitFor();
  const row = choice(chooser, texts, not);
  assert.equal(await row.count(), 1, `one certificate with ${texts.join(' + ')} in the chooser`);
  const text = await chooser.locator('#choices').textContent();
  await row.locator('input').check();
  await pressClosing(chooser, 'Enter');
  return text;
}

/** The PIN window once it shows the certificate. */
async function pinWindow() {
  const dialog = await waitForDialog(browser.context, 'pin.html');
  await dialog.locator('#cert .holder').waitFor();
  return dialog;
}

/** Starts cabridge.login on the test page for HeBCA's SKF key. */
function skfLogin(challenge) {
  return startCall(page, 'login', { challenge, vendor: 'hebca-skf' });
}

describe('SM2 keys over SKF and PKCS#11 in Chromium', { timeout: 600_000 }, () => {
  before(async () => {
    dir = tempDir('sm2');
    pkiDir = path.join(dir, 'pki');
    makePki(pkiDir);
    sm2 = JSON.parse(fs.readFileSync(path.join(pkiDir, 'sm2.json'), 'utf8'));
    skfState = provisionSkf(pkiDir, path.join(dir, 'skf'));
    const pluginDir = path.join(dir, 'plugins');
    hebcaSkfDescriptor(pluginDir);
    const p11 = sm2Pkcs11Vendor(dir, pkiDir, pluginDir, {
      tokens: [{ label: 'GM-P11-KEY', serial: 'SM2P11-0001', pin: P11_PIN, objects: ['sm2-sign', 'sm2-enc'] }],
    });
    srv = await startPageServer();
    portal = await startPortal(dir, pkiDir, {
      logFile: path.join(dir, 'portal.log'),
      ca: path.join(pkiDir, 'sm2-root.pem'), intermediate: path.join(pkiDir, 'sm2-intermediate.pem'),
    });
    const env = {
      ...hostEnvironment(dir, { allowOrigins: [srv.origin, portal.origin], pluginDirs: [pluginDir, PLUGIN_DIR] }),
      ...p11.env,
      CABRIDGE_SOFTSKF_DIR: skfState,
    };
    browser = await launchBrowser({ hostPath: REAL_HOST, env });
    page = await browser.context.newPage();
    await page.goto(`${srv.origin}/`);
  });

  after(async () => {
    await browser?.close();
    await srv?.close();
    portal?.stop();
  });

  it('chooser over SKF: SM2 keys as "SM2 国密", the RSA key as RSA, no encryption certificate; the RSA key logs in', async () => {
    const challenge = randomChallenge();
    const call = skfLogin(challenge);
    await acceptConsent(browser.context, { origin: srv.origin });
    const chooser = await waitForDialog(browser.context, 'chooser.html');
    await chooser.locator('li.choice').nth(2).waitFor();
    assert.equal(await chooser.locator('li.choice').count(), 3, 'sm2-sign, skf-rsa, sm2-person; never sm2-enc');
    assert.equal(await choice(chooser, ['SM2 国密']).count(), 2);
    assert.equal(await choice(chooser, [SM2_ORG, 'SM2 国密']).count(), 1);
    assert.equal(await choice(chooser, [PERSON, 'SM2 国密']).count(), 1);
    assert.equal(await choice(chooser, [SM2_ORG, 'RSA 2048 位']).count(), 1);
    assert.equal(await choice(chooser, ['加密证书']).count(), 0);
    await chooser.screenshot({ path: path.join(artifactsDir('sm2'), 'chooser-skf.png') });
    await choice(chooser, ['RSA 2048 位']).locator('input').check();
    await pressClosing(chooser, 'Enter');
    const dialog = await pinWindow();
    assert.match(await dialog.locator('#cert .key').textContent(), /RSA 2048 位/);
    await dialog.locator('#pin').fill(SKF_PIN);
    await pressClosing(dialog, 'Enter');
    const { result, error } = await call;
    assert.equal(error, undefined, JSON.stringify(error));
    assert.equal(result.algorithm, 'RS256');
    assert.equal(Buffer.from(result.certificate, 'base64').toString('base64'), fs.readFileSync(path.join(pkiDir, 'skf-rsa.der')).toString('base64'));
    assert.equal(verify(result, srv.origin, challenge, 'rsa').valid, true);
  });

  it('factory-default PIN: after the login the window says to change it, then the token arrives', async () => {
    const challenge = randomChallenge();
    const call = skfLogin(challenge);
    await choose([PERSON]);
    const dialog = await pinWindow();
    assert.match(await dialog.locator('#cert .key').textContent(), /SM2 国密/);
    await dialog.screenshot({ path: path.join(artifactsDir('sm2'), 'pin-sm2.png') });
    await dialog.locator('#pin').fill(SKF_PIN);
    await dialog.keyboard.press('Enter');
    await dialog.locator('.pin-default').waitFor({ timeout: 30_000 });
    assert.match(await dialog.locator('.pin-default').textContent(), /初始密码.*修改/);
    assert.equal(await dialog.locator('#pin-area').isHidden(), true);
    assert.equal(await dialog.locator('#cancel').textContent(), '继续登录');
    await dialog.screenshot({ path: path.join(artifactsDir('sm2'), 'pin-default.png') });
    let settled = false;
    call.then(() => { settled = true; });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(settled, false, 'the page waits until the person has read the warning');
    await pressClosing(dialog, 'Enter'); // focus is on 继续登录
    const { result, error } = await call;
    assert.equal(error, undefined, JSON.stringify(error));
    assert.equal(result.algorithm, 'SM2-SM3');
    const verified = verify(result, srv.origin, challenge);
    assert.equal(verified.valid, true, JSON.stringify(verified));
    assert.equal(Buffer.from(result.certificate, 'base64').equals(fs.readFileSync(path.join(pkiDir, 'sm2-person.der'))), true);
  });

  it('factory-default PIN: 立即修改密码 changes it in the same window, the token arrives, and the new PIN logs in without the warning', async () => {
    const challenge = randomChallenge();
    const call = skfLogin(challenge);
    await choose([PERSON]);
    const dialog = await pinWindow();
    await dialog.locator('#pin').fill(SKF_PIN);
    await dialog.keyboard.press('Enter');
    await dialog.locator('#change-now').waitFor({ timeout: 30_000 });
    assert.equal(await dialog.locator('#change-now').textContent(), '立即修改密码');
    await dialog.locator('#change-now').click();
    // The same window now holds the change-PIN form for the certificate that just logged in.
    // #current is in pin-change.html itself: wait for the page and for its first view (the
    // certificate), or the fields could be filled before the view arrives.
    await dialog.waitForURL(/pin-change\.html/, { timeout: 15_000 });
    await dialog.locator('#cert .holder').filter({ hasText: PERSON }).waitFor({ timeout: 15_000 });
    await dialog.locator('#current').fill(SKF_PIN);
    await dialog.locator('#new').fill(NEW_SKF_PIN);
    await dialog.locator('#confirm').fill(NEW_SKF_PIN);
    await dialog.keyboard.press('Enter');
    await dialog.locator('.done').waitFor({ timeout: 30_000 });
    await dialog.screenshot({ path: path.join(artifactsDir('sm2'), 'pin-default-changed.png') });
    await pressClosing(dialog, 'Escape');
    const { result, error } = await call;
    assert.equal(error, undefined, JSON.stringify(error));
    assert.equal(verify(result, srv.origin, challenge).valid, true);

    // The key took the new PIN and no longer reports its initial one: no warning this time.
    const again = randomChallenge();
    const second = skfLogin(again);
    await choose([PERSON]);
    const next = await pinWindow();
    await next.locator('#pin').fill(NEW_SKF_PIN);
    await pressClosing(next, 'Enter');
    const done = await second;
    assert.equal(done.error, undefined, JSON.stringify(done.error));
    assert.equal(verify(done.result, srv.origin, again).valid, true);
  });

  it('wrong PINs over SKF: exact retries left (还可尝试 N 次), then the lock with HeBCA\'s 重置证书密码 help', async () => {
    const call = skfLogin(randomChallenge());
    await choose([PERSON]);
    const dialog = await pinWindow();
    for (const [wrongPin, left] of [['000000', 2], ['111111', 1]]) {
      await dialog.locator('#pin').fill(wrongPin);
      await dialog.keyboard.press('Enter');
      await dialog.locator('.pin-incorrect').filter({ hasText: `还可尝试 ${left} 次` }).waitFor({ timeout: 30_000 });
    }
    assert.equal(await dialog.locator('.final-try').count(), 1, 'the last try is announced');
    await dialog.screenshot({ path: path.join(artifactsDir('sm2'), 'pin-skf-last-try.png') });
    await dialog.locator('#pin').fill('222222');
    await dialog.keyboard.press('Enter');
    await dialog.locator('.locked').waitFor({ timeout: 30_000 });
    const help = await dialog.locator('.help').textContent();
    assert.match(help, /重置证书密码/);
    assert.match(help, /www\.hebca\.com/);
    await dialog.screenshot({ path: path.join(artifactsDir('sm2'), 'pin-skf-locked.png') });
    await pressClosing(dialog, 'Escape');
    const { error } = await call;
    assert.equal(error?.code, 'PIN_LOCKED', JSON.stringify(error));
    // triesMade counts the PINs the key answered "wrong, N left"; the one that locked it came
    // back as PIN_LOCKED (docs/protocol.md section 7).
    assert.deepEqual([error.details.triesMade, error.details.retriesLeft, error.details.locked], [2, 0, true]);
    const device = JSON.parse(fs.readFileSync(path.join(skfState, 'dev1', 'device.json'), 'utf8'));
    assert.equal(device.applications[0].user.remaining, 0, 'the key itself counted every try');
  });

  it('the key pulled out mid-login gives TOKEN_REMOVED with the re-insert help; re-inserted, it logs in', async () => {
    setSkfFaults(skfState, { removeAt: 'SKF_ECCSignData', device: 'HEBCA-SKF-1' });
    const call = skfLogin(randomChallenge());
    await choose([SM2_ORG, 'SM2 国密']);
    const dialog = await pinWindow();
    await dialog.locator('#pin').fill(SKF_PIN);
    await pressClosing(dialog, 'Enter');
    const { error } = await call;
    assert.equal(error?.code, 'TOKEN_REMOVED', JSON.stringify(error));
    assert.match(JSON.stringify(error.details.help ?? {}), /重新插入/);
    if (!dialog.isClosed()) await dialog.waitForEvent('close', { timeout: 10_000 }).catch(() => {});
    assert.equal(dialog.isClosed(), true, 'the PIN window closes with the failure');
    const faults = JSON.parse(fs.readFileSync(path.join(skfState, 'faults.json'), 'utf8'));
    assert.deepEqual(faults.removed, ['HEBCA-SKF-1'], 'the library saw the key go');

    setSkfFaults(skfState, {}); // put the key back
    const challenge = randomChallenge();
    const again = skfLogin(challenge);
    await choose([SM2_ORG, 'SM2 国密']);
    const retry = await pinWindow();
    await retry.locator('#pin').fill(SKF_PIN);
    await pressClosing(retry, 'Enter');
    const { result, error: againError } = await again;
    assert.equal(againError, undefined, JSON.stringify(againError));
    assert.equal(result.algorithm, 'SM2-SM3');
    assert.equal(verify(result, srv.origin, challenge).valid, true);
  });

  /** On the demo portal, as test01: read the certificate and bind it with vendor `vendor`. */
  async function portalBind(portalPage, vendor, expectChooser) {
    await portalPage.evaluate((v) => {
      for (const id of ['ca-vendor', 'bind-vendor']) {
        const select = document.getElementById(id);
        if (![...select.options].some((o) => o.value === v)) select.add(new Option(v, v));
        select.value = v;
      }
    }, vendor);
    await portalPage.click('#read-cert');
    // SKF lists signing certificates only (here also the RSA one and 李四's); the PKCS#11 token
    // offers the dual pair's encryption half for reading too, marked, and never for login.
    if (expectChooser) await choose([SM2_ORG, 'SM2 国密'], ['加密证书', 'RSA']);
    await portalPage.locator('#cert-info').waitFor();
    assert.equal(await portalPage.textContent('#cert-uscc'), entity('sm2-sign').uscc);
    await portalPage.click('#bind');
    if (vendor === 'hebca-skf') await choose([SM2_ORG, 'SM2 国密']);
    const dialog = await pinWindow();
    assert.match(await dialog.locator('#cert .key').textContent(), /SM2 国密/);
    await dialog.locator('#pin').fill(vendor === 'hebca-skf' ? SKF_PIN : P11_PIN);
    await pressClosing(dialog, 'Enter');
    await portalPage.locator('#message[data-code=BIND_OK]').waitFor({ timeout: 30_000 });
  }

  /** Logs out, then CA login with vendor `vendor`: the portal verifies the SM2 token. */
  async function portalCaLogin(portalPage, vendor) {
    await portalPage.click('#logout');
    await portalPage.locator('#logged-out').waitFor();
    await portalPage.evaluate((v) => { document.getElementById('ca-vendor').value = v; }, vendor);
    await portalPage.click('#ca-login');
    if (vendor === 'hebca-skf') await choose([SM2_ORG, 'SM2 国密']);
    const dialog = await pinWindow();
    await dialog.locator('#pin').fill(vendor === 'hebca-skf' ? SKF_PIN : P11_PIN);
    await pressClosing(dialog, 'Enter');
    await portalPage.locator('#message[data-code=CA_LOGIN_OK]').waitFor({ timeout: 30_000 });
    const message = await portalPage.textContent('#message');
    assert.ok(message.includes(SM2_ORG) && message.includes(entity('sm2-sign').uscc), message);
  }

  it('demo portal: bind and CA login with the SM2 key over SKF, then over PKCS#11', async () => {
    const portalPage = await browser.context.newPage();
    await portalPage.goto(`${portal.origin}/`);
    await portalPage.locator('#extension-status[data-state=ready]').waitFor({ timeout: 20_000 });
    await portalPage.fill('#username', 'test01');
    await portalPage.fill('#password', 'Test@123456');
    await portalPage.click('#account-login');
    await portalPage.locator('#logged-in').waitFor();

    // SKF: the consent comes with the first read on this origin.
    const consented = acceptConsent(browser.context, { origin: portal.origin });
    await Promise.all([consented, portalBind(portalPage, 'hebca-skf', true)]);
    await portalCaLogin(portalPage, 'hebca-skf');
    await portalPage.screenshot({ path: path.join(artifactsDir('sm2'), 'portal-skf.png'), fullPage: true });

    // PKCS#11: the same certificate on a vendor module's token, bound afresh.
    await portalPage.click('#unbind');
    await portalPage.locator('#message[data-code=UNBIND_OK]').waitFor();
    await portalBind(portalPage, 'gm-p11', true);
    await portalCaLogin(portalPage, 'gm-p11');
  });
});
