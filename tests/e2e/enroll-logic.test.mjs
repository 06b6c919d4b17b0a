// The CA-site actions' logic under node (extension/enroll): the page's parameters, the
// certificate summary the install window shows, and the flows against a scripted host and window:
// a site the host refuses never gets a window, the PIN goes to the host only, wrong PINs stay in
// the window, a keyId the token does not hold is refused before the person is asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXTENSION_DIR } from './lib/browser.mjs';

const messages = JSON.parse(fs.readFileSync(path.join(EXTENSION_DIR, '_locales/zh_CN/messages.json'), 'utf8'));
globalThis.chrome = {
  i18n: { getMessage: (key, subs) => messages[key]?.message.replace('$VALUE$', subs?.[0] ?? '') ?? '' },
};
const { parsePageRequest } = await import('../../extension/lib/page-request.js');
const { certificateSummary } = await import('../../extension/enroll/cert-summary.js');
const { runCaAction } = await import('../../extension/enroll/ca-flow.js');
const { CabridgeError } = await import('../../extension/lib/errors.js');

const code = (fn) => { try { fn(); return 'none'; } catch (e) { return `${e.code}:${e.details.argument ?? ''}`; } };
const SUBJECT = 'CN=河北测试科技有限公司,O=河北测试科技有限公司,L=石家庄市,ST=河北省,C=CN';

test('CA actions: known parameters only, each checked', () => {
  assert.deepEqual(parsePageRequest({ action: 'enroll', params: { vendor: 'hebca', keyType: 'SM2', subject: SUBJECT } }),
    { action: 'enroll', params: { vendor: 'hebca', keyType: 'SM2', subject: SUBJECT } });
  assert.equal(code(() => parsePageRequest({ action: 'enroll', params: { keyType: 'RSA-1024', subject: SUBJECT } })), 'INVALID_ARGUMENT:keyType');
  assert.equal(code(() => parsePageRequest({ action: 'enroll', params: { keyType: 'SM2' } })), 'INVALID_ARGUMENT:subject');
  assert.equal(code(() => parsePageRequest({ action: 'enroll', params: { keyType: 'SM2', subject: 'just text' } })), 'INVALID_ARGUMENT:subject');
  assert.equal(code(() => parsePageRequest({ action: 'enroll', params: { keyType: 'SM2', subject: 'CN=a\nb' } })), 'INVALID_ARGUMENT:subject');
  assert.equal(code(() => parsePageRequest({ action: 'enroll', params: { keyType: 'SM2', subject: SUBJECT, pin: '123456' } })), 'INVALID_ARGUMENT:pin');
  const install = { certificate: 'MIIB', keyId: '0a1b', certificateId: 'c1' };
  assert.deepEqual(parsePageRequest({ action: 'installCertificate', params: install }).params, { ...install, replace: false });
  assert.equal(parsePageRequest({ action: 'installCertificate', params: { ...install, replace: true } }).params.replace, true);
  assert.equal(code(() => parsePageRequest({ action: 'installCertificate', params: { ...install, replace: 'yes' } })), 'INVALID_ARGUMENT:replace');
  assert.equal(code(() => parsePageRequest({ action: 'installCertificate', params: { ...install, certificate: 'not base64!' } })), 'INVALID_ARGUMENT:certificate');
  assert.equal(code(() => parsePageRequest({ action: 'installCertificate', params: { ...install, keyId: '' } })), 'INVALID_ARGUMENT:keyId');
  assert.equal(code(() => parsePageRequest({ action: 'installCertificate', params: { certificate: 'MIIB', keyId: 'a' } })), 'INVALID_ARGUMENT:certificateId');
  assert.deepEqual(parsePageRequest({ action: 'unlockChallenge', params: { vendor: 'hebca-skf' } }).params, { vendor: 'hebca-skf' });
  assert.equal(code(() => parsePageRequest({ action: 'unlockChallenge', params: { certificateId: 'x' } })), 'INVALID_ARGUMENT:certificateId');
  assert.equal(code(() => parsePageRequest({ action: 'unlockWithResponse', params: { certificateId: 'c1', response: 'AAAA' } })), 'none');
  assert.equal(code(() => parsePageRequest({ action: 'unlockWithResponse', params: { certificateId: 'c1', response: 'A'.repeat(4100) } })), 'INVALID_ARGUMENT:response');
  assert.equal(code(() => parsePageRequest({ action: 'unlockWithResponse', params: { certificateId: 'c1', newPin: '1234', response: 'AAAA' } })), 'INVALID_ARGUMENT:newPin');
});

