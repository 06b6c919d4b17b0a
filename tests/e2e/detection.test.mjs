// Detection: extension present with host, extension absent, host absent or
// forbidden. The "present" case uses the real host when it is built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, tempDir, writeHostWrapper, EXTENSION_ID } from './lib/browser.mjs';
import { startPageServer, callLibrary } from './lib/page-server.mjs';
import { hebcaDescriptor, hostEnvironment, PLUGIN_DIR, REAL_HOST } from './lib/real-host.mjs';

test('detect with the real host reports extension, host and plugins', { timeout: 60_000 }, async () => {
  const srv = await startPageServer();
  const dir = tempDir('detect');
  const env = hostEnvironment(dir, { allowOrigins: [srv.origin], pluginDirs: [hebcaDescriptor(dir), PLUGIN_DIR] });
  const browser = await launchBrowser({ hostPath: REAL_HOST, env });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${srv.origin}/`);
    const { result, error } = await callLibrary(page, 'detect', { timeout: 15000 });
    assert.equal(error, undefined, JSON.stringify(error));
    assert.equal(result.extension.id, EXTENSION_ID);
    assert.equal(result.host.protocol, 1);
    assert.equal(result.host.originAllowed, true);
    assert.ok(result.plugins.some((p) => p.id === 'hebca' && p.state === 'ok'), JSON.stringify(result.plugins));
  } finally {
    await browser.close();
    await srv.close();
  }
});

test('detect without the extension fails with EXTENSION_UNAVAILABLE within about a second', { timeout: 60_000 }, async () => {
  const srv = await startPageServer();
  const browser = await launchBrowser({ withExtension: false });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${srv.origin}/`);
    const started = Date.now();
    const { error } = await callLibrary(page, 'detect', { timeout: 15000 });
    const elapsed = Date.now() - started;
    assert.equal(error?.code, 'EXTENSION_UNAVAILABLE');
    assert.match(error.message, /扩展/);
    assert.ok(elapsed < 2500, `took ${elapsed} ms`);
  } finally {
    await browser.close();
    await srv.close();
  }
});

test('detect with no host installed fails with HOST_UNAVAILABLE (not-found)', { timeout: 60_000 }, async () => {
  const srv = await startPageServer();
  const browser = await launchBrowser({ hostPath: null });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${srv.origin}/`);
    const { error } = await callLibrary(page, 'detect', { timeout: 15000 });
    assert.equal(error?.code, 'HOST_UNAVAILABLE');
    assert.equal(error.details.reason, 'not-found');
    assert.match(error.message, /cabridge/);
  } finally {
    await browser.close();
    await srv.close();
  }
});

test('a host manifest that does not list the extension gives HOST_UNAVAILABLE (forbidden)', { timeout: 60_000 }, async () => {
  const srv = await startPageServer();
  const dir = tempDir('forbidden');
  const browser = await launchBrowser({
    hostPath: writeHostWrapper(dir, ['/bin/true']),
    allowedOrigins: ['chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/'],
  });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${srv.origin}/`);
    const { error } = await callLibrary(page, 'detect', { timeout: 15000 });
    assert.equal(error?.code, 'HOST_UNAVAILABLE');
    assert.equal(error.details.reason, 'forbidden');
  } finally {
    await browser.close();
    await srv.close();
  }
});
