// What the install window shows about the certificate a CA site hands over: subject, issuer and
// validity read from its DER, so the person sees what goes onto the key before typing the PIN.
// Reading only: the host checks that it matches the key and chains to a CA the plugin trusts.
import { extensionError } from '../lib/errors.js';

const NAMES = { '2.5.4.3': 'CN', '2.5.4.10': 'O', '2.5.4.11': 'OU' };

class Der {
  constructor(bytes, start = 0, end = bytes.length) { this.b = bytes; this.p = start; this.end = end; }

  /** The next TLV: {tag, start (of the value), end}. Throws on anything truncated or indefinite. */
  next() {
    if (this.p + 2 > this.end) throw new Error('truncated');
    const tag = this.b[this.p++];
    let len = this.b[this.p++];
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 3 || this.p + n > this.end) throw new Error('bad length');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + this.b[this.p++];
    }
    const start = this.p;
    if (start + len > this.end) throw new Error('truncated');
    this.p = start + len;
    return { tag, start, end: start + len };
  }

  inside(tlv) { return new Der(this.b, tlv.start, tlv.end); }
  get done() { return this.p >= this.end; }
}

function oid(bytes) {
  const parts = [Math.floor(bytes[0] / 40), bytes[0] % 40];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) { parts.push(value); value = 0; }
  }
  return parts.join('.');
}

function string(tag, bytes) {
  if (tag === 0x1e) { // BMPString: UTF-16BE
    let s = '';
    for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode(bytes[i] * 256 + bytes[i + 1]);
    return s;
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

function name(der, tlv) {
  const result = {};
  const rdns = der.inside(tlv);
  while (!rdns.done) {
    const set = rdns.inside(rdns.next());
    while (!set.done) {
      const pair = set.inside(set.next());
      const type = pair.next();
      const value = pair.next();
      const key = NAMES[oid(der.b.subarray(type.start, type.end))];
      if (key && result[key] === undefined) result[key] = string(value.tag, der.b.subarray(value.start, value.end));
    }
  }
  return result;
}

function time(der, tlv) {
  const s = new TextDecoder().decode(der.b.subarray(tlv.start, tlv.end));
  const m = tlv.tag === 0x17 ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s) : /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
  if (!m) throw new Error('bad time');
  let year = Number(m[1]);
  if (tlv.tag === 0x17) year += year < 50 ? 2000 : 1900;
  return `${year}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
}

/**
 * {subject: {CN, O, OU}, issuer: {CN, O, OU}, notBefore, notAfter} of a base64 DER certificate;
 * INVALID_ARGUMENT (argument "certificate") when it is not one.
 */
export function certificateSummary(base64) {
  try {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const outer = new Der(bytes);
    const cert = outer.inside(outer.next());
    const tbs = cert.inside(cert.next());
    let field = tbs.next();
    if (field.tag === 0xa0) field = tbs.next(); // version
    tbs.next(); // signature algorithm (field was the serial number)
    const issuer = name(tbs, tbs.next());
    const validity = tbs.inside(tbs.next());
    const notBefore = time(validity, validity.next());
    const notAfter = time(validity, validity.next());
    const subject = name(tbs, tbs.next());
    if (!outer.done) throw new Error('trailing data');
    return { subject, issuer, notBefore, notAfter };
  } catch {
    throw extensionError('INVALID_ARGUMENT', { argument: 'certificate' }, 'err_INVALID_ARGUMENT', 'certificate');
  }
}
