// Content script (extension world) on the administrator's legacyOrigins pages only
// (registration.js): carries page-shim.js's socket frames to the service worker over one
// "cabridge-legacy" port per socket. Each socket hands over a MessagePort, so frames never pass
// through window.postMessage. When the worker stops, the requests it had not answered get the
// helper's error form (the page's socket stays open, as the helper's clients need) and the next
// frame opens a new port, which takes the certificate selection this script kept.
(() => {
  'use strict';
  const TAG = 'cabridge-legacy';
  const RESTARTED_RET = 1107; // error-map.js RET.UNAVAILABLE

  const funcOf = (frame) => {
    const parts = frame.split('|', 3);
    return parts[0] === '1' && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(parts[1] ?? '') ? parts[1] : null;
  };
  const failure = (func) => `1|${func}|${JSON.stringify({
    ret: RESTARTED_RET,
    msg: chrome.i18n.getMessage('legacy_RESTARTED') || 'cabridge restarted',
  }).replace(/\|/g, '\\u007c')}`;

  function serve(socketPort) {
    let port = null;
    let state = null; // {signId, currentId, loggedIn} as the worker last said
    let nextSeq = 1;
    const pending = new Map(); // seq -> frame

    const connect = () => {
      port = chrome.runtime.connect({ name: 'cabridge-legacy' });
      port.onMessage.addListener((message) => {
        if (message?.type !== 'reply' || !pending.has(message.seq) || typeof message.data !== 'string') return;
        pending.delete(message.seq);
        if (message.state && typeof message.state === 'object') state = message.state;
        socketPort.postMessage({ type: 'frame', data: message.data });
      });
      port.onDisconnect.addListener(() => {
        port = null;
        const unanswered = [...pending.values()];
        pending.clear();
        for (const frame of unanswered) {
          const func = funcOf(frame);
          if (func !== null) socketPort.postMessage({ type: 'frame', data: failure(func) });
          else if (frame.startsWith('0|')) send(frame); // a hello is simply asked again
        }
      });
    };

    const send = (frame) => {
      try {
        if (port === null) connect();
        const seq = nextSeq++;
        pending.set(seq, frame);
        port.postMessage({ type: 'frame', seq, data: frame, state });
      } catch {
        // The extension was reloaded under this page: its context is gone.
        const func = funcOf(frame);
        if (func !== null) socketPort.postMessage({ type: 'frame', data: failure(func) });
      }
    };

    socketPort.onmessage = (event) => {
      const message = event.data;
      if (message?.type === 'send' && typeof message.data === 'string') send(message.data);
      else if (message?.type === 'close') {
        try { port?.disconnect(); } catch { /* already gone */ }
        port = null;
        socketPort.close();
      }
    };
  }

  window.addEventListener('message', (event) => {
    if (event.source !== window || event.data?.[TAG] === undefined) return;
    if (event.data[TAG] === 'open' && event.ports.length === 1) serve(event.ports[0]);
    else if (event.data[TAG] === 'shim-hello') window.postMessage({ [TAG]: 'bridge-ready' }, location.origin);
  });
  window.postMessage({ [TAG]: 'bridge-ready' }, location.origin);
})();
