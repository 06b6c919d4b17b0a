// Serves HeBCA's helper protocol for one page socket, over a "cabridge-legacy" port from
// bridge.js (docs/legacy-bridge.md). Requests are answered one at a time, in order, exactly one
// reply each; a refused or unknown function gets the helper's error form and the socket stays
// open. The host-access calls (WriteRegB64, Execute, KillProcess, EncryptFile/DecryptFile by
// path, GetMachineInfo) are not in the table: they get "not supported" like any unknown name.
import { CabridgeError, extensionError } from '../lib/errors.js';
import { NativeSession } from '../lib/native-session.js';
import { DialogWindow } from '../lib/dialog-window.js';
import { certView } from '../lib/cert-view.js';
import { obtainConsent } from '../lib/consent.js';
import { senderOrigin } from '../lib/page-request.js';
import { checkMayOpenWindow, forgetTab, noteCancelled } from '../lib/prompt-guard.js';
import { loadTimeouts } from '../lib/timeouts.js';
import * as P from './protocol.js';
import { RET, legacyError } from './error-map.js';
import { signLegacy } from './pin-flow.js';
import { syncLegacyScripts } from './registration.js';

const t = (key, values) => chrome.i18n.getMessage(key, values) || key;
const PERSON_CANCELLED = new Set(['cancel-button', 'window-closed']);
const PAGE_PIN_MS = 60_000; // a Login{pin} PIN waits at most this long for its one signature
const SESSION_IDLE_MS = 20_000; // the host process is kept between requests of one page this long

/** A refusal of the bridge's own: carries the helper code and message key. */
class Refusal extends Error {
  constructor(retName, key) { super(key); this.ret = RET[retName]; this.key = key; }
}

export function serveLegacyPort(port) {
  const connection = new LegacyConnection(port);
  port.onMessage.addListener((message) => connection.receive(message));
  port.onDisconnect.addListener(() => connection.end());
}

class LegacyConnection {
  #port;
  #origin = null;
  #tabId;
  #queue = Promise.resolve();
  #ended = false;
  #abort = null;
  #state = { signId: null, currentId: null, loggedIn: false };
  #adopted = false;
  #pagePin = null;
  #pagePinTimer = null;
  #policy = null;
  #certs = null; // the page's view of the certificates while this worker lives: [CertInfo]
  #names = new Map();
  #trusted = false;
  #consented = false;
  #session = null;
  #sessionTimer = null;

  constructor(port) {
    this.#port = port;
    this.#tabId = port.sender?.tab?.id;
    try { this.#origin = senderOrigin(port.sender); } catch { this.#origin = null; }
  }

  receive(message) {
    if (message?.type !== 'frame' || typeof message.data !== 'string' || !Number.isSafeInteger(message.seq)) return;
    // A worker that restarted under the page takes the selection the bridge kept.
    if (!this.#adopted) {
      this.#adopted = true;
      const s = message.state;
      if (s && typeof s === 'object') {
        const id = (v) => (typeof v === 'string' && /^[0-9a-f]{32}$/.test(v) ? v : null);
        this.#state = { signId: id(s.signId), currentId: id(s.currentId), loggedIn: s.loggedIn === true };
      }
    }
    this.#queue = this.#queue.then(async () => {
      const data = await this.#answer(message.data);
      if (this.#ended || data === null) return;
      try { this.#port.postMessage({ type: 'reply', seq: message.seq, data, state: { ...this.#state } }); } catch { /* gone */ }
    }).catch((e) => console.error('cabridge legacy bridge:', e)); // the queue must never stall
  }

  end() {
    this.#ended = true;
    this.#abort?.();
    this.#dropPagePin();
    this.#closeSession();
  }

  async #answer(frame) {
    const parsed = P.parseFrame(frame);
    if (parsed.kind === 'hello') return P.GREETING;
    if (parsed.kind === 'invalid') return P.fail(parsed.func, RET.BAD_REQUEST, t('legacy_BAD_FRAME'));
    const { func, params } = parsed;
    try {
      const handler = Object.hasOwn(HANDLERS, func) ? HANDLERS[func] : null;
      if (handler === null) throw new Refusal('NOT_SUPPORTED', 'legacy_NOT_SUPPORTED');
      await this.#requireLegacyOrigin();
      return P.ok(func, (await handler.call(this, params)) ?? {});
    } catch (error) {
      if (error instanceof Refusal) return P.fail(func, error.ret, t(error.key));
      const { ret, msg } = legacyError(error instanceof CabridgeError ? error : { code: 'INTERNAL_ERROR' }, t);
      return P.fail(func, ret, msg);
    }
  }

