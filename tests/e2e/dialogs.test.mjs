// The extension's own windows with the real host, HeBCA's shipped descriptor and
// SoftHSM tokens: chooser, PIN entry and its retries, lock, cancel, timeout,
// expired certificate, origin policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { artifactsDir, pressClosing, waitForDialog } from './lib/browser.mjs';
import { acceptConsent } from './lib/consent.mjs';
import { callLibrary } from './lib/page-server.mjs';
import { VERIFY } from './lib/real-host.mjs';
import { randomChallenge, startCall, withRealHost } from './lib/real-scenario.mjs';

test('chooser lists several certificates, warns of expiry, and returns the one picked', { timeout: 120_000 }, async () => {
  await withRealHost({ certs: ['org-rsa', 'org-ec', 'expiring'], recordRequests: true }, async ({ page, browser, setup, origin, requests }) => {
    const call = startCall(page, 'readCertificate', { vendor: 'hebca' });
    await acceptConsent(browser.context, { origin });
    const chooser = await waitForDialog(browser.context, 'chooser.html');
    await chooser.locator('li.choice').nth(2).waitFor();
    assert.equal(await chooser.locator('li.choice').count(), 3);
    assert.equal(await chooser.locator('#origin').textContent(), origin);
    const text = await chooser.locator('#choices').textContent();
    for (const name of ['河北测试科技有限公司', '石家庄示例商贸有限公司', '唐山示例物流有限公司', '91130102MA0CX8NW8P', '河北 CA']) {
      assert.ok(text.includes(name), `chooser shows ${name}`);
    }
    assert.match(await chooser.locator('.expiring').textContent(), /证书将于 (9|10) 天后到期/);
    await chooser.screenshot({ path: path.join(artifactsDir('chooser'), 'chooser.png') });
    const ec = setup.pki.certificates.find((c) => c.name === 'org-ec');
    await chooser.locator('li.choice', { hasText: ec.O }).locator('input').check();
    await pressClosing(chooser, 'Enter');
    const { result, error } = await call;
    assert.equal(error, undefined, JSON.stringify(error));
    assert.equal(result.sha256, ec.sha256);
    assert.equal(result.identity.unifiedSocialCreditCode, ec.uscc);
    assert.equal(result.identity.idNumber, null, 'idNumber present and null without the person ticking it');
    // The vendor name '河北 CA' shown above came with the listing: the one request sent.
    assert.deepEqual(requests().map((r) => r.command), ['list-certificates']);
  });
});

// A name with a character of CJK Extension B (U+20000) is drawn with a real glyph, not an empty
// box: the windows' font stack names a face for those planes (dialog.css; Debian: fonts-hanazono).
// The focus ring sits on the radio button, not on the whole row.
test('chooser draws rare CJK characters and rings only the focused radio', { timeout: 120_000 }, async () => {
  const rareName = '\u{20000}\u{20001}测试有限公司';
  await withRealHost({ certs: ['org-rsa'], selfSigned: [{ name: 'rare-name', subject: `/C=CN/O=${rareName}/CN=${rareName}` }] },
    async ({ page, browser, origin }) => {
      const call = startCall(page, 'readCertificate', { vendor: 'hebca' });
      await acceptConsent(browser.context, { origin });
      const chooser = await waitForDialog(browser.context, 'chooser.html');
      await chooser.locator('li.choice').nth(1).waitFor();
      assert.ok((await chooser.locator('#choices').textContent()).includes(rareName));
      const faces = await chooser.evaluate(async () => {
        const loaded = await document.fonts.load('14px "cabridge-cjk-ext"', '\u{20000}');
        return loaded.map((f) => ({ family: f.family, status: f.status }));
      });
      assert.deepEqual(faces, [{ family: 'cabridge-cjk-ext', status: 'loaded' }], 'a local font draws U+20000');
      await chooser.keyboard.press('ArrowDown');
      const rings = await chooser.evaluate(() => {
        const radio = document.activeElement;
        return {
          tag: radio.tagName,
          radio: getComputedStyle(radio).outlineStyle,
          row: getComputedStyle(radio.closest('label')).outlineStyle,
          // The ring follows the radio's box, which stays radio-sized, not the row's height.
          small: radio.getBoundingClientRect().height < radio.closest('label').getBoundingClientRect().height / 3,
        };
      });
      assert.deepEqual(rings, { tag: 'INPUT', radio: 'solid', row: 'none', small: true });
      await chooser.screenshot({ path: path.join(artifactsDir('chooser'), 'chooser-rare-cjk.png') });
      await pressClosing(chooser, 'Escape');
      assert.equal((await call).error?.code, 'USER_CANCELLED');
    });
});

