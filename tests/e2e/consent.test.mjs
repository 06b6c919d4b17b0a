// A site learns nothing about a person's certificates without their consent:
// the consent window the first time (remembered per origin, revocable on the
// options page, asked every time on plain http unless the policy trusts the
// origin), the ID number only when ticked, no window after a cancel for a
// while, and none from a tab the person is not looking at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { artifactsDir, EXTENSION_ID, launchBrowser, openDialogs, tempDir, waitForDialog } from './lib/browser.mjs';
import { acceptConsent, denyConsent } from './lib/consent.mjs';
import { callLibrary, startPageServer } from './lib/page-server.mjs';
import { REAL_HOST, realHostSetup } from './lib/real-host.mjs';
import { startCall, withRealHost } from './lib/real-scenario.mjs';

const PERSON_ID = '130102199003071233'; // the test PKI's "person" certificate

/** Every extension window that opens while `body` runs. */
async function windowsOpenedDuring(context, body) {
  const opened = [];
  const onPage = (p) => opened.push(p); // the test opens no page of its own meanwhile
  context.on('page', onPage);
  try {
    const value = await body();
    return { value, opened };
  } finally {
    context.off('page', onPage);
  }
}

const remembered = (browser) => browser.serviceWorker.evaluate(async () => (await chrome.storage.local.get('consents')).consents ?? {});

test('first readCertificate shows the consent window, the second does not; revoking asks again; the ID number only when ticked', { timeout: 180_000 }, async () => {
  await withRealHost({ certs: ['person'] }, async ({ page, browser, origin }) => {
    let call = startCall(page, 'readCertificate', {});
    const dialog = await waitForDialog(browser.context, 'consent.html');
    await dialog.locator('#fields li').first().waitFor();
    const shown = await dialog.locator('body').innerText();
    for (const text of [origin, '持有者姓名', '单位名称', '统一社会信用代码', '身份证号码']) {
      assert.ok(shown.includes(text), `consent window shows ${text}`);
    }
    assert.equal(await dialog.locator('#id-number').isChecked(), false, 'the ID number is off unless ticked');
    await dialog.screenshot({ path: path.join(artifactsDir('consent'), 'consent.png') });
    await acceptConsent(browser.context, { origin });
    let { result, error } = await call;
    assert.equal(error, undefined, JSON.stringify(error));
    assert.ok(Object.hasOwn(result.identity, 'idNumber'));
    assert.equal(result.identity.idNumber, null, 'not ticked: idNumber is null');
    assert.deepEqual(Object.keys(await remembered(browser)), [origin]);

    const second = await windowsOpenedDuring(browser.context, () => callLibrary(page, 'readCertificate', {}));
    assert.equal(second.value.error, undefined, JSON.stringify(second.value.error));
    assert.equal(second.value.result.sha256, result.sha256);
    assert.equal(second.value.result.identity.idNumber, null);
    assert.equal(second.opened.length, 0, 'no window the second time');

    // The options page lists the site; revoking it makes the site ask again.
    const options = await browser.context.newPage();
    await options.goto(`chrome-extension://${EXTENSION_ID}/options.html`);
    const row = options.locator('tr.site-row', { hasText: origin });
    await row.waitFor();
    assert.match(await row.textContent(), /不提供/);
    await options.screenshot({ path: path.join(artifactsDir('consent'), 'options.png') });
    await row.locator('button.revoke').click();
    await options.locator('#empty').waitFor();
    assert.deepEqual(await remembered(browser), {});
    await options.close();

    await page.bringToFront();
    call = startCall(page, 'readCertificate', {});
    await acceptConsent(browser.context, { origin, idNumber: true });
    ({ result, error } = await call);
    assert.equal(error, undefined, JSON.stringify(error));
    assert.equal(result.identity.idNumber, PERSON_ID, 'ticked: the ID number is given');
    assert.equal((await remembered(browser))[origin].idNumber, true);
  });
});

test('a denied site gets USER_CANCELLED and no data; asking again at once opens no window', { timeout: 180_000 }, async () => {
  // A first pause far longer than the spam takes, so a slow machine cannot outlast it.
  await withRealHost({ certs: ['org-rsa'], timeouts: { cancelBackoffMs: 600_000 } }, async ({ page, browser, origin }) => {
    const call = startCall(page, 'readCertificate', {});
    await denyConsent(browser.context);
    const denied = await call;
    assert.equal(denied.result, undefined);
    assert.equal(denied.error?.code, 'USER_CANCELLED');
    assert.equal(denied.error.details.reason, 'cancel-button');
    assert.deepEqual(await remembered(browser), {}, 'a refusal is not remembered');

    // Prompt spam: every call is refused at once, without a window.
    const spam = await windowsOpenedDuring(browser.context, async () => {
      const answers = [];
      for (let i = 0; i < 5; i += 1) {
        answers.push(await callLibrary(page, i % 2 ? 'readCertificate' : 'login', i % 2 ? {} : { challenge: Buffer.alloc(32, i).toString('base64') }));
      }
      return answers;
    });
    for (const answer of spam.value) {
      assert.equal(answer.error?.code, 'USER_CANCELLED', JSON.stringify(answer));
      assert.equal(answer.error.details.reason, 'recently-cancelled');
      assert.ok(answer.error.details.retryAfterMs > 0);
    }
    assert.equal(spam.opened.length, 0, 'no window opened for the spam');
    assert.equal(openDialogs(browser.context).length, 0);

    // detect needs no window and is not held back; another tab is not held back either.
    assert.equal((await callLibrary(page, 'detect', { timeout: 15000 })).result?.host.originAllowed, true);
    const other = await browser.context.newPage();
    await other.goto(`${origin}/`);
    const fresh = startCall(other, 'readCertificate', {});
    await acceptConsent(browser.context, { origin });
    assert.equal((await fresh).error, undefined);
  });
});

