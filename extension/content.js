// Content script: the bridge between the portal page and the extension.
// It answers only its own window, only messages tagged for cabridge, acks at
// once so the page knows the extension is here, and never forwards anything
// the page says about its origin: the service worker takes the origin from
// the browser.
(() => {
  'use strict';
  const ACTIONS = new Set(['detect', 'readCertificate', 'login', 'changePin',
    'enroll', 'installCertificate', 'unlockChallenge', 'unlockWithResponse']);
  const pending = new Set();

  const post = (message) => window.postMessage({ cabridge: 'response', ...message }, location.origin);
  const validId = (id) => (typeof id === 'string' && id.length > 0 && id.length <= 128)
    || (Number.isSafeInteger(id));

  window.addEventListener('message', (event) => {
    if (event.source !== window || event.origin !== location.origin) return;
    const data = event.data;
    if (!data || typeof data !== 'object' || data.cabridge !== 'request') return;
    const { id } = data;
    if (!validId(id)) return; // nothing to reply to
    window.postMessage({ cabridge: 'ack', id }, location.origin);

    if (!ACTIONS.has(data.action)) {
      post({ id, error: { code: 'INVALID_ARGUMENT', message: chrome.i18n.getMessage('err_INVALID_ARGUMENT', ['action']), details: { argument: 'action' } } });
      return;
    }
    if (pending.has(id)) return; // a duplicate id is already being served

    let port;
    try {
      port = chrome.runtime.connect({ name: 'cabridge-page' });
    } catch {
      // Extension reloaded under this page: its context is gone.
      post({ id, error: { code: 'EXTENSION_UNAVAILABLE', message: '证书助手扩展已更新或停用，请刷新页面后重试。', details: {} } });
      return;
    }
    pending.add(id);
    let answered = false;
    port.onMessage.addListener((reply) => {
      answered = true;
      pending.delete(id);
      post(reply.error ? { id, error: reply.error } : { id, result: reply.result });
    });
    port.onDisconnect.addListener(() => {
      pending.delete(id);
      if (!answered) {
        // The worker stopped mid-flow: fail cleanly instead of leaving the page waiting.
        post({ id, error: { code: 'HOST_UNAVAILABLE', message: chrome.i18n.getMessage('err_EXTENSION_RESTARTED'), details: { reason: 'extension-restarted' } } });
      }
    });
    // Forward a fresh object of known fields only; nothing else from the page.
    port.postMessage({ action: data.action, params: data.params ?? {} });
  });
})();
