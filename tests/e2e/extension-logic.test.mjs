// The extension's pure logic under node (no browser): page request checks,
// sender origin, Chromium error mapping, certificate view, which consents are
// remembered, the ID number filter, the backoff after a cancel. chrome.i18n is
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
const { certView, localDate } = await import('../../extension/lib/cert-view.js');
const { keyText } = await import('../../extension/lib/dialog-page.js');
const { consentedCertInfo, mayRemember } = await import('../../extension/lib/consent.js');
const { afterCancel, backoffLeft, FIRST_BACKOFF_MS, MAX_BACKOFF_MS } = await import('../../extension/lib/prompt-guard.js');

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

test('every Chromium and Firefox native-messaging error string maps to HOST_UNAVAILABLE with its reason', () => {
  const cases = {
    'Specified native messaging host not found.': 'not-found',
    'Access to the specified native messaging host is forbidden.': 'forbidden',
    'Native host has exited.': 'exited',
    'Error when communicating with the native messaging host.': 'communication',
    // Firefox ESR 153: a missing manifest and one not listing the add-on read the same.
    'No such native application org.cabridge.host': 'not-found',
    'An unexpected error occurred': 'unknown',
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
    id: 'abc', vendor: 'hebca', vendorName: '河北 CA', subject: { CN: '张三', O: '河北测试科技有限公司' },
    identity: { unifiedSocialCreditCode: '91130100MA07RK3C2F', uscValid: true }, token: { label: 'K' },
    notBefore: '2099-01-01T00:00:00Z', notAfter: '2100-01-01T00:00:00Z', daysLeft: 9, expired: false,
    certificate: 'MIIB...',
  });
  assert.equal(view.vendor, '河北 CA');
  assert.equal(view.creditCode, '91130100MA07RK3C2F');
  assert.equal(view.notYetValid, true);
  assert.equal(view.certificate, undefined, 'no DER in the dialog view');
});

test('certificate view: the key algorithm, SM2 shown as 国密', () => {
  const sm2 = certView({ id: 'a', vendor: 'hebca-skf', keyType: 'SM2', keyBits: 256 });
  assert.deepEqual([sm2.keyType, sm2.keyBits], ['SM2', 256]);
  assert.equal(keyText(sm2), 'SM2 国密');
  assert.equal(keyText(certView({ id: 'b', keyType: 'RSA', keyBits: 2048 })), 'RSA 2048 位');
  assert.equal(keyText(certView({ id: 'c', keyType: 'EC', keyBits: 256 })), 'ECC 256 位');
  // The encryption half of a dual pair says so; a signing certificate with keyEncipherment too does not.
  assert.equal(keyText(certView({ id: 'e', keyType: 'SM2', keyBits: 256, keyUsage: ['keyEncipherment', 'dataEncipherment', 'keyAgreement'] })),
    'SM2 国密（加密证书）');
  assert.equal(keyText(certView({ id: 'f', keyType: 'RSA', keyBits: 2048, keyUsage: ['digitalSignature', 'keyEncipherment'] })), 'RSA 2048 位');
  // Whatever else a host sends is not shown (no row), never passed through as text.
  const odd = certView({ id: 'd', keyType: '<b>DSA</b>', keyBits: -1 });
  assert.deepEqual([odd.keyType, odd.keyBits], [null, null]);
  assert.equal(keyText(odd), '');
});

test('expiry dates are shown as YYYY-MM-DD in the person\'s time zone', () => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = 'Asia/Shanghai';
    assert.equal(localDate('2028-12-06T13:09:20Z'), '2028-12-06');
    assert.equal(localDate('2028-12-06T20:00:00Z'), '2028-12-07');
    process.env.TZ = 'UTC';
    assert.equal(localDate('2028-12-06T20:00:00Z'), '2028-12-06');
    process.env.TZ = 'America/New_York';
    assert.equal(localDate('2028-12-06T03:00:00Z'), '2028-12-05');
    assert.equal(certView({ notAfter: '2028-12-06T03:00:00Z' }).notAfterDate, '2028-12-05');
    assert.equal(localDate('not a date'), '');
    assert.equal(localDate(undefined), '');
  } finally {
    if (saved === undefined) delete process.env.TZ; else process.env.TZ = saved;
  }
});

