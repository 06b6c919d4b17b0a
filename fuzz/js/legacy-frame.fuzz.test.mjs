// Property fuzzer for the HeBCA helper frame parser (extension/legacy/protocol.js): the first
// code that reads what a legacy portal page sends over its socket. Mutates seed frames (the
// fact sheet's, docs/legacy-bridge.md) with a seeded PRNG and checks, for every input:
//   - parseFrame returns one of the three documented shapes and never throws;
//   - a request's name matches the function-name pattern and its params object holds only
//     strings, finite numbers, booleans and null (never an object, array or prototype key);
//   - the split is at the first two `|` only: re-serialising the params of a strict-JSON payload
//     and parsing again gives the same params;
//   - every reply built from what was parsed (ok/fail) has exactly three `|`-fields, field 1 the
//     name, field 2 strict JSON with a numeric `ret`, and no line break.
// No npm dependency; CABRIDGE_JS_FUZZ_SEED and CABRIDGE_JS_FUZZ_ITERATIONS (default 20000)
// choose the run; a failure prints the seed, the iteration and the input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as P from '../../extension/legacy/protocol.js';

const SEED = Number(process.env.CABRIDGE_JS_FUZZ_SEED ?? 0x5eb1ca17) >>> 0;
const ITERATIONS = Number(process.env.CABRIDGE_JS_FUZZ_ITERATIONS ?? 20000);

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = [
  '0|1718000000000', '1|SelectSignCert', '1|GetCertB64', '1|GetSubjectItem|{"index":0}',
  '1|GetSubjectItem|{"index":undefined}', '1|UILogin', '1|Login|{"pin":"12"34"}', '1|SignText|{"signText":"R|andom"}',
  '1|SignB64|{"b64data":"UmFuZG9tU3RyaW5n"}', '1|ReadRegB64|{"key":"SEtFWQ==","name":"dmVyc2lvbg=="}',
  '1|GetSignCertNotAfter|{"index":0}', '1|WriteDataB64|{"name":"n","b64data":"eA==","isprivate":undefined}',
  '1|Execute|{"cmd":"calc"}', '1|__proto__|{"constructor":{"prototype":1}}', '1|X|{"__proto__":{"a":1}}', '1|X|{"__proto__":null}', '1|X|{"a":1e400}',
];
const PIECES = ['|', '"', '\\', '{', '}', ':', ',', 'undefined', 'null', 'true', '1e400', '-0', '\n', '\u2028',
  '\u0000', '中', '\ud800', '__proto__', 'constructor', '"a":', '1|', '0|', ' ', '{"k":"v"}', '[]'];

function mutate(random, frame) {
  const int = (n) => Math.floor(random() * n);
  let s = frame;
  for (let n = 1 + int(5); n > 0; n -= 1) {
    const at = int(s.length + 1);
    switch (int(5)) {
      case 0: s = s.slice(0, at) + PIECES[int(PIECES.length)] + s.slice(at); break;
      case 1: s = s.slice(0, at) + s.slice(at + 1 + int(4)); break;
      case 2: s = s.slice(0, at) + String.fromCharCode(int(0x3000)) + s.slice(at + 1); break;
      case 3: s = s + s.slice(int(s.length)); break;
      default: s = SEEDS[int(SEEDS.length)].slice(0, at) + s.slice(at); break;
    }
  }
  return s;
}

function checkReply(reply, func) {
  const fields = reply.split('|');
  assert.equal(fields.length, 3, 'reply has extra | fields');
  assert.equal(fields[0], '1');
  assert.equal(fields[1], func);
  assert.ok(!/[\n\r\u2028\u2029]/.test(fields[2]), 'line break in the reply JSON');
  const body = JSON.parse(fields[2]);
  assert.equal(typeof body.ret, 'number');
}

function check(frame) {
  const parsed = P.parseFrame(frame);
  assert.ok(['hello', 'request', 'invalid'].includes(parsed.kind));
  if (parsed.kind === 'invalid') {
    assert.equal(typeof parsed.func, 'string');
    if (parsed.func) assert.match(parsed.func, /^[A-Za-z][A-Za-z0-9_]{0,63}$/);
    return;
  }
  if (parsed.kind === 'hello') {
    assert.ok(frame.startsWith('0|'));
    return;
  }
  assert.match(parsed.func, /^[A-Za-z][A-Za-z0-9_]{0,63}$/);
  assert.ok(frame.startsWith(`1|${parsed.func}`));
  assert.equal(Object.getPrototypeOf(parsed.params), Object.prototype);
  for (const [key, value] of Object.entries(parsed.params)) {
    assert.ok(value === null || typeof value === 'string' || typeof value === 'boolean'
      || (typeof value === 'number' && Number.isFinite(value)), `param ${key} has a ${typeof value}`);
  }
  // Strict JSON round trip: what was read is what a well-formed payload says.
  const strict = JSON.stringify(parsed.params);
  const again = P.parseFrame(`1|${parsed.func}|${strict}`);
  assert.deepEqual(again.params, parsed.params);
  checkReply(P.ok(parsed.func, { content: Object.values(parsed.params).join('|') }), parsed.func);
  checkReply(P.fail(parsed.func, 1106, `${frame.slice(0, 40)}<x>`), parsed.func);
  P.indexParam(parsed.params);
  P.signTextBytes(parsed.params.signText);
  P.signB64Bytes(parsed.params.b64data);
}

test('legacy frame parser: seeded mutations keep every property', () => {
  const random = prng(SEED);
  for (const seed of SEEDS) check(seed);
  for (let i = 0; i < ITERATIONS; i++) {
    const frame = mutate(random, SEEDS[Math.floor(random() * SEEDS.length)]);
    try {
      check(frame);
    } catch (e) {
      e.message = `seed ${SEED} iteration ${i} input ${JSON.stringify(frame)}: ${e.message}`;
      throw e;
    }
  }
});
