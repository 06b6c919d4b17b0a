// Firefox ESR with the real host, the HeBCA plugin and SoftHSM tokens: bind (chooser ->
// readCertificate), login with a wrong PIN then the right one (a token cabridge-verify
// accepts), and cancel. Screenshots of the consent, chooser and PIN windows are artifacts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { artifactsDir } from './lib/browser.mjs';
import { waitForFirefoxDialog, openFirefoxDialogs } from './lib/firefox.mjs';
import {
  acceptConsentInFirefox, clickClosing, pinDialogInFirefox, pressClosing, withRealHostInFirefox,
} from './lib/firefox-scenario.mjs';
import { VERIFY } from './lib/real-host.mjs';
import { randomChallenge, startCall } from './lib/real-scenario.mjs';

const shots = () => artifactsDir('firefox');

test('Firefox: bind picks a certificate in the chooser and returns it', { timeout: 180_000 }, async () => {
  await withRealHostInFirefox({ certs: ['org-rsa', 'org-ec'] }, async ({ page, firefox, setup, origin }) => {
    const call = startCall(page, 'readCertificate', { vendor: 'hebca' });
    const consent = await waitForFirefoxDialog(firefox.browser, 'consent.html');
    await consent.waitForSelector('#fields li');
    await consent.screenshot({ path: path.join(shots(), 'consent.png') });
    await acceptConsentInFirefox(firefox.browser, { origin });
    const chooser = await waitForFirefoxDialog(firefox.browser, 'chooser.html');
    await chooser.waitForSelector('li.choice:nth-of-type(2)');
    assert.equal(await chooser.$eval('#origin', (e) => e.textContent), origin);
    const text = await chooser.$eval('#choices', (e) => e.textContent);
    for (const name of ['河北测试科技有限公司', '石家庄示例商贸有限公司']) assert.ok(text.includes(name), `chooser shows ${name}`);
    await chooser.screenshot({ path: path.join(shots(), 'chooser.png') });
    const ec = setup.pki.certificates.find((c) => c.name === 'org-ec');
    await chooser.evaluate((o) => {
      const row = [...document.querySelectorAll('li.choice')].find((li) => li.textContent.includes(o));
      row.querySelector('input').click();
    }, ec.O);
    await pressClosing(chooser, 'Enter');
    const { result, error } = await call;
    assert.equal(error, undefined, JSON.stringify(error));
    assert.equal(result.sha256, ec.sha256);
    assert.equal(result.identity.unifiedSocialCreditCode, ec.uscc);
  });
});

test('Firefox: login with a wrong PIN, then the right one, gives a token the verifier accepts', { timeout: 180_000 }, async () => {
  await withRealHostInFirefox({ certs: ['org-rsa'], fault: { pinMaxRetries: 3 } }, async ({ page, firefox, setup, origin }) => {
    const challenge = randomChallenge();
    const call = startCall(page, 'login', { challenge, vendor: 'hebca' });
    await acceptConsentInFirefox(firefox.browser, { origin });
    const dialog = await pinDialogInFirefox(firefox.browser);
    assert.equal(await dialog.$eval('#origin', (e) => e.textContent), origin);
    assert.equal(await dialog.$eval('#pin', (e) => e.type), 'password');
    await dialog.screenshot({ path: path.join(shots(), 'pin-dialog.png') });
    await dialog.type('#pin', '000000');
    await dialog.keyboard.press('Enter');
    await dialog.waitForSelector('.pin-incorrect', { timeout: 30_000 });
    assert.match(await dialog.$eval('.pin-incorrect', (e) => e.textContent), /还可尝试 2 次|2/);
    await dialog.screenshot({ path: path.join(shots(), 'pin-wrong.png') });
    await dialog.$eval('#pin', (e) => { e.value = ''; });
    await dialog.type('#pin', setup.pin);
    await pressClosing(dialog, 'Enter');
    const { result, error } = await call;
    assert.equal(error, undefined, JSON.stringify(error));
    assert.equal(result.format, 'cabridge-auth:2');
    assert.equal(result.origin, origin);
    const out = execFileSync(VERIFY, ['--token', '-', '--origin', origin, '--challenge', challenge,
      '--ca', path.join(setup.pkiDir, 'root.pem'), '--intermediate', path.join(setup.pkiDir, 'intermediate.pem')],
    { input: JSON.stringify(result) });
    assert.equal(JSON.parse(out).valid, true);
    // The PIN never reaches the page.
    const seen = await page.evaluate(() => window.seenMessages.join('\n'));
    assert.ok(!seen.includes(setup.pin), 'PIN seen by the page');
  });
});

test('Firefox: the cancel button and Esc give USER_CANCELLED and close the window', { timeout: 180_000 }, async () => {
  await withRealHostInFirefox({ certs: ['org-rsa'] }, async ({ page: first, firefox, origin }) => {
    let page = first;
    for (const how of ['escape', 'button']) {
      // A fresh tab for the second: a cancel holds back the tab that asked (prompt-guard.js).
      if (how !== 'escape') {
        page = await firefox.newPage();
        await page.goto(`${origin}/`);
      }
      const call = startCall(page, 'login', { challenge: randomChallenge() });
      if (how === 'escape') await acceptConsentInFirefox(firefox.browser, { origin });
      const dialog = await pinDialogInFirefox(firefox.browser);
      if (how === 'escape') await pressClosing(dialog, 'Escape');
      else await clickClosing(dialog, '#cancel');
      const { error } = await call;
      assert.equal(error?.code, 'USER_CANCELLED', how);
      const deadline = Date.now() + 10_000;
      while ((await openFirefoxDialogs(firefox.browser)).length > 0) {
        assert.ok(Date.now() < deadline, `${how}: the dialog window stays open`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  });
});
