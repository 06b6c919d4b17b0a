// A host that crashes or never answers must be reported, never hang the page.
// These are the only tests that use the stand-in host (lib/fake-host.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, tempDir, writeHostWrapper, FAKE_HOST } from './lib/browser.mjs';
import { startPageServer, callLibrary } from './lib/page-server.mjs';

async function withFakeHost(mode, fn) {
  const srv = await startPageServer();
  const browser = await launchBrowser({ hostPath: writeHostWrapper(tempDir(mode), [process.execPath, FAKE_HOST, mode]) });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${srv.origin}/`);
    await fn(page, browser);
  } finally {
    await browser.close();
    await srv.close();
  }
}

test('host crash is reported as HOST_UNAVAILABLE (exited)', { timeout: 60_000 }, async () => {
  await withFakeHost('crash', async (page) => {
    const { error } = await callLibrary(page, 'detect', { timeout: 15000 });
    assert.equal(error?.code, 'HOST_UNAVAILABLE');
    assert.equal(error.details.reason, 'exited');
    // The page is free again at once: the next call is served, not ACTION_PENDING.
    const again = await callLibrary(page, 'readCertificate', {});
    assert.equal(again.error?.code, 'HOST_UNAVAILABLE');
  });
});

test('host that never answers: status times out, list reports TOKEN_NOT_RESPONDING', { timeout: 60_000 }, async () => {
  await withFakeHost('hang', async (page, browser) => {
    await browser.setTimeouts({ statusMs: 1500, listMs: 2000 });
    let started = Date.now();
    const { error } = await callLibrary(page, 'detect', { timeout: 15000 });
    assert.equal(error?.code, 'HOST_UNAVAILABLE');
    assert.equal(error.details.reason, 'timeout');
    assert.ok(Date.now() - started < 5000);
    started = Date.now();
    const read = await callLibrary(page, 'readCertificate', { vendor: 'hebca' });
    assert.equal(read.error?.code, 'TOKEN_NOT_RESPONDING');
    assert.ok(Date.now() - started < 5000);
  });
});

test('echo host: detect works and a second action while one is pending gets ACTION_PENDING', { timeout: 60_000 }, async () => {
  await withFakeHost('echo', async (page) => {
    const { result } = await callLibrary(page, 'detect', { timeout: 15000 });
    assert.equal(result.host.version, 'fake');
    const both = await page.evaluate(async () => {
      const first = window.cabridge.detect({ timeout: 15000 });
      const second = await window.cabridge.detect({ timeout: 15000 }).catch((e) => e.code);
      await first;
      return second;
    });
    assert.equal(both, 'ACTION_PENDING');
  });
});

test('page parameters are checked: a page cannot pass a pin', { timeout: 60_000 }, async () => {
  await withFakeHost('echo', async (page) => {
    const outcome = await page.evaluate(() => new Promise((resolve) => {
      window.addEventListener('message', (e) => { if (e.data?.cabridge === 'response') resolve(e.data); });
      window.postMessage({ cabridge: 'request', id: 'x1', action: 'login', params: { challenge: 'A'.repeat(44), pin: '123456' } }, location.origin);
    }));
    assert.equal(outcome.error.code, 'INVALID_ARGUMENT');
    assert.equal(outcome.error.details.argument, 'pin');
  });
});
