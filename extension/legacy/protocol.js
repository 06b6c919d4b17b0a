// HeBCA's helper WebSocket protocol as legacy portal pages speak it (docs/legacy-bridge.md):
// frames `0|<ms>` (hello) and `1|<Func>[|<json>]` (request); replies `1|<Func>|<strict JSON>`.
// Pure functions only: no chrome.*, no state, so node --test and the fuzzer run them as is.

export const GREETING = '0|Welcome to cabridge';

// Longest frame a page may send: a SignB64 of the host's largest legacy text (256 bytes) is far
// below this; anything longer is a malformed frame, not a reason to buffer.
export const MAX_FRAME_CHARS = 16 * 1024;

const FUNC = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * Splits one frame from the page. Returns
 *   {kind: 'hello'}                         for `0|...`;
 *   {kind: 'request', func, params}         for `1|Func` or `1|Func|payload` (payload parsed leniently);
 *   {kind: 'invalid', func, reason}         otherwise (`func` is the name when one could be read, else '').
 * Only the first two `|` split: a `|` in the payload belongs to the payload.
 */
export function parseFrame(frame) {
  if (typeof frame !== 'string') return { kind: 'invalid', func: '', reason: 'not-text' };
  if (frame.length > MAX_FRAME_CHARS) return { kind: 'invalid', func: '', reason: 'too-long' };
  const first = frame.indexOf('|');
  if (first < 0) return { kind: 'invalid', func: '', reason: 'no-separator' };
  const tag = frame.slice(0, first);
  if (tag === '0') return { kind: 'hello' };
  const second = frame.indexOf('|', first + 1);
  const func = second < 0 ? frame.slice(first + 1) : frame.slice(first + 1, second);
  if (tag !== '1') return { kind: 'invalid', func: FUNC.test(func) ? func : '', reason: 'bad-tag' };
  if (!FUNC.test(func)) return { kind: 'invalid', func: '', reason: 'bad-function' };
  if (second < 0) return { kind: 'request', func, params: {} };
  const params = parseLenientObject(frame.slice(second + 1));
  if (params === null) return { kind: 'invalid', func, reason: 'bad-payload' };
  return { kind: 'request', func, params };
}

/**
 * The request payload as an object of strings, numbers, booleans and null. The helper's clients
 * build it by string concatenation, so it may hold unescaped quotes, backslashes or newlines
 * inside a string and bare `undefined`. Strict JSON first; else a lenient reading of a flat
 * object `{"key":value,...}` where a string value runs to the last `"` followed by `,"key":`
 * or by the closing `}`. Returns null when neither works. An empty payload is {}.
 */
export function parseLenientObject(text) {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  try {
    const value = JSON.parse(trimmed);
    return value && typeof value === 'object' && !Array.isArray(value) ? flatOnly(value) : null;
  } catch {
    // fall through to the lenient reading
  }
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return null;
  const body = trimmed.slice(1, -1);
  const out = Object.create(null);
  let rest = body.trim();
  while (rest.length > 0) {
    const key = /^"([A-Za-z0-9_]{1,64})"\s*:\s*/.exec(rest);
    if (!key) return null;
    rest = rest.slice(key[0].length);
    let value;
    if (rest.startsWith('"')) {
      // The string ends at the first `"` that is followed by `,"name":` or by the end.
      const end = /"\s*(?:,\s*"[A-Za-z0-9_]{1,64}"\s*:|$)/g;
      end.lastIndex = 1;
      let match;
      let close = -1;
      while ((match = end.exec(rest)) !== null) {
        close = match.index;
        break;
      }
      if (close < 0) return null;
      value = unescapeLoosely(rest.slice(1, close));
      rest = rest.slice(close + 1).trim();
    } else {
      const token = /^(-?\d{1,15}(?:\.\d{1,15})?|true|false|null|undefined)\s*/.exec(rest);
      if (!token) return null;
      const word = token[1];
      value = word === 'true' ? true : word === 'false' ? false : word === 'null' || word === 'undefined' ? null : Number(word);
      rest = rest.slice(token[0].length);
    }
    out[key[1]] = value;
    if (rest.startsWith(',')) rest = rest.slice(1).trim();
    else if (rest.length > 0) return null;
  }
  return Object.fromEntries(Object.entries(out));
}

// Only flat values; own data properties (a "__proto__" key stays a key, never a prototype).
function flatOnly(value) {
  const entries = Object.entries(value);
  const flat = ([, v]) => v === null || typeof v === 'string' || typeof v === 'boolean'
    || (typeof v === 'number' && Number.isFinite(v));
  return entries.every(flat) ? Object.fromEntries(entries) : null;
}

