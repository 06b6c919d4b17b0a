// GENERATED from cabridge.js by make-module.mjs; edit cabridge.js, then run
// `node make-module.mjs > cabridge.mjs`. Self-contained: serve it alone. Unlike cabridge.js
// it does not define window.cabridge.
const scope = {};
/*
 * cabridge page library (protocol v1): lets a portal page use a USB-key
 * certificate through the cabridge browser extension.
 *
 *   <script src="/cabridge.js"></script>           -> window.cabridge
 *   import cabridge from './cabridge.mjs';          -> the same API as an ES module
 *   (cabridge.mjs is this file made a module by make-module.mjs; it needs nothing beside it)
 *
 * cabridge.detect({timeout})                 -> {extension, host, plugins}
 * cabridge.readCertificate({vendor})         -> CertInfo
 * cabridge.login({challenge, vendor, mode})  -> AuthToken (verify it on the server)
 * cabridge.changePin({vendor})               -> {} once the person changed the key's PIN
 *
 * For the CA's own site only (its enrolment origins; every other origin gets ORIGIN_NOT_ALLOWED):
 * cabridge.enroll({vendor, keyType, subject})  -> {csr, keyId, certificateId}
 * cabridge.installCertificate({certificate, keyId, certificateId, replace}) -> {certificateId}
 * cabridge.unlockChallenge({vendor})         -> {challenge, serial, certificateId}
 * cabridge.unlockWithResponse({certificateId, response}) -> {} once the person set a new PIN
 *
 * Failures reject with a CabridgeError: .code (docs/protocol.md section 6),
 * .message (Chinese, for the person), .details. One action at a time per page:
 * a second call while one is pending rejects with ACTION_PENDING.
 */