test('certificate view: hostile 30 KB names are cut for the dialog, whole characters kept', () => {
  const huge = '河'.repeat(30000);
  const view = certView({ id: 'x', vendor: 'hebca', vendorName: 7, subject: { CN: huge, O: `${'😀'.repeat(200)}` }, token: { label: 7 } });
  assert.equal(Array.from(view.holder).length, 120);
  assert.ok(view.holder.endsWith('…'));
  assert.equal(Array.from(view.organisation).length, 120);
  assert.equal(view.organisation, `${'😀'.repeat(119)}…`, 'whole code points, no half surrogate pair');
  assert.equal(view.tokenLabel, '', 'a non-string label shows as empty');
  assert.equal(view.vendor, 'hebca', 'a vendorName that is not text gives way to the vendor id');
});

test('consent is remembered for https and loopback http, for other plain http only when the policy trusts it', () => {
  assert.equal(mayRemember('https://portal.example.gov.cn', false), true);
  assert.equal(mayRemember('http://127.0.0.1:8080', false), true);
  assert.equal(mayRemember('http://localhost:8080', false), true);
  assert.equal(mayRemember('http://222.222.31.183:25688', false), false);
  assert.equal(mayRemember('http://222.222.31.183:25688', undefined), false);
  assert.equal(mayRemember('http://222.222.31.183:25688', true), true);
  assert.equal(mayRemember('http://127.0.0.2:80', false), false);
  assert.equal(mayRemember('not an origin', true), false);
});

test('the CertInfo for the page: idNumber null unless consented, always present, nothing else changed', () => {
  const cert = { id: 'a', certificate: 'MIIB', identity: { unifiedSocialCreditCode: '91130100MA07RK3C2F', idNumber: '130102199003071233' } };
  const withheld = consentedCertInfo(cert, { idNumber: false });
  assert.equal(withheld.identity.idNumber, null);
  assert.equal(withheld.identity.unifiedSocialCreditCode, '91130100MA07RK3C2F');
  assert.equal(withheld.certificate, 'MIIB');
  assert.equal(cert.identity.idNumber, '130102199003071233', 'the host reply is not changed in place');
  assert.equal(consentedCertInfo(cert, { idNumber: true }).identity.idNumber, '130102199003071233');
  assert.equal(consentedCertInfo(cert, null).identity.idNumber, null);
  assert.deepEqual(consentedCertInfo({ id: 'b' }, { idNumber: true }).identity, { idNumber: null }, 'absent becomes null');
  assert.equal(consentedCertInfo({ id: 'c', identity: { idNumber: 7 } }, { idNumber: true }).identity.idNumber, null);
});

test('backoff after a cancel: 3 s, doubling with every cancel, at most 60 s', () => {
  let entry = null;
  const seen = [];
  for (let i = 0; i < 7; i += 1) {
    entry = afterCancel(entry, 1000);
    seen.push(backoffLeft(entry, 1000));
  }
  assert.deepEqual(seen, [3000, 6000, 12000, 24000, 48000, 60000, 60000]);
  assert.equal(FIRST_BACKOFF_MS, 3000);
  assert.equal(MAX_BACKOFF_MS, 60000);
  assert.equal(backoffLeft(afterCancel(null, 1000), 4000), 0, 'free again once the time is up');
  assert.equal(backoffLeft(afterCancel(null, 1000), 2500), 1500);
  assert.equal(backoffLeft(undefined, 1000), 0);
  assert.equal(backoffLeft(afterCancel(null, 0, 500), 0), 500, 'the first pause is configurable');
  assert.equal(afterCancel(afterCancel(null, 0, 600_000), 0, 600_000).nextMs, 600_000, 'a first pause above the cap stays');
});