// JSON escapes where they are valid; every other backslash is itself (the client did not escape).
function unescapeLoosely(raw) {
  return raw.replace(/\\(["\\/bfnrt]|u[0-9a-fA-F]{4})/g, (_, e) => {
    const map = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
    return e.length === 1 ? map[e] : String.fromCharCode(parseInt(e.slice(1), 16));
  });
}

/**
 * The reply frame `1|Func|{json}`: strict JSON with `ret` a number, every `|` and line break
 * inside strings escaped as \u007c / \n so the client's split and eval see one field.
 */
export function serializeReply(func, body) {
  const json = JSON.stringify(body)
    .replace(/\|/g, '\\u007c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `1|${func}|${json}`;
}

export const ok = (func, fields = {}) => serializeReply(func, { ret: 0, ...fields });
export const fail = (func, ret, msg) => serializeReply(func, { ret, msg: plainText(msg) });

/** A message as plain text: the client writes it into innerHTML, so no markup survives. */
export function plainText(text) {
  return String(text ?? '').replace(/[<>&"'`]/g, ' ').replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 300);
}

/** The integer a `{index#}` slot holds, or null (missing, `undefined`, not a whole number). */
export function indexParam(params, key = 'index') {
  const v = params[key];
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1000) return v;
  if (typeof v === 'string' && /^\d{1,4}$/.test(v)) return Number(v);
  return null;
}

// ---- certificate subjects ----

/**
 * RFC 2253 DN text (the host's `subject.dn`, UTF-8 not escaped) as [[type, value], ...], most
 * significant last as RFC 2253 writes it. Multi-valued RDNs are split too.
 */
export function parseDn(dn) {
  const out = [];
  if (typeof dn !== 'string') return out;
  let i = 0;
  while (i < dn.length) {
    let type = '';
    while (i < dn.length && dn[i] !== '=') type += dn[i++];
    i++; // '='
    let value = '';
    while (i < dn.length && dn[i] !== ',' && dn[i] !== '+') {
      if (dn[i] === '\\' && i + 1 < dn.length) {
        const hex = /^[0-9A-Fa-f]{2}/.exec(dn.slice(i + 1, i + 3));
        if (hex) { value += String.fromCharCode(parseInt(hex[0], 16)); i += 3; continue; }
        value += dn[i + 1];
        i += 2;
        continue;
      }
      value += dn[i++];
    }
    i++; // ',' or '+'
    if (type.trim()) out.push([type.trim(), value]);
  }
  return out;
}

// GetSubjectItem indices: 0 = CN and 7 = G are the helper's (attested); the others are our choice,
// in the order Chinese certificates usually write their subjects (docs/legacy-bridge.md).
export const SUBJECT_ITEMS = Object.freeze([
  ['CN', 'commonName'], ['O', 'organizationName'], ['OU', 'organizationalUnitName'], ['L', 'localityName'],
  ['ST', 'stateOrProvinceName'], ['C', 'countryName'], ['emailAddress', 'E'], ['GN', 'G', 'givenName'],
]);

/** The subject's value for a GetSubjectItem index (first one when repeated), or null. */
export function subjectItem(dn, index) {
  const names = SUBJECT_ITEMS[index];
  if (!names) return null;
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  for (const [type, value] of parseDn(dn).reverse()) {
    if (wanted.has(type.toLowerCase())) return value;
  }
  return null;
}

// ---- signing input ----

/** The UTF-8 bytes of a SignText text, or null when it breaks the legacy text rule (8..256 bytes, no control). */
export function signTextBytes(text) {
  if (typeof text !== 'string') return null;
  const bytes = new TextEncoder().encode(text);
  return isLegacyText(bytes) ? bytes : null;
}

/** The decoded bytes of a SignB64 payload, or null when not base64 or not legacy text. */
export function signB64Bytes(b64) {
  if (typeof b64 !== 'string') return null;
  const clean = b64.replace(/[\r\n ]/g, '');
  if (clean.length === 0 || clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(clean)) return null;
  let bytes;
  try { bytes = Uint8Array.from(atob(clean), (c) => c.charCodeAt(0)); } catch { return null; }
  return isLegacyText(bytes) ? bytes : null;
}

/** docs/protocol.md section 3.4: 8..256 bytes of strict UTF-8 with no byte below 0x20 and no 0x7F. */
export function isLegacyText(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length < 8 || bytes.length > 256) return false;
  if (bytes.some((b) => b < 0x20 || b === 0x7f)) return false;
  try { new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch { return false; }
  return true;
}

export function bytesToBase64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

// ---- signature encoding ----

/**
 * An ECDSA/SM2 DER SEQUENCE{r, s} as raw r || s, each padded to `half` bytes (32 for SM2).
 * Returns null for anything that is not such a DER value.
 */
export function derToRaw(der, half = 32) {
  if (!(der instanceof Uint8Array) || der.length < 8 || der[0] !== 0x30) return null;
  let p = 2;
  if (der[1] & 0x80) { if (der[1] !== 0x81) return null; p = 3; }
  if ((der[1] & 0x80 ? der[2] : der[1]) !== der.length - p) return null;
  const ints = [];
  for (let k = 0; k < 2; k++) {
    if (der[p] !== 0x02) return null;
    const len = der[p + 1];
    if (len === 0 || len > half + 1 || p + 2 + len > der.length) return null;
    let v = der.slice(p + 2, p + 2 + len);
    while (v.length > half && v[0] === 0) v = v.slice(1);
    if (v.length > half) return null;
    const padded = new Uint8Array(half);
    padded.set(v, half - v.length);
    ints.push(padded);
    p += 2 + len;
  }
  if (p !== der.length) return null;
  const out = new Uint8Array(half * 2);
  out.set(ints[0], 0);
  out.set(ints[1], half);
  return out;
}
