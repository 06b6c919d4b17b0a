// Unit tests of the HeBCA helper protocol module and its error table (extension/legacy/protocol.js,
// extension/legacy/error-map.js): pure functions, no browser. The frames are the fact sheet's
// (docs/legacy-bridge.md): what the helper's public clients send and what they accept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import crypto from 'node:crypto';
import * as P from '../../extension/legacy/protocol.js';
import { RET, legacyError } from '../../extension/legacy/error-map.js';

const zh = JSON.parse(fs.readFileSync(new URL('../../extension/_locales/zh_CN/messages.json', import.meta.url), 'utf8'));
const t = (key, values = []) => {
  const entry = zh[key];
  assert.ok(entry, `message ${key} missing from zh_CN`);
  return entry.message.replace(/\$COUNT\$/g, values[0] ?? '');
};

test('the hello, requests with and without payload, and the split at the first two |', () => {
  assert.deepEqual(P.parseFrame('0|1718000000000'), { kind: 'hello' });
  assert.deepEqual(P.parseFrame('1|SelectSignCert'), { kind: 'request', func: 'SelectSignCert', params: {} });
  assert.deepEqual(P.parseFrame('1|GetSubjectItem|{"index":7}'), { kind: 'request', func: 'GetSubjectItem', params: { index: 7 } });
  assert.deepEqual(P.parseFrame('1|SignText|{"signText":"a|b|c"}'), { kind: 'request', func: 'SignText', params: { signText: 'a|b|c' } });
  assert.equal(P.parseFrame('1|SignText|').kind, 'request');
});

test('payloads the clients build by concatenation are read leniently', () => {
  const cases = [
    ['{"index":undefined}', { index: null }],
    ['{"signText":"say "hi" now"}', { signText: 'say "hi" now' }],
    ['{"pin":"12\\3"}', { pin: '12\\3' }],
    ['{"signText":"line1\nline2"}', { signText: 'line1\nline2' }],
    ['{"name":"x","isprivate":undefined}', { name: 'x', isprivate: null }],
    ['{"a":"1","b":"q"uote","c":2}', { a: '1', b: 'q"uote', c: 2 }],
    ['{"key":"a\\"b"}', { key: 'a"b' }],
  ];
  for (const [payload, want] of cases) {
    assert.deepEqual(P.parseLenientObject(payload), want, payload);
  }
  for (const bad of ['[1,2]', '"x"', '{"a":{"b":1}}', '{a:1}', '{"a":1', 'undefined', '{"a":1}}']) {
    assert.equal(P.parseLenientObject(bad), null, bad);
  }
});

test('malformed frames are invalid, with the function name when one could be read', () => {
  assert.deepEqual(P.parseFrame('hello'), { kind: 'invalid', func: '', reason: 'no-separator' });
  assert.deepEqual(P.parseFrame('2|SignText|{}'), { kind: 'invalid', func: 'SignText', reason: 'bad-tag' });
  assert.deepEqual(P.parseFrame('1|Sign Text|{}'), { kind: 'invalid', func: '', reason: 'bad-function' });
  assert.deepEqual(P.parseFrame('1|SignText|{"signText":'), { kind: 'invalid', func: 'SignText', reason: 'bad-payload' });
  assert.equal(P.parseFrame('1|X|' + 'a'.repeat(P.MAX_FRAME_CHARS)).reason, 'too-long');
  assert.equal(P.parseFrame(42).kind, 'invalid');
});

test('replies are 1|Func|strict JSON with no | and no raw line break, ret a number', () => {
  const reply = P.ok('GetSubjectItem', { content: 'A|B\nC\u2028' });
  const fields = reply.split('|');
  assert.equal(fields.length, 3, 'a | inside the JSON would cut the client\'s split');
  assert.equal(fields[1], 'GetSubjectItem');
  assert.deepEqual(JSON.parse(fields[2]), { ret: 0, content: 'A|B\nC\u2028' });
  assert.ok(!/[\n\r\u2028\u2029]/.test(fields[2]));
  const failure = P.fail('SignText', RET.CANCELLED, '<b>取消</b>');
  const body = JSON.parse(failure.split('|')[2]);
  assert.equal(body.ret, 1103);
  assert.ok(!/[<>]/.test(body.msg), 'the client writes msg into innerHTML');
  assert.match(P.GREETING, /^0\|.*Welcome/);
});

