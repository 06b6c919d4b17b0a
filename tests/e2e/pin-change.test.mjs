// Changing and unlocking the key's PIN in the extension's own window (extension/pin-change),
// with the real host, HeBCA's shipped descriptor and SoftHSM tokens: from a page's
// cabridge.changePin() and from the options page's buttons. Wrong PINs show the retries in
// place, the vendor's rules and the repeated new PIN are checked before anything is sent, a
// locked PIN is unlocked with the administrator PIN, and the page sees no PIN, only {}.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { EXTENSION_ID, artifactsDir, pressClosing, waitForDialog } from './lib/browser.mjs';
import { acceptConsent } from './lib/consent.mjs';
import { randomChallenge, startCall, withRealHost } from './lib/real-scenario.mjs';

const WINDOW = 'pin-change/pin-change.html';
const SO_PIN = '12345678'; // tools/pki/provision-token.sh's administrator PIN
const NEW_PIN = 'Nw5Pin2026';

async function fillAndSend(dialog, current, fresh, confirm = fresh) {
  await dialog.locator('#current').fill(current);
  await dialog.locator('#new').fill(fresh);
  await dialog.locator('#confirm').fill(confirm);
  await dialog.locator('#ok').click();
}

/** Logs in through the PIN window with `pin`; resolves the page's {result}|{error}. */
async function loginWith(page, browser, pin, consent) {
  const call = startCall(page, 'login', { challenge: randomChallenge(), vendor: 'hebca' });
  if (consent) await acceptConsent(browser.context);
  const dialog = await waitForDialog(browser.context, 'pin.html');
  await dialog.locator('#cert .holder').waitFor();
  await dialog.locator('#pin').fill(pin);
  await pressClosing(dialog, 'Enter');
  return call;
}

test('changePin: rules and the repeated PIN are checked in the window, a wrong old PIN shows its retries, then the new PIN logs in', { timeout: 180_000 }, async () => {
  await withRealHost({ certs: ['org-rsa'], fault: { pinMaxRetries: 3 }, recordRequests: true }, async ({ page, browser, setup, origin, requests }) => {
    const call = startCall(page, 'changePin', { vendor: 'hebca' });
    const dialog = await waitForDialog(browser.context, WINDOW);
    await dialog.locator('#cert .holder').waitFor();
    assert.equal(await dialog.locator('#origin').textContent(), origin);
    assert.equal(await dialog.locator('#heading').textContent(), '修改证书口令');
    assert.match(await dialog.locator('#rules').textContent(), /4–16 位字母或数字/);
    for (const id of ['#current', '#new', '#confirm']) assert.equal(await dialog.locator(id).getAttribute('type'), 'password');

    // Refused in the window: nothing reaches the host.
    await fillAndSend(dialog, setup.pin, '12');
    assert.match(await dialog.locator('.form-problem').textContent(), /新口令不符合要求/);
    await fillAndSend(dialog, setup.pin, NEW_PIN, `${NEW_PIN}x`);
    assert.match(await dialog.locator('.form-problem').textContent(), /两次输入的新口令不一致/);
    await fillAndSend(dialog, setup.pin, setup.pin);
    assert.match(await dialog.locator('.form-problem').textContent(), /不能与当前口令相同/);
    assert.deepEqual(requests().map((r) => r.command), ['list-certificates']);

    await fillAndSend(dialog, '000000', NEW_PIN);
    await dialog.locator('.pin-incorrect').waitFor({ timeout: 30_000 });
    assert.match(await dialog.locator('.pin-incorrect').textContent(), /当前口令错误，还可以再试 2 次/);
    await dialog.screenshot({ path: path.join(artifactsDir('pin-change'), 'change-wrong.png') });

    await fillAndSend(dialog, setup.pin, NEW_PIN);
    await dialog.locator('.done').waitFor({ timeout: 30_000 });
    assert.match(await dialog.locator('.done').textContent(), /口令已修改/);
    await dialog.screenshot({ path: path.join(artifactsDir('pin-change'), 'change-done.png') });
    await pressClosing(dialog, 'Escape');
    const { result, error } = await call;
    assert.equal(error, undefined, JSON.stringify(error));
    assert.deepEqual(result, {}, 'the page learns only that it is done');
    assert.deepEqual(requests().map((r) => r.command), ['list-certificates', 'change-pin', 'change-pin']);

    const login = await loginWith(page, browser, NEW_PIN, true);
    assert.equal(login.error, undefined, JSON.stringify(login.error));
    assert.equal(login.result.format, 'cabridge-auth:2');
  });
});