  async #requireLegacyOrigin() {
    if (this.#origin === null) throw new Refusal('NOT_ALLOWED', 'legacy_ORIGIN_NOT_ALLOWED');
    this.#policy ??= await this.#host('legacy-policy', {});
    if (this.#policy.origin?.legacy !== true) {
      syncLegacyScripts(); // the policy changed under this page: stop injecting where it no longer applies
      throw new Refusal('NOT_ALLOWED', 'legacy_ORIGIN_NOT_ALLOWED');
    }
  }

  // ---- host and windows ----

  async #host(command, args, timeoutKey = 'statusMs', timeoutCode) {
    const timeouts = await loadTimeouts();
    clearTimeout(this.#sessionTimer);
    this.#session ??= new NativeSession();
    try {
      return await this.#session.request(command, this.#origin, args, timeouts[timeoutKey], timeoutCode);
    } catch (error) {
      if (error?.code === 'HOST_UNAVAILABLE' || error?.code === 'TOKEN_NOT_RESPONDING') this.#closeSession();
      throw error;
    } finally {
      if (this.#session) this.#sessionTimer = setTimeout(() => this.#closeSession(), SESSION_IDLE_MS);
    }
  }

  #closeSession() {
    clearTimeout(this.#sessionTimer);
    this.#session?.close();
    this.#session = null;
  }

  /** Runs `body(openDialog, timeouts)` with the flow's dialog window, applying the tab rules of the native flows. */
  async #withWindow(body) {
    if (this.#tabId === undefined) throw extensionError('INVALID_ARGUMENT', {}, 'err_INVALID_ARGUMENT', 'tab');
    const timeouts = await loadTimeouts();
    let dialog = null;
    let opened = false;
    const openDialog = () => (dialog ??= new DialogWindow(crypto.randomUUID(), timeouts.userMs, async () => {
      await checkMayOpenWindow(this.#tabId);
      opened = true;
    }));
    this.#abort = () => dialog?.close();
    try {
      const result = await body(openDialog, timeouts);
      if (opened) await forgetTab(this.#tabId);
      return result;
    } catch (error) {
      if (opened && error?.code === 'USER_CANCELLED' && PERSON_CANCELLED.has(error.details?.reason)) {
        await noteCancelled(this.#tabId, timeouts.cancelBackoffMs);
      }
      throw error;
    } finally {
      this.#abort = null;
      dialog?.close();
    }
  }

  // ---- certificates ----

  /** The certificates usable for signing, listed once per worker life (ReloadDevice lists again), after consent. */
  async #signCerts() {
    if (this.#certs === null) {
      const { certificates } = await this.#host('list-certificates', { purpose: 'login' }, 'listMs', 'TOKEN_NOT_RESPONDING');
      const status = await this.#host('status', {});
      const plugins = Array.isArray(status.plugins) ? status.plugins : [];
      this.#names = new Map(plugins.map((p) => [p.id, p.name || p.id]));
      this.#trusted = status.originTrusted === true;
      this.#certs = Array.isArray(certificates) ? certificates : [];
    }
    if (!this.#consented) {
      await this.#withWindow((openDialog, timeouts) => obtainConsent(
        { origin: this.#origin, timeouts }, openDialog, { action: 'login', trusted: this.#trusted }));
      this.#consented = true;
    }
    return this.#certs;
  }

  async #certById(id, emptyRet, emptyKey) {
    if (id === null) throw new Refusal(emptyRet, emptyKey);
    const cert = (await this.#signCerts()).find((c) => c.id === id);
    if (!cert) throw extensionError('CERTIFICATE_NOT_FOUND', {});
    return cert;
  }

  #current() { return this.#certById(this.#state.currentId, 'NO_CERT_SELECTED', 'legacy_NO_CERT_SELECTED'); }
  #signing() { return this.#certById(this.#state.signId, 'NO_SIGN_CERT_SELECTED', 'legacy_NO_SIGN_CERT_SELECTED'); }

  #select(cert) {
    if (this.#state.signId !== cert.id) { this.#state.loggedIn = false; this.#dropPagePin(); }
    this.#state.signId = cert.id;
    this.#state.currentId = cert.id;
  }

  async #byIndex(params) {
    const index = P.indexParam(params);
    const certs = await this.#signCerts();
    if (index === null || index >= certs.length) throw new Refusal('CERT_NOT_FOUND', 'legacy_NO_SUCH_CERT');
    return certs[index];
  }

  // ---- PIN handed over by the page (Login{pin}, only where the policy allows it) ----

  #dropPagePin() {
    clearTimeout(this.#pagePinTimer);
    this.#pagePin = null;
  }

  async #sign(bytes) {
    if (bytes === null) throw new Refusal('BAD_REQUEST', 'legacy_NOT_TEXT');
    const cert = await this.#signing();
    const pagePin = this.#pagePin;
    this.#dropPagePin();
    let token;
    try {
      token = await this.#withWindow(async (openDialog, timeouts) => signLegacy(cert, P.bytesToBase64(bytes), {
        session: this.#sessionFor(), origin: this.#origin, view: certView(cert, this.#names),
        hash: this.#policy.hash === 'sha256' ? 'sha256' : 'sha1', timeouts, openDialog,
      }, pagePin));
    } catch (error) {
      if (error?.code === 'HOST_UNAVAILABLE' || error?.code === 'TOKEN_NOT_RESPONDING') this.#closeSession();
      throw error;
    } finally {
      if (this.#session) this.#sessionTimer = setTimeout(() => this.#closeSession(), SESSION_IDLE_MS);
    }
    this.#state.loggedIn = true;
    let signature = token.signature;
    if (token.algorithm === 'SM2-SM3' && this.#policy.sm2Signature === 'raw') {
      const raw = P.derToRaw(Uint8Array.from(atob(signature), (c) => c.charCodeAt(0)));
      if (raw === null) throw extensionError('INTERNAL_ERROR', {}, 'err_INTERNAL_ERROR', 'SM2 signature');
      signature = P.bytesToBase64(raw);
    }
    return { signature };
  }