test('wrong PIN shows retries left in the same dialog; the right PIN then gives a verifiable token', { timeout: 120_000 }, async () => {
  await withRealHost({ certs: ['org-rsa'], fault: { pinMaxRetries: 3 }, recordRequests: true }, async ({ page, browser, setup, origin, requests }) => {
    const challenge = randomChallenge();
    const call = startCall(page, 'login', { challenge, vendor: 'hebca' });
    await acceptConsent(browser.context, { origin });
    const dialog = await waitForDialog(browser.context, 'pin.html');
    await dialog.locator('#cert .holder').waitFor();
    assert.equal(await dialog.locator('#origin').textContent(), origin);
    assert.equal(await dialog.locator('#pin').getAttribute('type'), 'password');
    assert.equal(await dialog.evaluate(() => document.activeElement.id), 'pin');
    await dialog.screenshot({ path: path.join(artifactsDir('pin'), 'pin-dialog.png') });
    await dialog.locator('#pin').fill('000000');
    await dialog.keyboard.press('Enter');
    await dialog.locator('.pin-incorrect').waitFor({ timeout: 30_000 });
    assert.match(await dialog.locator('.pin-incorrect').textContent(), /还可尝试 2 次/);
    await dialog.screenshot({ path: path.join(artifactsDir('pin'), 'pin-wrong.png') });
    await dialog.locator('#pin').fill(setup.pin);
    await pressClosing(dialog, 'Enter');
    const { result, error } = await call;
    assert.equal(error, undefined, JSON.stringify(error));
    assert.equal(result.format, 'cabridge-auth:2');
    assert.equal(result.origin, origin);
    assert.equal(result.algorithm, 'RS256');
    const out = execFileSync(VERIFY, ['--token', '-', '--origin', origin, '--challenge', challenge,
      '--ca', path.join(setup.pkiDir, 'root.pem'), '--intermediate', path.join(setup.pkiDir, 'intermediate.pem')],
    { input: JSON.stringify(result) });
    assert.equal(JSON.parse(out).valid, true);
    // One listing, then one authenticate per PIN typed; none without a PIN.
    assert.deepEqual(requests(), [
      { command: 'list-certificates', pin: 'absent' },
      { command: 'authenticate', pin: 'given' },
      { command: 'authenticate', pin: 'given' },
    ]);
  });
});

test('a locked PIN shows the unlock help and fails with PIN_LOCKED', { timeout: 120_000 }, async () => {
  await withRealHost({ certs: ['org-rsa'], fault: { pinMaxRetries: 1 } }, async ({ page, browser }) => {
    const call = startCall(page, 'login', { challenge: randomChallenge() });
    await acceptConsent(browser.context);
    const dialog = await waitForDialog(browser.context, 'pin.html');
    await dialog.locator('#cert .holder').waitFor();
    await dialog.locator('#pin').fill('000000');
    await pressClosing(dialog, 'Enter');
    await dialog.locator('.locked').waitFor({ timeout: 30_000 });
    assert.match(await dialog.locator('.help').textContent(), /重置|解锁/);
    await dialog.screenshot({ path: path.join(artifactsDir('pin'), 'pin-locked.png') });
    await pressClosing(dialog, 'Escape');
    const { error } = await call;
    assert.equal(error?.code, 'PIN_LOCKED');
  });
});

test('cancel button, Esc and closing the window all give USER_CANCELLED', { timeout: 120_000 }, async () => {
  await withRealHost({ certs: ['org-rsa'] }, async ({ page: first, browser, origin }) => {
    let page = first;
    for (const how of ['escape', 'button', 'close']) {
      // A fresh tab each time: a cancel holds back the tab that asked (prompt-guard.js).
      if (how !== 'escape') {
        page = await browser.context.newPage();
        await page.goto(`${origin}/`);
      }
      const call = startCall(page, 'login', { challenge: randomChallenge() });
      if (how === 'escape') await acceptConsent(browser.context, { origin });
      const dialog = await waitForDialog(browser.context, 'pin.html');
      await dialog.locator('#cert .holder').waitFor();
      if (how === 'escape') await pressClosing(dialog, 'Escape');
      else if (how === 'button') await dialog.locator('#cancel').click({ noWaitAfter: true }).catch((e) => { if (!/closed/.test(e.message)) throw e; });
      else await dialog.close();
      const { error } = await call;
      assert.equal(error?.code, 'USER_CANCELLED', how);
      await dialog.waitForEvent('close', { timeout: 5000 }).catch(() => {});
    }
  });
});

// The page never sees PIN_INCORRECT; when the person gives up after wrong PINs, the
// cancellation says how it went (docs/protocol.md section 7).
test('cancel after wrong PINs gives USER_CANCELLED with the tries made and retries left', { timeout: 120_000 }, async () => {
  await withRealHost({ certs: ['org-rsa'], fault: { pinMaxRetries: 3 } }, async ({ page, browser }) => {
    const call = startCall(page, 'login', { challenge: randomChallenge(), vendor: 'hebca' });
    await acceptConsent(browser.context);
    const dialog = await waitForDialog(browser.context, 'pin.html');
    await dialog.locator('#cert .holder').waitFor();
    for (const [wrongPin, left] of [['000000', 2], ['111111', 1]]) {
      await dialog.locator('#pin').fill(wrongPin);
      await dialog.keyboard.press('Enter');
      await dialog.locator('.pin-incorrect').filter({ hasText: new RegExp(`还可尝试 ${left} 次`) }).waitFor({ timeout: 30_000 });
    }
    await pressClosing(dialog, 'Escape');
    const { error } = await call;
    assert.equal(error?.code, 'USER_CANCELLED', JSON.stringify(error));
    assert.equal(error.details.triesMade, 2);
    assert.equal(error.details.retriesLeft, 1);
    assert.equal(error.details.locked, false);
  });
});