test('a PIN locked while changing it is unlocked in the same window with the administrator PIN', { timeout: 180_000 }, async () => {
  await withRealHost({ certs: ['org-rsa'], fault: { pinMaxRetries: 1 } }, async ({ page, browser }) => {
    const call = startCall(page, 'changePin', {});
    const dialog = await waitForDialog(browser.context, WINDOW);
    await dialog.locator('#cert .holder').waitFor();
    await fillAndSend(dialog, '000000', NEW_PIN);
    await dialog.locator('.locked').waitFor({ timeout: 30_000 });
    assert.match(await dialog.locator('.help').textContent(), /重置证书密码/);
    assert.equal(await dialog.locator('#pin-area').isHidden(), true);
    await dialog.screenshot({ path: path.join(artifactsDir('pin-change'), 'change-locked.png') });

    await dialog.locator('#switch').click();
    await dialog.locator('#heading', { hasText: '解锁证书口令' }).waitFor();
    assert.equal(await dialog.locator('#current-label').textContent(), '管理员口令（SO PIN）');
    await fillAndSend(dialog, '87654321', NEW_PIN);
    await dialog.locator('.pin-incorrect').waitFor({ timeout: 30_000 });
    assert.match(await dialog.locator('.pin-incorrect').textContent(), /管理员口令错误/);
    await fillAndSend(dialog, SO_PIN, NEW_PIN);
    await dialog.locator('.done').waitFor({ timeout: 30_000 });
    assert.match(await dialog.locator('.done').textContent(), /已解锁/);
    await dialog.screenshot({ path: path.join(artifactsDir('pin-change'), 'unblock-done.png') });
    await pressClosing(dialog, 'Escape');
    const { result, error } = await call;
    assert.equal(error, undefined, JSON.stringify(error));
    assert.deepEqual(result, {});

    const login = await loginWith(page, browser, NEW_PIN, true);
    assert.equal(login.error, undefined, JSON.stringify(login.error));
  });
});

test('the options page lists the certificates of an allowed site with 修改口令 and 解锁', { timeout: 180_000 }, async () => {
  await withRealHost({ certs: ['org-rsa'] }, async ({ page, browser, setup, origin }) => {
    // The site is allowed once (a login), so the options page may list in its name.
    const first = await loginWith(page, browser, setup.pin, true);
    assert.equal(first.error, undefined, JSON.stringify(first.error));

    const options = await browser.context.newPage();
    await options.goto(`chrome-extension://${EXTENSION_ID}/options.html`);
    await options.locator('#pin-site option', { hasText: origin }).waitFor({ state: 'attached' });
    await options.locator('#pin-read').click();
    const row = options.locator('tr.pin-cert');
    await row.waitFor({ timeout: 30_000 });
    assert.ok((await row.textContent()).includes(setup.pki.certificates.find((c) => c.name === 'org-rsa').O));
    await options.screenshot({ path: path.join(artifactsDir('pin-change'), 'options.png') });

    await row.locator('button.unblock-pin').click();
    const dialog = await waitForDialog(browser.context, WINDOW);
    await dialog.locator('#heading', { hasText: '解锁证书口令' }).waitFor();
    await fillAndSend(dialog, SO_PIN, NEW_PIN);
    await dialog.locator('.done').waitFor({ timeout: 30_000 });
    await pressClosing(dialog, 'Escape');
    await options.locator('#pin-status.done').waitFor({ timeout: 15_000 });
    assert.match(await options.locator('#pin-status').textContent(), /已解锁/);

    await row.locator('button.change-pin').click();
    const change = await waitForDialog(browser.context, WINDOW);
    await change.locator('#heading', { hasText: '修改证书口令' }).waitFor();
    await pressClosing(change, 'Escape');
    await options.locator('#pin-status.error').waitFor({ timeout: 15_000 });
    assert.match(await options.locator('#pin-status').textContent(), /已取消/);
    await options.close();

    await page.bringToFront();
    const login = await loginWith(page, browser, NEW_PIN, false);
    assert.equal(login.error, undefined, JSON.stringify(login.error));
  });
});
