// Runs in the page's own world, at document start, on the administrator's legacyOrigins pages
// only (registration.js). `new WebSocket("ws://localhost:17212/test")` (also 127.0.0.1 and [::1]),
// the address of HeBCA's certificate helper, returns an object that behaves like a WebSocket and
// talks to the extension through bridge.js; nothing listens on any port. Every other URL gets
// the browser's own WebSocket, unchanged.
(() => {
  'use strict';
  const TAG = 'cabridge-legacy';
  const NativeWebSocket = window.WebSocket;
  if (typeof NativeWebSocket !== 'function' || NativeWebSocket.cabridgeLegacy) return;

  const HELPER_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
  function isHelperUrl(url) {
    let u;
    try { u = new URL(String(url), location.href); } catch { return false; }
    return u.protocol === 'ws:' && HELPER_HOSTS.has(u.hostname) && u.port === '17212' && u.pathname === '/test'
      && u.search === '' && u.hash === '';
  }

  // bridge.js may start before or after this script: hand over sockets once it said it is there.
  let bridgeReady = false;
  const waiting = [];
  window.addEventListener('message', (event) => {
    if (event.source !== window || event.data?.[TAG] !== 'bridge-ready' || bridgeReady) return;
    bridgeReady = true;
    for (const hand of waiting.splice(0)) hand();
  });
  window.postMessage({ [TAG]: 'shim-hello' }, location.origin);
  const whenBridgeReady = (hand) => (bridgeReady ? hand() : waiting.push(hand));

  const CONNECTING = 0;
  const OPEN = 1;
  const CLOSING = 2;
  const CLOSED = 3;

  class HelperSocket extends EventTarget {
    url;
    readyState = CONNECTING;
    protocol = '';
    extensions = '';
    bufferedAmount = 0;
    binaryType = 'blob';
    onopen = null;
    onmessage = null;
    onerror = null;
    onclose = null;
    #port;

    constructor(url) {
      super();
      this.url = new URL(String(url), location.href).href;
      const channel = new MessageChannel();
      this.#port = channel.port1;
      this.#port.onmessage = (event) => {
        if (this.readyState !== OPEN || event.data?.type !== 'frame' || typeof event.data.data !== 'string') return;
        this.#fire(new MessageEvent('message', { data: event.data.data, origin: new URL(this.url).origin }));
      };
      whenBridgeReady(() => window.postMessage({ [TAG]: 'open' }, location.origin, [channel.port2]));
      // Like a real socket: open later, so the page can set onopen after the constructor returns.
      setTimeout(() => {
        if (this.readyState !== CONNECTING) return;
        this.readyState = OPEN;
        this.#fire(new Event('open'));
      }, 0);
    }

    send(data) {
      if (this.readyState === CONNECTING) {
        throw new DOMException("Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.", 'InvalidStateError');
      }
      if (this.readyState !== OPEN) return;
      this.#port.postMessage({ type: 'send', data: String(data) });
    }

    close(code = 1000, reason = '') {
      if (this.readyState === CLOSING || this.readyState === CLOSED) return;
      this.readyState = CLOSED;
      this.#port.postMessage({ type: 'close' });
      this.#port.close();
      setTimeout(() => this.#fire(new CloseEvent('close', { wasClean: true, code, reason: String(reason) })), 0);
    }

    #fire(event) {
      const handler = this[`on${event.type}`];
      if (typeof handler === 'function') {
        try { handler.call(this, event); } catch (e) { setTimeout(() => { throw e; }, 0); }
      }
      this.dispatchEvent(event);
    }
  }
  for (const [name, value] of Object.entries({ CONNECTING, OPEN, CLOSING, CLOSED })) {
    Object.defineProperty(HelperSocket, name, { value, enumerable: true });
    Object.defineProperty(HelperSocket.prototype, name, { value, enumerable: true });
  }

  function WebSocket(url, protocols) {
    if (new.target === undefined) throw new TypeError("Failed to construct 'WebSocket': Please use the 'new' operator.");
    if (isHelperUrl(url)) return new HelperSocket(url);
    return protocols === undefined ? new NativeWebSocket(url) : new NativeWebSocket(url, protocols);
  }
  WebSocket.prototype = NativeWebSocket.prototype;
  for (const name of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) {
    Object.defineProperty(WebSocket, name, { value: NativeWebSocket[name], enumerable: true });
  }
  Object.defineProperty(WebSocket, 'cabridgeLegacy', { value: true });
  Object.defineProperty(window, 'WebSocket', { value: WebSocket, writable: true, configurable: true, enumerable: false });
})();
