// Firefox ESR: detection (extension present or absent, host present, missing, not listing the
// add-on, crashed), the host serving only the gecko ids it is configured for, the origin
// policy, and the event page suspended when idle and woken by the next page call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FAKE_HOST, tempDir, writeHostWrapper } from './lib/browser.mjs';
import { GECKO_ID, launchFirefox } from './lib/firefox.mjs';
import { withRealHostInFirefox } from './lib/firefox-scenario.mjs';
import { callLibrary, startPageServer } from './lib/page-server.mjs';
import { hebcaDescriptor, hostEnvironment, PLUGIN_DIR, REAL_HOST } from './lib/real-host.mjs';
import { randomChallenge } from './lib/real-scenario.mjs';

/** Runs body(page) on a test page in Firefox started with `launch` options; cleans up. */
async function onTestPage(launch, body) {
  const srv = await startPageServer();
  const firefox = await launchFirefox(launch(srv.origin));
  try {
    const page = await firefox.newPage();
    await page.goto(`${srv.origin}/`);
    await body(page, srv.origin, firefox);
  } finally {
    await firefox.close();
    await srv.close();
  }
}

test('Firefox: detect with the real host reports the add-on, the host and its plugins', { timeout: 120_000 }, async () => {
  const dir = tempDir('ff-detect');
  await onTestPage((origin) => ({
    hostPath: REAL_HOST,
    env: hostEnvironment(dir, { allowOrigins: [origin], pluginDirs: [hebcaDescriptor(dir), PLUGIN_DIR] }),
  }), async (page) => {
    const { result, error } = await callLibrary(page, 'detect', { timeout: 15000 });
    assert.equal(error, undefined, JSON.stringify(error));
    assert.equal(result.extension.id, GECKO_ID);
    assert.equal(result.host.protocol, 1);
    assert.equal(result.host.originAllowed, true);
    assert.ok(result.plugins.some((p) => p.id === 'hebca' && p.state === 'ok'), JSON.stringify(result.plugins));
  });
  // The host was started the Firefox way: manifest path and add-on id, not an origin.
  assert.doesNotMatch(fs.readFileSync(path.join(dir, 'host.log'), 'utf8'), /caller not allowed/);
});

test('Firefox: detect without the extension fails with EXTENSION_UNAVAILABLE', { timeout: 120_000 }, async () => {
  await onTestPage(() => ({ withExtension: false }), async (page) => {
    const { error } = await callLibrary(page, 'detect', { timeout: 15000 });
    assert.equal(error?.code, 'EXTENSION_UNAVAILABLE');
  });
});

test('Firefox: no host manifest, or one not listing the add-on, gives HOST_UNAVAILABLE (not-found)', { timeout: 180_000 }, async () => {
  const dir = tempDir('ff-absent');
  for (const launch of [{ hostPath: null }, { hostPath: writeHostWrapper(dir, ['/bin/true']), allowedExtensions: ['other@example.org'] }]) {
    await onTestPage(() => launch, async (page) => {
      const { error } = await callLibrary(page, 'detect', { timeout: 15000 });
      assert.equal(error?.code, 'HOST_UNAVAILABLE');
      // Firefox says "No such native application" for both.
      assert.equal(error.details.reason, 'not-found', JSON.stringify(error));
      assert.match(error.details.browserMessage, /No such native application org\.cabridge\.host/);
    });
  }
});

test('Firefox: a host that crashes is reported as HOST_UNAVAILABLE (exited)', { timeout: 120_000 }, async () => {
  const dir = tempDir('ff-crash');
  await onTestPage(() => ({ hostPath: writeHostWrapper(dir, [process.execPath, FAKE_HOST, 'crash']) }), async (page) => {
    const { error } = await callLibrary(page, 'detect', { timeout: 15000 });
    assert.equal(error?.code, 'HOST_UNAVAILABLE');
    assert.equal(error.details.reason, 'exited', JSON.stringify(error));
  });
});

test('Firefox: the real host refuses an add-on id it is not configured for (EXTENSION_NOT_ALLOWED)', { timeout: 120_000 }, async () => {
  const dir = tempDir('ff-gecko');
  const config = path.join(dir, 'host.json');
  fs.writeFileSync(config, JSON.stringify({ allowedExtensions: ['other@example.org'], pluginDirs: [], logFile: path.join(dir, 'host.log') }));
  await onTestPage(() => ({ hostPath: REAL_HOST, env: { CABRIDGE_CONFIG: config } }), async (page) => {
    const { error } = await callLibrary(page, 'detect', { timeout: 15000 });
    assert.equal(error?.code, 'EXTENSION_NOT_ALLOWED', JSON.stringify(error));
  });
  assert.match(fs.readFileSync(path.join(dir, 'host.log'), 'utf8'), new RegExp(`caller not allowed: .*org\\.cabridge\\.host\\.json ${GECKO_ID}`));
});

test('Firefox: an origin outside the policy is refused', { timeout: 120_000 }, async () => {
  await withRealHostInFirefox({ certs: ['org-rsa'], allowOrigins: () => ['https://portal.example.gov.cn'] }, async ({ page }) => {
    const detected = await callLibrary(page, 'detect', { timeout: 15000 });
    assert.equal(detected.result?.host.originAllowed, false, JSON.stringify(detected));
    assert.deepEqual(detected.result.plugins, []);
    const { error } = await callLibrary(page, 'readCertificate', { vendor: 'hebca' });
    assert.equal(error?.code, 'ORIGIN_NOT_ALLOWED');
    const login = await callLibrary(page, 'login', { challenge: randomChallenge() });
    assert.equal(login.error?.code, 'ORIGIN_NOT_ALLOWED');
  });
});

// Firefox suspends an idle event page (30 s by default; 1 s here, once no port is open). The
// extension keeps nothing that matters in the page's globals, so the next call wakes it and
// works. WebDriver BiDi cannot open extension pages, so the suspension itself is not observed
// here: the test waits several idle timeouts, which Firefox honours once the flow's ports close.
test('Firefox: the event page is suspended when idle and the next page call wakes it', { timeout: 120_000 }, async () => {
  const dir = tempDir('ff-idle');
  await onTestPage(() => ({
    hostPath: writeHostWrapper(dir, [process.execPath, FAKE_HOST, 'echo']),
    prefs: { 'extensions.background.idle.timeout': 1000 },
  }), async (page) => {
    for (let round = 0; round < 3; round++) {
      const reply = await callLibrary(page, 'detect', { timeout: 15000 });
      assert.equal(reply.result?.host.protocol, 1, `round ${round}: ${JSON.stringify(reply)}`);
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  });
});
