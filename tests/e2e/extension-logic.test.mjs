// The extension's pure logic under node (no browser): page request checks,
// sender origin, Chromium error mapping, certificate view. chrome.i18n is
// replaced by the real zh_CN message file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EXTENSION_DIR } from './lib/browser.mjs';

const messages = JSON.parse(fs.readFileSync(path.join(EXTENSION_DIR, '_locales/zh_CN/messages.json'), 'utf8'));
globalThis.chrome = {
  i18n: { getMessage: (key, subs) => messages[key]?.message.replace('$VALUE$', subs?.[0] ?? '') ?? '' },
};
const { parsePageRequest, senderOrigin } = await import('../../extension/lib/page-request.js');
const { nativeDisconnectError, toWireError } = await import('../../extension/lib/errors.js');
const { certView } = await import('../../extension/lib/cert-view.js');

const challenge = Buffer.alloc(32, 7).toString('base64');
const code = (fn) => { try { fn(); return 'none'; } catch (e) { return `${e.code}:${e.details.argument ?? ''}`; } };

test('page requests: known actions and parameters only', () => {
  assert.deepEqual(parsePageRequest({ action: 'detect' }), { action: 'detect', params: {} });
  assert.deepEqual(parsePageRequest({ action: 'login', params: { challenge, vendor: 'hebca', mode: 'legacy' } }),
    { action: 'login', params: { challenge, vendor: 'hebca', mode: 'legacy' } });
  assert.equal(code(() => parsePageRequest({ action: 'sign' })), 'INVALID_ARGUMENT:action');
  assert.equal(code(() => parsePageRequest({ action: 'login', params: { challenge, pin: '1234' } })), 'INVALID_ARGUMENT:pin');
  assert.equal(code(() => parsePageRequest({ action: 'login', params: { challenge, origin: 'https://x' } })), 'INVALID_ARGUMENT:origin');
  assert.equal(code(() => parsePageRequest({ action: 'login', params: {} })), 'INVALID_ARGUMENT:challenge');
  assert.equal(code(() => parsePageRequest({ action: 'login', params: { challenge: 'c2hvcnQ=' } })), 'INVALID_ARGUMENT:challenge');
  assert.equal(code(() => parsePageRequest({ action: 'login', params: { challenge: Buffer.alloc(1025).toString('base64') } })), 'INVALID_ARGUMENT:challenge');
  assert.equal(code(() => parsePageRequest({ action: 'login', params: { challenge: `${challenge.slice(0, -4)}!!!!` } })), 'INVALID_ARGUMENT:challenge');
  assert.equal(code(() => parsePageRequest({ action: 'login', params: { challenge, mode: 'raw' } })), 'INVALID_ARGUMENT:mode');
  // Legacy challenges are 8..256 bytes (text, which the host checks); origin-bound ones 32..1024.
  const b64 = (text) => Buffer.from(text).toString('base64');
  assert.deepEqual(parsePageRequest({ action: 'login', params: { challenge: b64('12345678'), mode: 'legacy' } }),
    { action: 'login', params: { challenge: b64('12345678'), mode: 'legacy' } });
  assert.equal(code(() => parsePageRequest({ action: 'login', params: { challenge: b64('12345678') } })), 'INVALID_ARGUMENT:challenge');
  assert.equal(code(() => parsePageRequest({ action: 'login', params: { challenge: b64('1234567'), mode: 'legacy' } })), 'INVALID_ARGUMENT:challenge');
  assert.equal(parsePageRequest({ action: 'login', params: { challenge: b64('x'.repeat(256)), mode: 'legacy' } }).params.mode, 'legacy');
  assert.equal(code(() => parsePageRequest({ action: 'login', params: { challenge: b64('x'.repeat(257)), mode: 'legacy' } })), 'INVALID_ARGUMENT:challenge');
  assert.equal(code(() => parsePageRequest({ action: 'readCertificate', params: { vendor: '../evil' } })), 'INVALID_ARGUMENT:vendor');
  assert.equal(code(() => parsePageRequest({ action: 'readCertificate', params: [] })), 'INVALID_ARGUMENT:params');
  assert.equal(code(() => parsePageRequest({ action: 'detect', params: { challenge } })), 'INVALID_ARGUMENT:challenge');
});

test('the origin comes from the browser, with the URL as fallback', () => {
  assert.equal(senderOrigin({ origin: 'http://222.222.31.183:25688', url: 'https://other/' }), 'http://222.222.31.183:25688');
  assert.equal(senderOrigin({ url: 'https://portal.example.gov.cn/a/b?c#d' }), 'https://portal.example.gov.cn');
  assert.equal(code(() => senderOrigin({ origin: 'null', url: 'file:///etc/passwd' })), 'INSECURE_ORIGIN:');
  assert.equal(code(() => senderOrigin({})), 'INSECURE_ORIGIN:');
});

test('every Chromium native-messaging error string maps to HOST_UNAVAILABLE with its reason', () => {
  const cases = {
    'Specified native messaging host not found.': 'not-found',
    'Access to the specified native messaging host is forbidden.': 'forbidden',
    'Native host has exited.': 'exited',
    'Error when communicating with the native messaging host.': 'communication',
    'Something new.': 'unknown',
  };
  for (const [text, reason] of Object.entries(cases)) {
    const e = nativeDisconnectError(text);
    assert.equal(e.code, 'HOST_UNAVAILABLE');
    assert.equal(e.details.reason, reason);
    assert.match(e.message, /[\u4e00-\u9fff]/, 'a Chinese message');
  }
  assert.equal(nativeDisconnectError(undefined).details.reason, 'exited');
  assert.equal(toWireError(new Error('boom')).code, 'INTERNAL_ERROR');
});

test('certificate view: holder, organisation, credit code, vendor name, expiry flags', () => {
  const view = certView({
    id: 'abc', vendor: 'hebca', subject: { CN: '张三', O: '河北测试科技有限公司' },
    identity: { unifiedSocialCreditCode: '91130100MA07RK3C2F', uscValid: true }, token: { label: 'K' },
    notBefore: '2099-01-01T00:00:00Z', notAfter: '2100-01-01T00:00:00Z', daysLeft: 9, expired: false,
    certificate: 'MIIB...',
  }, new Map([['hebca', '河北 CA']]));
  assert.equal(view.vendor, '河北 CA');
  assert.equal(view.creditCode, '91130100MA07RK3C2F');
  assert.equal(view.notYetValid, true);
  assert.equal(view.certificate, undefined, 'no DER in the dialog view');
});

test('certificate view: hostile 30 KB names are cut for the dialog, whole characters kept', () => {
  const huge = '河'.repeat(30000);
  const view = certView({ id: 'x', vendor: 'hebca', subject: { CN: huge, O: `${'😀'.repeat(200)}` }, token: { label: 7 } },
    new Map());
  assert.equal(Array.from(view.holder).length, 120);
  assert.ok(view.holder.endsWith('…'));
  assert.equal(Array.from(view.organisation).length, 120);
  assert.equal(view.organisation, `${'😀'.repeat(119)}…`, 'whole code points, no half surrogate pair');
  assert.equal(view.tokenLabel, '', 'a non-string label shows as empty');
  assert.equal(view.vendor, 'hebca');
});