(function (global) {
  'use strict';

  var ACK_TIMEOUT_MS = 1000;
  // Safety nets only: the extension has its own, shorter deadlines.
  var DEFAULT_TIMEOUT_MS = {
    detect: 15000, readCertificate: 300000, login: 300000, changePin: 600000,
    enroll: 600000, installCertificate: 600000, unlockChallenge: 300000, unlockWithResponse: 600000,
  };

  var MESSAGES = {
    EXTENSION_UNAVAILABLE: '未检测到 cabridge 证书助手浏览器扩展，请先安装并启用扩展，然后刷新页面。',
    ACTION_PENDING: '已有一个证书操作正在进行，请先完成或取消它。',
    HOST_UNAVAILABLE: '证书助手没有响应，请重试；如多次出现请重新安装 cabridge。',
    INVALID_ARGUMENT: '调用参数不正确：',
  };

  class CabridgeError extends Error {
    constructor(code, message, details) {
      super(message);
      this.name = 'CabridgeError';
      this.code = code;
      this.details = details || {};
    }
  }

  var pending = false;
  var counter = 0;

  function newId() {
    counter += 1;
    var random = Math.random().toString(36).slice(2, 10);
    return 'cabridge-' + Date.now().toString(36) + '-' + counter + '-' + random;
  }

  /** Sends one request to the extension's content script and waits for its answer. */
  function request(action, params, timeoutMs) {
    if (pending) {
      return Promise.reject(new CabridgeError('ACTION_PENDING', MESSAGES.ACTION_PENDING, {}));
    }
    pending = true;
    var id = newId();
    return new Promise(function (resolve, reject) {
      var acked = false;
      var ackTimer;
      var doneTimer;
      function finish() {
        pending = false;
        clearTimeout(ackTimer);
        clearTimeout(doneTimer);
        window.removeEventListener('message', onMessage);
      }
      function onMessage(event) {
        if (event.source !== window) return;
        var data = event.data;
        if (!data || typeof data !== 'object' || data.id !== id) return;
        if (data.cabridge === 'ack') {
          acked = true;
          clearTimeout(ackTimer);
        } else if (data.cabridge === 'response') {
          finish();
          if (data.error) {
            var e = data.error;
            reject(new CabridgeError(String(e.code || 'INTERNAL_ERROR'), String(e.message || e.code), e.details));
          } else {
            resolve(data.result);
          }
        }
      }
      window.addEventListener('message', onMessage);
      ackTimer = setTimeout(function () {
        if (acked) return;
        finish();
        reject(new CabridgeError('EXTENSION_UNAVAILABLE', MESSAGES.EXTENSION_UNAVAILABLE, {}));
      }, ACK_TIMEOUT_MS);
      doneTimer = setTimeout(function () {
        finish();
        reject(new CabridgeError('HOST_UNAVAILABLE', MESSAGES.HOST_UNAVAILABLE, { reason: 'timeout', timeoutMs: timeoutMs }));
      }, timeoutMs);
      window.postMessage({ cabridge: 'request', id: id, action: action, params: params }, window.location.origin);
    });
  }

  function options(value) {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object') throw new CabridgeError('INVALID_ARGUMENT', MESSAGES.INVALID_ARGUMENT + 'options', { argument: 'options' });
    return value;
  }

  function rejectInvalid(name) {
    return Promise.reject(new CabridgeError('INVALID_ARGUMENT', MESSAGES.INVALID_ARGUMENT + name, { argument: name }));
  }

  /** Is the extension installed, and its native host? Resolves {extension, host, plugins}. */
  function detect(opts) {
    var o;
    try { o = options(opts); } catch (e) { return Promise.reject(e); }
    var timeout = o.timeout === undefined ? DEFAULT_TIMEOUT_MS.detect : o.timeout;
    if (typeof timeout !== 'number' || !(timeout >= ACK_TIMEOUT_MS)) return rejectInvalid('timeout');
    return request('detect', {}, timeout);
  }

  /** Reads one certificate (the person picks when several match). Resolves CertInfo. */
  function readCertificate(opts) {
    var o;
    try { o = options(opts); } catch (e) { return Promise.reject(e); }
    var params = {};
    if (o.vendor !== undefined) params.vendor = o.vendor;
    return request('readCertificate', params, DEFAULT_TIMEOUT_MS.readCertificate);
  }

  /**
   * Signs the server's challenge (base64 string, 32..1024 bytes; with mode
   * "legacy", 8..256 bytes of UTF-8 text without control characters) after the
   * person picks a certificate and types the PIN in the extension's window.
   * Resolves the AuthToken to send to the server for cabridge-verify.
   */
  function login(opts) {
    var o;
    try { o = options(opts); } catch (e) { return Promise.reject(e); }
    if (typeof o.challenge !== 'string') return rejectInvalid('challenge');
    var params = { challenge: o.challenge };
    if (o.vendor !== undefined) params.vendor = o.vendor;
    if (o.mode !== undefined) params.mode = o.mode;
    return request('login', params, DEFAULT_TIMEOUT_MS.login);
  }

  /**
   * Lets the person change their key's PIN in the extension's own window (old PIN, new PIN
   * twice; the vendor's PIN rules are checked there). The page never sees a PIN or which key:
   * resolves {} once the PIN is changed, rejects USER_CANCELLED when the person closes the
   * window, or with the last error the window showed (e.g. PIN_LOCKED).
   */
  function changePin(opts) {
    var o;
    try { o = options(opts); } catch (e) { return Promise.reject(e); }
    var params = {};
    if (o.vendor !== undefined) params.vendor = o.vendor;
    return request('changePin', params, DEFAULT_TIMEOUT_MS.changePin);
  }

  /** Copies the named keys the caller gave (undefined ones left out) for the extension to check. */
  function pick(o, names) {
    var params = {};
    for (var i = 0; i < names.length; i += 1) {
      if (o[names[i]] !== undefined) params[names[i]] = o[names[i]];
    }
    return params;
  }

  function caCall(action, names) {
    return function (opts) {
      var o;
      try { o = options(opts); } catch (e) { return Promise.reject(e); }
      return request(action, pick(o, names), DEFAULT_TIMEOUT_MS[action]);
    };
  }

  /*
   * The CA's renewal ("老用户延期") and online unlock, for the CA's enrolment origins only
   * (docs/portal-integration.md, "CA sites"). Each opens the extension's own window, where the
   * person sees the site, the key and what will happen and types the PIN; the page never sees one.
   *
   * enroll: a new key pair of keyType ("RSA-2048", "P-256", "SM2") on the key holding the
   * certificate the person picks; resolves {csr (base64 DER PKCS#10 with `subject`, an RFC 2253
   * name), keyId, certificateId}.
   * installCertificate: the certificate the CA issued for that csr (base64 DER) onto the key
   * holding keyId, next to certificateId's certificate, which it replaces when replace is true;
   * resolves {certificateId} of the new one.
   * unlockChallenge: the locked key's unlock request for the CA's server: {challenge, serial,
   * certificateId}. unlockWithResponse: the server's answer; the person sets the new PIN in the
   * extension's window; resolves {}.
   */
  var enroll = caCall('enroll', ['vendor', 'keyType', 'subject']);
  var installCertificate = caCall('installCertificate', ['certificate', 'keyId', 'certificateId', 'replace']);
  var unlockChallenge = caCall('unlockChallenge', ['vendor']);
  var unlockWithResponse = caCall('unlockWithResponse', ['certificateId', 'response']);

  global.cabridge = Object.freeze({
    protocol: 1,
    detect: detect,
    readCertificate: readCertificate,
    login: login,
    changePin: changePin,
    enroll: enroll,
    installCertificate: installCertificate,
    unlockChallenge: unlockChallenge,
    unlockWithResponse: unlockWithResponse,
    CabridgeError: CabridgeError,
  });
})(scope);

const cabridge = scope.cabridge;
export const {
  detect, readCertificate, login, changePin, enroll, installCertificate, unlockChallenge, unlockWithResponse, CabridgeError,
} = cabridge;
export default cabridge;
