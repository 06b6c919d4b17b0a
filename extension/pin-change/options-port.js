// The options page's "修改口令" and "解锁" buttons, served in the service worker: the options
// page names a site the person allowed and a certificate it listed for that site; the change
// runs in the extension's own window (pin-change-flow.js), as a page's changePin does, and the
// options page hears only {} or the error. Only the extension's own options page is served.
import { toWireError, extensionError } from '../lib/errors.js';
import { runFlow } from '../lib/flows.js';
import { loadTimeouts } from '../lib/timeouts.js';

const ACTIONS = new Set(['changePin', 'unblockPin']);
const ORIGIN = /^https?:\/\/[^/]+$/;

export function serveOptionsPort(port) {
  if (!port.sender?.url?.startsWith(chrome.runtime.getURL('options.html'))) { port.disconnect(); return; }
  let abort = null;
  let done = false;
  const reply = (message) => {
    if (done) return;
    done = true;
    try { port.postMessage(message); port.disconnect(); } catch { /* options page closed */ }
  };
  port.onDisconnect.addListener(() => { done = true; abort?.(); });
  port.onMessage.addListener(async (message) => {
    if (abort !== null || done) return; // one action per port
    abort = () => {};
    try {
      const { action, origin, certificateId } = message ?? {};
      if (!ACTIONS.has(action)) throw extensionError('INVALID_ARGUMENT', { argument: 'action' }, 'err_INVALID_ARGUMENT', 'action');
      if (typeof origin !== 'string' || !ORIGIN.test(origin) || origin.length > 255) {
        throw extensionError('INVALID_ARGUMENT', { argument: 'origin' }, 'err_INVALID_ARGUMENT', 'origin');
      }
      if (typeof certificateId !== 'string' || certificateId.length === 0 || certificateId.length > 256) {
        throw extensionError('INVALID_ARGUMENT', { argument: 'certificateId' }, 'err_INVALID_ARGUMENT', 'certificateId');
      }
      const result = await runFlow(action, {
        id: crypto.randomUUID(), origin, params: { certificateId }, timeouts: await loadTimeouts(),
        onAbort: (fn) => { abort = fn; if (done) fn(); },
        beforeWindow: async () => {},
      });
      reply({ result });
    } catch (error) {
      reply({ error: toWireError(error) });
    }
  });
}
