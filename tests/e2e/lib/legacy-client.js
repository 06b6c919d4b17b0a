// A HeBCA helper client for the tests, written from the protocol's description (the public
// clients' behaviour as docs/legacy-bridge.md sums it up), not copied from any client: it opens
// ws://localhost:17212/test when constructed, sends `0|<ms>`, waits for a `0|...Welcome...`
// greeting, then sends `1|Func[|json]` with the JSON built by string concatenation (no
// escaping, bare `undefined` for missing numbers), replaces onmessage for every request,
// matches the reply by function name only, splits it on every `|` and evaluates field 2.
// Success is `ret == 0`; a close reports 1004 like the real clients. Plain script: it runs as
// a portal page's own code would.
(function () {
  'use strict';
  function LegacyHelper(options) {
    var self = this;
    options = options || {};
    self.failures = [];
    self.closed = false;
    self.socket = new WebSocket(options.url || 'ws://localhost:17212/test');
    self.ready = new Promise(function (resolve, reject) {
      self.socket.onopen = function () { self.socket.send('0|' + Date.now()); };
      self.socket.onmessage = function (event) {
        var fields = String(event.data).split('|');
        if (fields[0] === '0' && fields.length > 1 && fields[1].indexOf('Welcome') >= 0) resolve();
      };
      self.socket.onerror = function () { self.failures.push(1004); reject(Object.assign(new Error('1004'), { err: 1004 })); };
      self.socket.onclose = function () { self.closed = true; self.failures.push(1004); reject(Object.assign(new Error('1004'), { err: 1004 })); };
    });
  }

  // One request; resolves the evaluated reply object when ret == 0, rejects {err, message} otherwise.
  LegacyHelper.prototype.call = function (func, json) {
    var socket = this.socket;
    return new Promise(function (resolve, reject) {
      socket.onmessage = function (event) {
        var fields = String(event.data).split('|');
        if (fields[1] !== func) return;
        // eslint-disable-next-line no-eval
        var reply = eval('(' + fields[2] + ')');
        if (reply.ret == 0) resolve(reply);
        else reject(Object.assign(new Error(reply.msg), { err: reply.ret }));
      };
      socket.send('1|' + func + (json === undefined ? '' : '|' + json));
    });
  };

  // The raw reply frame for any text sent (tests of malformed frames), by function name or the first frame.
  LegacyHelper.prototype.raw = function (text, func) {
    var socket = this.socket;
    return new Promise(function (resolve) {
      socket.onmessage = function (event) {
        if (func === undefined || String(event.data).split('|')[1] === func) resolve(String(event.data));
      };
      socket.send(text);
    });
  };

  var p = LegacyHelper.prototype;
  p.selectSignCert = function () { return this.call('SelectSignCert'); };
  p.getSignCertCount = function () { return this.call('GetSignCertCount'); };
  p.getSignCert = function (i) { return this.call('GetSignCert', '{"index":' + i + '}'); };
  p.getCertList = function () { return this.call('GetCertList'); };
  p.getCertB64 = function () { return this.call('GetCertB64'); };
  p.getSubjectItem = function (i) { return this.call('GetSubjectItem', '{"index":' + i + '}'); };
  p.getSignCertNotAfter = function (i) { return this.call('GetSignCertNotAfter', '{"index":' + i + '}'); };
  p.uiLogin = function () { return this.call('UILogin'); };
  p.login = function (pin) { return this.call('Login', '{"pin":"' + pin + '"}'); };
  p.logout = function () { return this.call('Logout'); };
  p.isCertLogined = function (cn) { return this.call('IsCertLogined', '{"cn":"' + cn + '"}'); };
  p.signText = function (text) { return this.call('SignText', '{"signText":"' + text + '"}'); };
  p.signB64 = function (b64) { return this.call('SignB64', '{"b64data":"' + b64 + '"}'); };
  p.readReg = function (keyB64, nameB64) { return this.call('ReadRegB64', '{"key":"' + keyB64 + '","name":"' + nameB64 + '"}'); };

  // The read-certificate-then-login sequence of HeBCA portals, with R from the page's server.
  p.readCertificateThenLogin = function (random) {
    var self = this;
    var out = {};
    return self.selectSignCert()
      .then(function () { return self.getCertB64(); })
      .then(function (r) { out.boundCert = r.cert; return self.getSubjectItem(0); })
      .then(function (r) { out.cn = r.content; return self.getSignCertNotAfter(0); })
      .then(function (r) { out.notAfter = r.certnotafter; return self.uiLogin(); })
      .then(function () { return self.signText(random); })
      .then(function (r) { out.signature = r.signature; return self.getCertB64(); })
      .then(function (r) { out.cert = r.cert; return out; });
  };

  window.LegacyHelper = LegacyHelper;
})();