test('GetSubjectItem: 0 is CN and 7 is G; the others follow our documented order', () => {
  const dn = 'GN=张三,CN=河北测试科技有限公司,OU=IT\\, 部门,O=河北测试,L=石家庄,ST=河北省,C=CN,emailAddress=a@b.cn';
  assert.equal(P.subjectItem(dn, 0), '河北测试科技有限公司');
  assert.equal(P.subjectItem(dn, 7), '张三');
  assert.equal(P.subjectItem(dn, 1), '河北测试');
  assert.equal(P.subjectItem(dn, 2), 'IT, 部门');
  assert.equal(P.subjectItem(dn, 3), '石家庄');
  assert.equal(P.subjectItem(dn, 4), '河北省');
  assert.equal(P.subjectItem(dn, 5), 'CN');
  assert.equal(P.subjectItem(dn, 6), 'a@b.cn');
  assert.equal(P.subjectItem('CN=x', 7), null);
  assert.equal(P.subjectItem(dn, 8), null);
  assert.equal(P.indexParam({ index: 7 }), 7);
  assert.equal(P.indexParam({ index: null }), null);
  assert.equal(P.indexParam({ index: '3' }), 3);
  assert.equal(P.indexParam({ index: -1 }), null);
});

test('what may be signed: 8..256 bytes of text, for SignText and for SignB64', () => {
  assert.deepEqual([...P.signTextBytes('R-123456')], [...Buffer.from('R-123456')]);
  assert.equal(P.signTextBytes('short'), null);
  assert.equal(P.signTextBytes('x'.repeat(257)), null);
  assert.equal(P.signTextBytes('tab\there!'), null);
  assert.equal(P.signTextBytes('随机数随机数').length, 18); // UTF-8 bytes of the text
  assert.equal(P.signB64Bytes(Buffer.from('abcdefgh').toString('base64')).length, 8);
  assert.equal(P.signB64Bytes(Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8]).toString('base64')), null);
  assert.equal(P.signB64Bytes('not base64!'), null);
  assert.equal(P.bytesToBase64(new Uint8Array([1, 2, 3])), 'AQID');
});

test('an SM2/ECDSA DER signature becomes r || s of 32 bytes each', () => {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  for (let i = 0; i < 20; i++) {
    const der = crypto.sign('sha256', Buffer.from(`m${i}`), privateKey);
    const raw = P.derToRaw(new Uint8Array(der));
    assert.equal(raw.length, 64);
    const p1363 = crypto.sign('sha256', Buffer.from(`m${i}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    assert.equal(crypto.verify('sha256', Buffer.from(`m${i}`), { key: privateKey, dsaEncoding: 'ieee-p1363' }, raw), true);
    assert.equal(p1363.length, 64);
  }
  assert.equal(P.derToRaw(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])), null);
});

test('every cabridge error has a helper code and a Chinese message; the attested codes where they fit', () => {
  assert.equal(legacyError({ code: 'NO_TOKEN' }, t).ret, -536145917);
  assert.equal(legacyError({ code: 'TOKEN_REMOVED' }, t).ret, -536145917);
  assert.equal(legacyError({ code: 'DEVICE_ERROR' }, t).ret, -536145887);
  assert.equal(legacyError({ code: 'SOMETHING_NEW' }, t).ret, -536145887);
  const wrong = legacyError({ code: 'PIN_INCORRECT', details: { retriesLeft: 4 } }, t);
  assert.equal(wrong.ret, RET.PIN_INCORRECT);
  assert.match(wrong.msg, /4 次/);
  const gaveUp = legacyError({ code: 'USER_CANCELLED', details: { triesMade: 2 } }, t);
  assert.equal(gaveUp.ret, RET.CANCELLED);
  assert.match(gaveUp.msg, /2 次/);
  for (const code of ['CERTIFICATE_NOT_FOUND', 'PIN_LOCKED', 'USER_TIMEOUT', 'CERTIFICATE_EXPIRED',
    'ORIGIN_NOT_ALLOWED', 'INVALID_ARGUMENT', 'HOST_UNAVAILABLE', 'TAB_NOT_ACTIVE', 'TOKEN_NOT_RESPONDING']) {
    const { ret, msg } = legacyError({ code }, t);
    assert.ok(Number.isInteger(ret) && ret !== 0, code);
    assert.ok(msg.length > 0 && /[\u4e00-\u9fff]/.test(msg), code);
  }
  const en = JSON.parse(fs.readFileSync(new URL('../../extension/_locales/en/messages.json', import.meta.url), 'utf8'));
  for (const key of Object.keys(zh).filter((k) => k.startsWith('legacy_'))) assert.ok(en[key], `en lacks ${key}`);
});