test('the install window reads subject, issuer and validity from the DER; anything else is INVALID_ARGUMENT', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabridge-summary-'));
  try {
    const der = execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', path.join(dir, 'k.pem'), '-utf8', '-subj', '/C=CN/O=河北测试科技有限公司/CN=河北测试科技有限公司',
      '-set_serial', '7', '-days', '730', '-outform', 'DER'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const summary = certificateSummary(der.toString('base64'));
    assert.deepEqual(summary.subject, { O: '河北测试科技有限公司', CN: '河北测试科技有限公司' });
    assert.equal(summary.issuer.CN, '河北测试科技有限公司');
    const days = (Date.parse(summary.notAfter) - Date.parse(summary.notBefore)) / 86_400_000;
    assert.equal(Math.round(days), 730);
    assert.equal(code(() => certificateSummary(der.subarray(0, der.length - 5).toString('base64'))), 'INVALID_ARGUMENT:certificate');
    assert.equal(code(() => certificateSummary(Buffer.concat([der, Buffer.from([0])]).toString('base64'))), 'INVALID_ARGUMENT:certificate');
    assert.equal(code(() => certificateSummary('AAAA')), 'INVALID_ARGUMENT:certificate');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const CERT = { id: 'cert-1', vendor: 'hebca', subject: { CN: '河北测试科技有限公司', O: '河北测试科技有限公司' }, identity: {}, notAfter: '2027-01-01T00:00:00Z', pinRules: { minLength: 6, maxLength: 16, charset: 'digits' } };

/** A scripted host: `answers[command]` is a result object or a function(args) returning one or throwing. */
function fakeSession(answers) {
  const sent = [];
  return {
    sent,
    async request(command, origin, args) {
      sent.push({ command, origin, args: { ...args } });
      const answer = answers[command];
      if (answer === undefined) throw new CabridgeError('UNKNOWN_COMMAND', command);
      return typeof answer === 'function' ? answer(args) : answer;
    },
  };
}

/** A scripted window: answers handed out in order; records what it showed. */
function fakeDialog(answers) {
  const shown = [];
  const dialog = {
    shown,
    opened: 0,
    async show(page, view) { shown.push({ page, ...view }); },
    update(view) { shown.push({ ...view }); },
    async next() {
      if (!answers.length) throw new CabridgeError('USER_CANCELLED', 'cancelled', { reason: 'cancel-button' });
      return answers.shift();
    },
  };
  return { dialog, open: () => { dialog.opened += 1; return dialog; } };
}

const flowFor = (params) => ({
  origin: 'http://127.0.0.1:9000', params,
  timeouts: { listMs: 1000, authenticateMs: 1000, enrollMs: 1000 },
});
const refused = () => { throw new CabridgeError('ORIGIN_NOT_ALLOWED', 'not an enrolment origin'); };

test('a site the host does not let enrol gets ORIGIN_NOT_ALLOWED and no window, for every CA action', async () => {
  const cases = {
    enroll: { keyType: 'SM2', subject: SUBJECT },
    installCertificate: { certificate: 'MIIB', keyId: 'k', certificateId: 'cert-1', replace: false },
    unlockChallenge: {},
    unlockWithResponse: { certificateId: 'cert-1', response: 'AAAA' },
  };
  for (const [action, params] of Object.entries(cases)) {
    // A portal may list certificates; list-keys is what only enrolment origins get.
    const session = fakeSession({ 'list-certificates': { certificates: [CERT] }, 'list-keys': refused });
    const { dialog, open } = fakeDialog([]);
    if (action === 'installCertificate') params.certificate = selfSigned();
    const error = await runCaAction(action, session, flowFor(params), open).catch((e) => e);
    assert.equal(error.code, 'ORIGIN_NOT_ALLOWED', action);
    assert.equal(dialog.opened, 0, `${action}: no window`);
  }
});

let selfSignedDer;
function selfSigned() {
  if (!selfSignedDer) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabridge-ss-'));
    selfSignedDer = execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', path.join(dir, 'k.pem'), '-utf8', '-subj', '/CN=新证书', '-days', '30', '-outform', 'DER'], { stdio: ['ignore', 'pipe', 'pipe'] })
      .toString('base64');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return selfSignedDer;
}

test('enroll: a wrong PIN stays in the window with its retries; the right one returns csr, keyId and the certificate', async () => {
  let tries = 0;
  const session = fakeSession({
    'list-certificates': { certificates: [CERT] },
    'list-keys': { keys: [] },
    'generate-key': (args) => {
      tries += 1;
      if (args.pin !== '135790') throw new CabridgeError('PIN_INCORRECT', 'wrong', { retriesLeft: 4 });
      return { csr: 'MIIC', keyId: 'beef' };
    },
  });
  const { dialog, open } = fakeDialog([{ type: 'submit', pin: '' }, { type: 'submit', pin: '000000' }, { type: 'submit', pin: '135790' }]);
  const result = await runCaAction('enroll', session, flowFor({ keyType: 'P-256', subject: SUBJECT }), open);
  assert.deepEqual(result, { csr: 'MIIC', keyId: 'beef', certificateId: 'cert-1' });
  assert.equal(tries, 2, 'the empty PIN never reached the host');
  assert.deepEqual(session.sent.map((s) => s.command), ['list-certificates', 'list-keys', 'generate-key', 'generate-key']);
  assert.deepEqual(session.sent[3].args, { certificateId: 'cert-1', keyType: 'P-256', subject: SUBJECT, pin: '135790' });
  assert.deepEqual(dialog.shown.map((v) => v.state), ['enter', 'pinEmpty', 'working', 'pinIncorrect', 'working']);
  assert.equal(dialog.shown[0].page, 'enroll/ca-window.html');
  assert.equal(dialog.shown[0].subject, SUBJECT);
  assert.equal(dialog.shown[3].retriesLeft, 4);
  assert.ok(!JSON.stringify(dialog.shown).includes('135790'), 'the window is never sent the PIN back');
});

test('enroll: cancel in the window is USER_CANCELLED and nothing is generated', async () => {
  const session = fakeSession({ 'list-certificates': { certificates: [CERT] }, 'list-keys': { keys: [] } });
  const { open } = fakeDialog([]);
  const error = await runCaAction('enroll', session, flowFor({ keyType: 'SM2', subject: SUBJECT }), open).catch((e) => e);
  assert.equal(error.code, 'USER_CANCELLED');
  assert.ok(!session.sent.some((s) => s.command === 'generate-key'));
});

test('installCertificate: a keyId the token does not hold is refused before any window; a held one is installed', async () => {
  const certificate = selfSigned();
  const answers = {
    'list-certificates': { certificates: [CERT, { ...CERT, id: 'cert-2' }] },
    'list-keys': { keys: [{ keyId: 'beef', keyType: 'SM2', hasCertificate: false }] },
    'install-certificate': { certificateId: 'cert-3' },
  };
  let session = fakeSession(answers);
  let { dialog, open } = fakeDialog([]);
  let error = await runCaAction('installCertificate', session, flowFor({ certificate, keyId: 'dead', certificateId: 'cert-1', replace: true }), open).catch((e) => e);
  assert.equal(`${error.code}:${error.details.argument}`, 'INVALID_ARGUMENT:keyId');
  assert.equal(dialog.opened, 0);

  error = await runCaAction('installCertificate', session, flowFor({ certificate, keyId: 'beef', certificateId: 'gone', replace: true }), open).catch((e) => e);
  assert.equal(error.code, 'CERTIFICATE_NOT_FOUND');

  session = fakeSession(answers);
  ({ dialog, open } = fakeDialog([{ type: 'submit', pin: '135790' }]));
  const result = await runCaAction('installCertificate', session, flowFor({ certificate, keyId: 'beef', certificateId: 'cert-2', replace: true }), open);
  assert.deepEqual(result, { certificateId: 'cert-3' });
  assert.deepEqual(session.sent.at(-1).args, { keyId: 'beef', certificate, certificateId: 'cert-2', replace: true, pin: '135790' });
  assert.equal(session.sent[1].args.certificateId, 'cert-2', 'list-keys asks about the named certificate');
  assert.equal(dialog.shown[0].issued.holder, '新证书');
  assert.equal(dialog.shown[0].replace, true);
});

test('a vendor that cannot enrol: enroll refused before any window, online unlock still served to its enrolment site', async () => {
  const cannotEnrol = () => { throw new CabridgeError('INVALID_ARGUMENT', 'cannot enrol', { unsupported: 'list-keys' }); };
  const answers = { 'list-certificates': { certificates: [CERT] }, 'list-keys': cannotEnrol, 'unblock-challenge': { challenge: 'Q0hBTA==', serial: 'S' } };
  let { dialog, open } = fakeDialog([]);
  const error = await runCaAction('enroll', fakeSession(answers), flowFor({ keyType: 'SM2', subject: SUBJECT }), open).catch((e) => e);
  assert.equal(`${error.code}:${error.details.unsupported}`, 'INVALID_ARGUMENT:list-keys');
  assert.equal(dialog.opened, 0);
  ({ dialog, open } = fakeDialog([{ type: 'confirm' }]));
  assert.equal((await runCaAction('unlockChallenge', fakeSession(answers), flowFor({}), open)).challenge, 'Q0hBTA==');
});

test('online unlock offers only keys whose vendor unlocks online; none: INVALID_ARGUMENT before any window', async () => {
  const noOnline = { ...CERT, id: 'p11', pinRules: { ...CERT.pinRules, canUnblockOnline: false }, help: { unlock: { text: '到网点解锁' } } };
  const answers = (certificates) => ({ 'list-certificates': { certificates }, 'list-keys': { keys: [] }, 'unblock-challenge': (a) => ({ challenge: 'AAAA', serial: a.certificateId }) });
  let { dialog, open } = fakeDialog([]);
  let error = await runCaAction('unlockChallenge', fakeSession(answers([noOnline])), flowFor({}), open).catch((e) => e);
  assert.equal(`${error.code}:${error.details.unsupported}:${error.details.help?.text}`, 'INVALID_ARGUMENT:unblock-challenge:到网点解锁');
  assert.equal(dialog.opened, 0);
  error = await runCaAction('unlockWithResponse', fakeSession(answers([noOnline])), flowFor({ certificateId: 'p11', response: 'AAAA' }), open).catch((e) => e);
  assert.equal(error.code, 'INVALID_ARGUMENT');
  assert.equal(dialog.opened, 0);
  // With one that can among them, no chooser: that one.
  ({ dialog, open } = fakeDialog([{ type: 'confirm' }]));
  const result = await runCaAction('unlockChallenge', fakeSession(answers([noOnline, CERT])), flowFor({}), open);
  assert.equal(result.certificateId, 'cert-1');
  assert.deepEqual(dialog.shown.map((v) => v.page), ['enroll/ca-window.html']);
});

test('online unlock: the person confirms, the host gives the challenge; the new PIN twice is checked, then unblock-pin takes the response', async () => {
  const session = fakeSession({
    'list-certificates': { certificates: [CERT] },
    'list-keys': { keys: [] },
    'unblock-challenge': { challenge: 'Q0hBTA==', serial: 'SKF-1' },
    'unblock-pin': {},
  });
  let { dialog, open } = fakeDialog([{ type: 'submit' }, { type: 'confirm' }]);
  assert.deepEqual(await runCaAction('unlockChallenge', session, flowFor({}), open),
    { challenge: 'Q0hBTA==', serial: 'SKF-1', certificateId: 'cert-1' });
  assert.equal(dialog.shown[0].state, 'confirm');

  ({ dialog, open } = fakeDialog([
    { type: 'submit', newPin: '12', confirmPin: '12' },
    { type: 'submit', newPin: '246813', confirmPin: '246814' },
    { type: 'submit', newPin: '246813', confirmPin: '246813' },
  ]));
  assert.deepEqual(await runCaAction('unlockWithResponse', session, flowFor({ certificateId: 'cert-1', response: 'UkVTUA==' }), open), {});
  assert.deepEqual(dialog.shown.filter((v) => v.state === 'form').map((v) => v.problem), ['newRules', 'mismatch']);
  const unblocks = session.sent.filter((s) => s.command === 'unblock-pin');
  assert.deepEqual(unblocks.map((s) => s.args), [{ certificateId: 'cert-1', response: 'UkVTUA==', newPin: '246813' }]);
});

test('every text the CA window and its flow use is in both locales', () => {
  const en = JSON.parse(fs.readFileSync(path.join(EXTENSION_DIR, '_locales/en/messages.json'), 'utf8'));
  const sources = ['enroll/ca-window.js', 'enroll/ca-window.html', 'enroll/ca-flow.js']
    .map((f) => fs.readFileSync(path.join(EXTENSION_DIR, f), 'utf8')).join('\n');
  const used = new Set([...sources.matchAll(/(?:\bt\(|getMessage\(|data-i18n=")(?:'|")?([a-z][a-z]*_[A-Za-z_]+)/g)].map((m) => m[1]));
  for (const key of ['ca_key_rsa', 'ca_key_p256', 'ca_key_sm2']) used.add(key); // KEY_NAMES
  // Keys built from the mode: ca_title_<mode>, ca_btn_<mode>, ca_working_<mode>.
  for (const mode of ['generate', 'install', 'unlockStart', 'unlock']) {
    used.add(`ca_title_${mode}`);
    used.add(`ca_working_${mode}`);
    if (mode !== 'unlockStart') used.add(`ca_btn_${mode}`);
  }
  assert.ok(used.size > 20, [...used].join(' '));
  for (const key of used) {
    assert.ok(messages[key]?.message, `zh_CN lacks ${key}`);
    assert.ok(en[key]?.message, `en lacks ${key}`);
  }
  for (const key of Object.keys(messages).filter((k) => k.startsWith('ca_'))) assert.ok(en[key], `en lacks ${key}`);
});
