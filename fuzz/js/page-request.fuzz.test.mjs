// Property fuzzer for the extension's page-message validation
// (extension/lib/page-request.js): the first code that sees what a web page posts.
// Mutates seed messages with a seeded PRNG and checks, for every input:
//   - parsePageRequest either returns or throws INVALID_ARGUMENT naming a string
//     argument; nothing else escapes (no TypeError from a hostile shape);
//   - what it returns holds only checked values: a known action, only that
//     action's parameters, a vendor matching the documented pattern, a challenge of
//     44..1368 base64 characters decoding to 32..1024 bytes, a known mode; and a
//     fresh params object, not the page's;
//   - it is idempotent: checking the result again gives the same result;
//   - senderOrigin, given the strings a browser reports, returns an http(s) origin
//     without a path, or throws INSECURE_ORIGIN.
// Inputs go through structuredClone first, as a page's message does through the port.
// No npm dependency (docs/fuzzing.md says why). Deterministic: CABRIDGE_JS_FUZZ_SEED
// and CABRIDGE_JS_FUZZ_ITERATIONS (default 20000) choose the run; a failure prints
// the seed, the iteration and the input.
import { test } from 'node:test';
import assert from 'node:assert/strict';

globalThis.chrome = { i18n: { getMessage: (key) => `msg:${key}` } };
const { parsePageRequest, senderOrigin } = await import('../../extension/lib/page-request.js');
const { CabridgeError } = await import('../../extension/lib/errors.js');

const SEED = Number(process.env.CABRIDGE_JS_FUZZ_SEED ?? 0x13c4b1d9) >>> 0;
const ITERATIONS = Number(process.env.CABRIDGE_JS_FUZZ_ITERATIONS ?? 20000);

// mulberry32: small, seedable, good enough to pick mutations.
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

const b64 = (n, fill = 7) => Buffer.alloc(n, fill).toString('base64');
const SEEDS = [
  { action: 'detect' },
  { action: 'detect', params: {} },
  { action: 'readCertificate', params: { vendor: 'hebca' } },
  { action: 'login', params: { challenge: b64(32) } },
  { action: 'login', params: { challenge: b64(33), vendor: 'vendor-2_x', mode: 'origin-bound' } },
  { action: 'login', params: { challenge: b64(1024), mode: 'legacy' } },
  { action: 'login', params: { challenge: b64(34), vendor: 'a' } },
];
const ACTIONS = ['detect', 'readCertificate', 'login', 'sign', '', '__proto__', 'constructor', 'toString',
  'hasOwnProperty', 'Login', 'login ', 'detect\u0000'];
const KEYS = ['action', 'params', 'challenge', 'vendor', 'mode', 'pin', 'origin', '__proto__', 'constructor',
  'toString', 'length', '0', ''];
const MODES = ['origin-bound', 'legacy', 'Legacy', 'bound', ''];
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ .\n\u0000é中\ud800';

const ALLOWED = { detect: [], readCertificate: ['vendor'], login: ['challenge', 'vendor', 'mode'] };
const VENDOR = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function mutator(random) {
  const int = (n) => Math.floor(random() * n);
  const pick = (list) => list[int(list.length)];
  const randomString = () => {
    const length = pick([0, 1, 2, int(8), int(70), int(1500)]);
    let s = '';
    for (let i = 0; i < length; i += 1) s += pick(ALPHABET);
    return s;
  };
  const mutateString = (s) => {
    switch (int(7)) {
      case 0: return s.slice(0, int(s.length + 1));                                 // truncate
      case 1: { const i = int(s.length + 1); return s.slice(0, i) + pick(ALPHABET) + s.slice(i); }
      case 2: { const i = int(s.length); return s.slice(0, i) + s.slice(i + 1); }    // delete one
      case 3: { const i = int(s.length); return s.slice(0, i) + pick(ALPHABET) + s.slice(i + 1); }
      case 4: return s + s.slice(0, int(s.length + 1));                             // grow
      case 5: return b64(pick([31, 32, 33, 34, 1023, 1024, 1025, int(1100)]), int(256));
      default: return randomString();
    }
  };
  const randomValue = (depth = 0) => {
    switch (int(depth > 2 ? 7 : 10)) {
      case 0: return null;
      case 1: return undefined;
      case 2: return pick([0, -1, 1.5, NaN, Infinity, 2 ** 53, -0]);
      case 3: return random() < 0.5;
      case 4: return pick(ACTIONS);
      case 5: return pick(MODES);
      case 6: return randomString();
      case 7: return [randomValue(depth + 1), randomValue(depth + 1)];
      case 8: return { [pick(KEYS)]: randomValue(depth + 1) };
      default: return pick(SEEDS);
    }
  };
  const mutateValue = (value, depth = 0) => {
    if (typeof value === 'string' && random() < 0.7) return mutateString(value);
    if (value && typeof value === 'object' && !Array.isArray(value) && depth < 3 && random() < 0.8) {
      const copy = { ...value };
      const keys = Object.keys(copy);
      switch (int(4)) {
        case 0: if (keys.length) { const k = pick(keys); copy[k] = mutateValue(copy[k], depth + 1); } break;
        case 1: if (keys.length) delete copy[pick(keys)]; break;
        case 2: Object.defineProperty(copy, pick(KEYS), { value: randomValue(depth + 1), enumerable: true,
          configurable: true, writable: true }); break;
        default: if (keys.length) { const k = pick(keys); copy[k] = randomValue(depth + 1); } break;
      }
      return copy;
    }
    return randomValue(depth);
  };
  const mutateMessage = (message) => {
    let m = message;
    for (let n = 1 + int(4); n > 0; n -= 1) m = mutateValue(m);
    return m;
  };
  return { mutateMessage, mutateString, random: () => random() };
}