// Node.js 18 (Debian 12's) reads a .js file as CommonJS unless the nearest package.json says
// "type": "module"; newer Node.js guesses from the syntax, so a folder without one passes there
// and fails on a fresh Debian 12. Every extension folder whose scripts are ES modules needs it.
test('every extension folder with ES module scripts declares "type": "module" for Node.js 18', () => {
  const folders = new Set();
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== '_locales') walk(full);
      else if (entry.name.endsWith('.js') && /^(import|export) /m.test(fs.readFileSync(full, 'utf8'))) {
        folders.add(dir);
      }
    }
  };
  walk(EXTENSION_DIR);
  assert.ok(folders.size >= 2, `expected the lib and legacy folders, found ${[...folders]}`);
  for (const dir of folders) {
    if (dir === EXTENSION_DIR) continue; // the extension's own pages: loaded by the browser only
    const pkg = path.join(dir, 'package.json');
    assert.ok(fs.existsSync(pkg), `${path.relative(EXTENSION_DIR, dir)} has ES modules but no package.json`);
    assert.equal(JSON.parse(fs.readFileSync(pkg, 'utf8')).type, 'module', pkg);
  }
});

test('change-PIN form: the vendor rules, the repeated new PIN and an unchanged PIN are caught before sending', async () => {
  const { fitsRules, normalizedRules, pinFormProblem } = await import('../../extension/pin-change/pin-rules.js');
  const hebca = { minLength: 4, maxLength: 16, charset: 'alnum' };
  assert.equal(fitsRules(hebca, 'Ab12'), true);
  for (const bad of ['Ab1', 'A'.repeat(17), 'ab 12', 'ab;12', '密码1234', '１２３４', '1234\n', '']) {
    assert.equal(fitsRules(hebca, bad), false, JSON.stringify(bad));
  }
  assert.equal(fitsRules({ minLength: 6, maxLength: 8, charset: 'digits' }, '123456'), true);
  assert.equal(fitsRules({ minLength: 6, maxLength: 8, charset: 'digits' }, '12345a'), false);
  assert.equal(fitsRules({ charset: 'printable' }, 'a;b c!'), true);
  // Missing or malformed rules fall back to the host's defaults (1..64 printable).
  assert.deepEqual(normalizedRules(null), { minLength: 1, maxLength: 64, charset: 'printable' });
  assert.deepEqual(normalizedRules({ minLength: 0, maxLength: -1, charset: 'emoji' }), { minLength: 1, maxLength: 64, charset: 'printable' });
  const form = (mode, currentPin, newPin, confirmPin = newPin) => pinFormProblem(hebca, { mode, currentPin, newPin, confirmPin });
  assert.equal(form('change', 'Old1234', 'New1234'), null);
  assert.equal(form('change', '', 'New1234'), 'currentEmpty');
  assert.equal(form('change', 'Old1234', 'N1'), 'newRules');
  assert.equal(form('change', 'Old1234', 'New1234', 'New1235'), 'mismatch');
  assert.equal(form('change', 'Old1234', 'Old1234'), 'same');
  // Unblocking compares nothing with the administrator PIN, and that PIN has no user-PIN rules.
  assert.equal(form('unblock', '12345678', '12345678'), null);
  assert.equal(form('unblock', 'so pin; with symbols', 'New1234'), null);
  assert.equal(form('unblock', '', 'New1234'), 'currentEmpty');
});

test('page requests: changePin takes only a vendor', () => {
  assert.deepEqual(parsePageRequest({ action: 'changePin', params: { vendor: 'hebca' } }), { action: 'changePin', params: { vendor: 'hebca' } });
  assert.deepEqual(parsePageRequest({ action: 'changePin' }), { action: 'changePin', params: {} });
  assert.equal(code(() => parsePageRequest({ action: 'changePin', params: { oldPin: '1234' } })), 'INVALID_ARGUMENT:oldPin');
  assert.equal(code(() => parsePageRequest({ action: 'changePin', params: { certificateId: 'x' } })), 'INVALID_ARGUMENT:certificateId');
  assert.equal(code(() => parsePageRequest({ action: 'unblockPin' })), 'INVALID_ARGUMENT:action');
});