  #sessionFor() {
    clearTimeout(this.#sessionTimer);
    this.#session ??= new NativeSession();
    return this.#session;
  }

  // ---- the functions served (HANDLERS below names them) ----

  async selectSignCert() {
    const certs = await this.#signCerts();
    if (certs.length === 0) throw extensionError('NO_TOKEN', {});
    if (certs.length === 1) { this.#select(certs[0]); return; }
    const chosen = await this.#withWindow(async (openDialog) => {
      const dialog = openDialog();
      await dialog.show('chooser.html', { origin: this.#origin, certificates: certs.map((c) => certView(c, this.#names)) });
      for (;;) {
        const answer = await dialog.next();
        const cert = answer.type === 'choose' && certs.find((c) => c.id === answer.certificateId);
        if (cert) return cert;
      }
    });
    this.#select(chosen);
  }

  async getSignCertCount() { return { count: (await this.#signCerts()).length }; }

  async getSignCert(params) { this.#select(await this.#byIndex(params)); }

  async getCertList() {
    const certs = await this.#signCerts();
    return { certlist: certs.map((c) => c.certificate).join(';'), certsnlist: certs.map((c) => c.serialNumber).join(';') };
  }

  async getSubjectItem(params) {
    const cert = await this.#current();
    const index = P.indexParam(params);
    const content = index === null ? null : P.subjectItem(cert.subject?.dn, index);
    if (!content) throw new Refusal('CERT_NOT_FOUND', 'legacy_NO_SUCH_ITEM');
    return { content };
  }

  async getSignCertNotAfter(params) { return { certnotafter: (await this.#byIndex(params)).notAfter }; }

  async getCertB64() { return { cert: (await this.#current()).certificate }; }

  async isCertOnline(params) {
    const certs = await this.#signCerts();
    return { result: certs.some((c) => c.subject?.CN === params.cn) ? 1 : 0 };
  }

  // 1 after UILogin, Login or a signature with the sign certificate on this connection.
  async isCertLogined(params) {
    const cert = this.#state.signId && this.#state.loggedIn ? await this.#signing() : null;
    const matches = cert !== null && (typeof params.cn !== 'string' || params.cn === '' || cert.subject?.CN === params.cn);
    return { result: matches ? 1 : 0 };
  }

  async reloadDevice() { this.#certs = null; }

  // UILogin: cabridge keeps no PIN between calls, so the PIN window opens for the signature that
  // follows (docs/legacy-bridge.md). Here the key and certificate are checked, so "no key" and
  // "expired" come back at UILogin as the page expects.
  async uiLogin() {
    const cert = await this.#current();
    if (cert.expired) throw extensionError('CERTIFICATE_EXPIRED', {});
    this.#state.signId ??= cert.id;
    this.#state.loggedIn = true; // as the page sees it; the PIN itself is asked at the signature
  }

  async login(params) {
    if (this.#policy.origin?.pinFromPage !== true) throw new Refusal('NOT_ALLOWED', 'legacy_PIN_FROM_PAGE_REFUSED');
    await this.#signing();
    if (typeof params.pin !== 'string' || params.pin === '') throw extensionError('PIN_INVALID', {});
    this.#dropPagePin();
    this.#pagePin = params.pin;
    params.pin = undefined;
    this.#pagePinTimer = setTimeout(() => this.#dropPagePin(), PAGE_PIN_MS);
    this.#state.loggedIn = true;
  }

  async logout() {
    this.#dropPagePin();
    this.#state.loggedIn = false;
    return { result: 0 };
  }

  signText(params) { return this.#sign(P.signTextBytes(params.signText)); }

  signB64(params) { return this.#sign(P.signB64Bytes(params.b64data)); }

  readRegB64(params) {
    // Only the helper's `version` value; every other registry read (p11ObjectDebug among them)
    // answers "not supported", which the clients expect for a value that is not set.
    let name = '';
    try { name = new TextDecoder().decode(Uint8Array.from(atob(String(params.name ?? '')), (c) => c.charCodeAt(0))); } catch { name = ''; }
    if (name !== 'version') throw new Refusal('NOT_SUPPORTED', 'legacy_NOT_SUPPORTED');
    return { value: Number.isSafeInteger(this.#policy.helperVersion) ? this.#policy.helperVersion : 0 };
  }
}

const proto = LegacyConnection.prototype;
const HANDLERS = Object.freeze({
  SelectSignCert: proto.selectSignCert,
  GetSignCertCount: proto.getSignCertCount,
  GetCertCount: proto.getSignCertCount, // the extension lists signing certificates only
  GetSignCert: proto.getSignCert,
  GetCertList: proto.getCertList,
  GetSubjectItem: proto.getSubjectItem,
  GetSignCertNotAfter: proto.getSignCertNotAfter,
  GetCertB64: proto.getCertB64,
  IsCertOnline: proto.isCertOnline,
  IsCertLogined: proto.isCertLogined,
  ReloadDevice: proto.reloadDevice,
  UILogin: proto.uiLogin,
  Login: proto.login,
  Logout: proto.logout,
  SignText: proto.signText,
  SignB64: proto.signB64,
  ReadRegB64: proto.readRegB64,
});