function checkAccepted(input, result) {
  assert.ok(Object.hasOwn(ALLOWED, result.action), 'unknown action accepted');
  assert.equal(result.action, input.action);
  assert.notEqual(result.params, input.params, 'params is the page\'s own object');
  for (const key of Object.keys(result.params)) {
    assert.ok(ALLOWED[result.action].includes(key), `parameter ${key} passed for ${result.action}`);
    assert.equal(typeof result.params[key], 'string', `parameter ${key} is not a string`);
    assert.equal(result.params[key], input.params[key], `parameter ${key} changed`);
  }
  if (result.params.vendor !== undefined) assert.match(result.params.vendor, VENDOR);
  if (result.action === 'login') {
    const c = result.params.challenge;
    assert.equal(typeof c, 'string', 'login without a challenge');
    assert.ok(c.length >= 44 && c.length <= 1368 && c.length % 4 === 0, 'challenge length');
    assert.match(c, /^[A-Za-z0-9+/]+={0,2}$/);
    const bytes = Buffer.from(c, 'base64').length;
    assert.ok(bytes >= 32 && bytes <= 1024, `challenge decodes to ${bytes} bytes`);
    if (result.params.mode !== undefined) assert.ok(['origin-bound', 'legacy'].includes(result.params.mode));
  } else {
    assert.equal(result.params.challenge, undefined);
    assert.equal(result.params.mode, undefined);
  }
  assert.deepEqual(parsePageRequest(structuredClone(result)), result, 'not idempotent');
}

function checkRefused(error) {
  assert.ok(error instanceof CabridgeError, `threw ${error?.name}: ${error?.message}`);
  assert.equal(error.code, 'INVALID_ARGUMENT');
  assert.equal(typeof error.details.argument, 'string');
  assert.equal(error.message, 'msg:err_INVALID_ARGUMENT');
}

const describe = (value) => {
  try { return JSON.stringify(value).slice(0, 400); } catch { return String(value); }
};

test(`parsePageRequest: ${ITERATIONS} mutated page messages (seed ${SEED})`, () => {
  const random = prng(SEED);
  const { mutateMessage: mutate } = mutator(random);
  let accepted = 0;
  for (let i = 0; i < ITERATIONS; i += 1) {
    let input;
    try {
      input = structuredClone(mutate(SEEDS[Math.floor(random() * SEEDS.length)]));
    } catch {
      continue; // not cloneable: a page cannot send it
    }
    try {
      let result;
      try {
        result = parsePageRequest(input);
      } catch (error) {
        checkRefused(error);
        continue;
      }
      accepted += 1;
      checkAccepted(input, result);
    } catch (failure) {
      failure.message += `\n  seed ${SEED}, iteration ${i}, input ${describe(input)}`;
      throw failure;
    }
  }
  // A fuzzer that never gets past the checks tests only the refusals.
  assert.ok(accepted > ITERATIONS / 50, `only ${accepted} of ${ITERATIONS} inputs were accepted`);
});

test(`senderOrigin: ${ITERATIONS} mutated senders (seed ${SEED})`, () => {
  const random = prng(SEED ^ 0x5a5a5a5a);
  const { mutateString } = mutator(random);
  // The browser fills MessageSender: origin and url are strings or absent, never a page's object.
  const mutate = (sender) => {
    const out = {};
    for (const key of ['origin', 'url']) {
      const roll = random();
      if (roll < 0.15) continue;
      out[key] = roll < 0.4 || sender[key] === undefined ? mutateString(sender[key] ?? '') : sender[key];
    }
    return out;
  };
  const senders = [
    { origin: 'https://si.example.gov.cn' },
    { origin: 'null', url: 'https://si.example.gov.cn:8443/login?x=1#y' },
    { url: 'http://121.28.48.13:8080/a' },
    { origin: 'chrome-extension://abc' },
    { url: 'file:///etc/passwd' },
    { url: 'https://user:pw@example.com/' },
  ];
  for (let i = 0; i < ITERATIONS; i += 1) {
    const input = mutate(senders[Math.floor(random() * senders.length)]);
    try {
      let origin;
      try {
        origin = senderOrigin(input);
      } catch (error) {
        assert.ok(error instanceof CabridgeError, `threw ${error?.name}: ${error?.message}`);
        assert.equal(error.code, 'INSECURE_ORIGIN');
        continue;
      }
      assert.match(origin, /^https?:\/\/[^/]+$/);
    } catch (failure) {
      failure.message += `\n  seed ${SEED}, iteration ${i}, input ${describe(input)}`;
      throw failure;
    }
  }
});