test('a site the person has not allowed does not learn that no certificate is there', { timeout: 180_000 }, async () => {
  await withRealHost({ certs: [] }, async ({ page, browser, origin }) => {
    const call = startCall(page, 'readCertificate', { vendor: 'hebca' });
    await denyConsent(browser.context);
    assert.equal((await call).error?.code, 'USER_CANCELLED', 'denied: not CERTIFICATE_NOT_FOUND');
    const other = await browser.context.newPage(); // the first tab is held back after the cancel
    await other.goto(`${origin}/`);
    const allowed = startCall(other, 'readCertificate', { vendor: 'hebca' });
    await acceptConsent(browser.context, { origin });
    assert.equal((await allowed).error?.code, 'CERTIFICATE_NOT_FOUND');
  });
});

test('only the active tab of the focused window may open a window: others get TAB_NOT_ACTIVE', { timeout: 180_000 }, async () => {
  await withRealHost({ certs: ['org-rsa'] }, async ({ page, browser, origin }) => {
    const front = await browser.context.newPage(); // now the active tab; `page` is behind it
    await front.goto(`${origin}/`);
    const behind = await windowsOpenedDuring(browser.context, () => callLibrary(page, 'readCertificate', {}));
    assert.equal(behind.value.error?.code, 'TAB_NOT_ACTIVE', JSON.stringify(behind.value));
    assert.match(behind.value.error.message, /标签页/);
    assert.equal(behind.opened.length, 0);
    assert.equal((await callLibrary(page, 'detect', { timeout: 15000 })).result?.host.originAllowed, true);
    // The same request from the tab in front gets its window.
    const call = startCall(front, 'readCertificate', {});
    await acceptConsent(browser.context, { origin });
    assert.equal((await call).error, undefined);
  });
});

test('a plain-http site is asked every time unless the policy marks it trusted', { timeout: 180_000 }, async () => {
  const srv = await startPageServer();
  const dir = tempDir('consent-http');
  const port = new URL(srv.origin).port;
  // Names that resolve to 127.0.0.1 but are plain http origins like the Hebei portal's.
  const plain = `http://plain.cabridge.test:${port}`;
  const trusted = `http://trusted.cabridge.test:${port}`;
  const setup = realHostSetup(dir, { certs: ['org-rsa'], allowOrigins: [] });
  fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify({ allowOrigins: [plain, trusted], trustedOrigins: [trusted] }), { mode: 0o644 });
  const browser = await launchBrowser({
    hostPath: REAL_HOST, env: setup.env, args: ['--host-resolver-rules=MAP *.cabridge.test 127.0.0.1'],
  });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${plain}/`);
    const detected = await callLibrary(page, 'detect', { timeout: 15000 });
    assert.equal(detected.result?.host.originAllowed, true, JSON.stringify(detected));
    assert.equal(detected.result.host.originTrusted, false);
    for (let round = 0; round < 2; round += 1) {
      const call = startCall(page, 'readCertificate', {});
      const dialog = await waitForDialog(browser.context, 'consent.html');
      await dialog.locator('#memory').filter({ hasText: /\S/ }).waitFor();
      assert.match(await dialog.locator('#memory').textContent(), /http/, 'says it asks every time');
      await acceptConsent(browser.context, { origin: plain });
      assert.equal((await call).error, undefined, `plain http, round ${round + 1}`);
    }
    assert.deepEqual(await remembered(browser), {}, 'nothing remembered for plain http');

    await page.goto(`${trusted}/`);
    assert.equal((await callLibrary(page, 'detect', { timeout: 15000 })).result?.host.originTrusted, true);
    const call = startCall(page, 'readCertificate', {});
    await acceptConsent(browser.context, { origin: trusted });
    assert.equal((await call).error, undefined);
    const again = await windowsOpenedDuring(browser.context, () => callLibrary(page, 'readCertificate', {}));
    assert.equal(again.value.error, undefined, JSON.stringify(again.value.error));
    assert.equal(again.opened.length, 0, 'the trusted http origin is remembered');
  } finally {
    await browser.close();
    await srv.close();
  }
});