test('cancel without a wrong PIN adds no tries to USER_CANCELLED', { timeout: 120_000 }, async () => {
  await withRealHost({ certs: ['org-rsa'] }, async ({ page, browser }) => {
    const call = startCall(page, 'login', { challenge: randomChallenge() });
    await acceptConsent(browser.context);
    const dialog = await waitForDialog(browser.context, 'pin.html');
    await dialog.locator('#cert .holder').waitFor();
    await pressClosing(dialog, 'Escape');
    const { error } = await call;
    assert.equal(error?.code, 'USER_CANCELLED');
    assert.equal('triesMade' in error.details, false, JSON.stringify(error.details));
  });
});

test('no answer from the person gives USER_TIMEOUT', { timeout: 120_000 }, async () => {
  await withRealHost({ certs: ['org-rsa'], timeouts: { userMs: 2000 } }, async ({ page, browser }) => {
    const call = startCall(page, 'login', { challenge: randomChallenge() });
    await waitForDialog(browser.context, 'consent.html');
    const { error } = await call;
    assert.equal(error?.code, 'USER_TIMEOUT');
  });
});

test('an expired certificate is refused with renewal help before the PIN is asked', { timeout: 120_000 }, async () => {
  await withRealHost({ certs: ['expired'], recordRequests: true }, async ({ page, browser, requests }) => {
    const call = startCall(page, 'login', { challenge: randomChallenge() });
    await acceptConsent(browser.context);
    const dialog = await waitForDialog(browser.context, 'pin.html');
    await dialog.locator('.expired').waitFor();
    assert.equal(await dialog.locator('#pin-area').isHidden(), true);
    assert.match(await dialog.locator('.help').textContent(), /hebca\.com/i);
    assert.match(await dialog.locator('#cert').textContent(), /河北 CA/, 'the vendor is named');
    await dialog.screenshot({ path: path.join(artifactsDir('pin'), 'expired.png') });
    await pressClosing(dialog, 'Escape');
    const { error } = await call;
    assert.equal(error?.code, 'CERTIFICATE_EXPIRED');
    assert.match(JSON.stringify(error.details.help), /hebca\.com/i);
    // Help and name came with the listing: no status, and no authenticate (with an empty PIN
    // or any other) for a certificate the host would refuse.
    assert.deepEqual(requests(), [{ command: 'list-certificates', pin: 'absent' }]);
  });
});

test('an origin outside the policy is refused', { timeout: 120_000 }, async () => {
  await withRealHost({ certs: ['org-rsa'], allowOrigins: () => ['https://portal.example.gov.cn'] }, async ({ page }) => {
    const detected = await callLibrary(page, 'detect', { timeout: 15000 });
    assert.equal(detected.result?.host.originAllowed, false);
    // The reduced status: nothing about plugins or policy reaches a site that may not use certificates.
    assert.deepEqual(Object.keys(detected.result.host).sort(), ['originAllowed', 'protocol', 'version']);
    assert.deepEqual(detected.result.plugins, []);
    const { error } = await callLibrary(page, 'readCertificate', { vendor: 'hebca' });
    assert.equal(error?.code, 'ORIGIN_NOT_ALLOWED');
    const login = await callLibrary(page, 'login', { challenge: randomChallenge() });
    assert.equal(login.error?.code, 'ORIGIN_NOT_ALLOWED');
  });
});

test('a service worker stopped mid-flow fails the page cleanly, closes the dialog, and the next call works', { timeout: 120_000 }, async () => {
  await withRealHost({ certs: ['org-rsa'] }, async ({ page, browser }) => {
    const call = startCall(page, 'login', { challenge: randomChallenge() });
    await acceptConsent(browser.context);
    const dialog = await waitForDialog(browser.context, 'pin.html');
    await dialog.locator('#cert .holder').waitFor();
    const cdp = await browser.context.newCDPSession(page);
    const { targetInfos } = await cdp.send('Target.getTargets');
    const worker = targetInfos.find((t) => t.type === 'service_worker' && t.url.endsWith('/background.js'));
    await cdp.send('Target.closeTarget', { targetId: worker.targetId });
    const { error } = await call;
    assert.equal(error?.code, 'HOST_UNAVAILABLE');
    assert.equal(error.details.reason, 'extension-restarted');
    await dialog.waitForEvent('close', { timeout: 10_000 }).catch(() => {});
    assert.equal(dialog.isClosed(), true, 'the orphaned PIN window is closed');
    const again = await callLibrary(page, 'detect', { timeout: 15000 });
    assert.equal(again.result?.host.protocol, 1, JSON.stringify(again));
  });
});
