// Service worker: receives page requests from content.js over a "cabridge-page"
// port, runs one flow per tab, and answers on the same port. Nothing that
// matters lives only in globals: a flow is tied to its ports, so if the worker
// is stopped the ports die, the content script tells the page, and leftover
// dialog windows are closed on the next start.
import { attachDialogPort, closeOrphanedDialogs, onWindowRemoved } from './lib/dialog-window.js';
import { extensionError, toWireError } from './lib/errors.js';
import { runFlow } from './lib/flows.js';
import { parsePageRequest, senderOrigin } from './lib/page-request.js';
import { checkMayOpenWindow, forgetTab, noteCancelled } from './lib/prompt-guard.js';
import { loadTimeouts } from './lib/timeouts.js';
import { serveOptionsPort } from './pin-change/options-port.js';
import { startLegacyRegistration } from './legacy/registration.js';
import { serveLegacyPort } from './legacy/server.js';

const busyTabs = new Set();

chrome.runtime.onConnect.addListener((port) => {
  if (port.sender?.id !== chrome.runtime.id) { port.disconnect(); return; }
  if (port.name === 'cabridge-dialog') attachDialogPort(port);
  else if (port.name === 'cabridge-page') servePagePort(port);
  else if (port.name === 'cabridge-legacy') serveLegacyPort(port); // HeBCA helper pages (legacy/)
  else if (port.name === 'cabridge-options') serveOptionsPort(port); // the options page's PIN buttons
  else port.disconnect();
});

chrome.windows.onRemoved.addListener(onWindowRemoved);
chrome.tabs.onRemoved.addListener((tabId) => { forgetTab(tabId); });

// Cancels by the person start (or lengthen) the tab's backoff; a cancel the guard
// itself answered, or a flow ended by the page going away, does not.
const PERSON_CANCELLED = new Set(['cancel-button', 'window-closed']);

closeOrphanedDialogs();
startLegacyRegistration();

function servePagePort(port) {
  const tabId = port.sender?.tab?.id;
  let done = false;
  let abort = null;
  const reply = (message) => {
    if (done) return;
    done = true;
    try { port.postMessage(message); port.disconnect(); } catch { /* page already gone */ }
  };
  port.onDisconnect.addListener(() => { done = true; abort?.(); });
  port.onMessage.addListener(async (message) => {
    if (abort !== null || done) return; // one request per port
    abort = () => {};
    let ownsTab = false;
    try {
      if (tabId === undefined) throw extensionError('INVALID_ARGUMENT', {}, 'err_INVALID_ARGUMENT', 'tab');
      const origin = senderOrigin(port.sender);
      const { action, params } = parsePageRequest(message);
      if (busyTabs.has(tabId)) throw extensionError('ACTION_PENDING');
      busyTabs.add(tabId);
      ownsTab = true;
      const timeouts = await loadTimeouts();
      let windowOpened = false;
      try {
        const result = await runFlow(action, {
          id: crypto.randomUUID(), origin, params, timeouts,
          onAbort: (fn) => { abort = fn; if (done) fn(); },
          beforeWindow: async () => { await checkMayOpenWindow(tabId); windowOpened = true; },
        });
        if (windowOpened) await forgetTab(tabId);
        reply({ result });
      } catch (error) {
        if (windowOpened && error?.code === 'USER_CANCELLED' && PERSON_CANCELLED.has(error.details?.reason)) {
          await noteCancelled(tabId, timeouts.cancelBackoffMs);
        }
        throw error;
      }
    } catch (error) {
      reply({ error: toWireError(error) });
    } finally {
      if (ownsTab) busyTabs.delete(tabId);
    }
  });
}
