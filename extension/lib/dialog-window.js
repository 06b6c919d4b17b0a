// The extension's own popup window (chooser, PIN dialog) as seen from the
// service worker. The page in the window connects back with a port named
// "cabridge-dialog" and says hello with its flow id; from then on the worker
// pushes views to it and awaits the person's answers with next().
import { extensionError } from './errors.js';

const OPEN_WINDOWS_KEY = 'openDialogWindows';
const byFlow = new Map();   // flowId -> DialogWindow
const byWindow = new Map(); // windowId -> DialogWindow

/** Called for every port named "cabridge-dialog". */
export function attachDialogPort(port) {
  const onHello = (message) => {
    port.onMessage.removeListener(onHello);
    const dialog = message?.type === 'hello' ? byFlow.get(message.flowId) : undefined;
    // Only a page inside the window we opened for this flow may speak for it.
    if (!dialog || port.sender?.tab?.windowId !== dialog.windowId) {
      port.disconnect();
      return;
    }
    dialog.attach(port);
  };
  port.onMessage.addListener(onHello);
}

/** chrome.windows.onRemoved: the person closed the window = cancel. */
export function onWindowRemoved(windowId) {
  byWindow.get(windowId)?.closedByPerson();
}

/**
 * Windows left over from a previous life of the service worker belong to flows
 * that already failed (their ports died with the worker): close them.
 */
export function closeOrphanedDialogs() {
  orphansClosed = (async () => {
    const { [OPEN_WINDOWS_KEY]: ids = [] } = await chrome.storage.session.get(OPEN_WINDOWS_KEY);
    await Promise.all(ids.map((id) => chrome.windows.remove(id).catch(() => {})));
    await chrome.storage.session.set({ [OPEN_WINDOWS_KEY]: [] });
  })().catch(() => {});
  return orphansClosed;
}
let orphansClosed = Promise.resolve();

async function rememberWindows() {
  await chrome.storage.session.set({ [OPEN_WINDOWS_KEY]: [...byWindow.keys()] });
}

export class DialogWindow {
  windowId = null;
  #tabId = null;
  #flowId;
  #userMs;
  #view = null;
  #port = null;
  #answers = [];
  #waiter = null; // {resolve, reject, timer}
  #endError = null;
  #beforeOpen;

  /** `beforeOpen`: async check run before the window is created; it throws to refuse. */
  constructor(flowId, userMs, beforeOpen = async () => {}) {
    this.#flowId = flowId;
    this.#userMs = userMs;
    this.#beforeOpen = beforeOpen;
    byFlow.set(flowId, this);
  }

  /** Shows `page` (consent, chooser or pin .html) with `view`, opening the window the first time. */
  async show(page, view, size = { width: 460, height: 560 }) {
    this.#throwIfEnded();
    this.#view = view;
    const url = chrome.runtime.getURL(`${page}#${encodeURIComponent(this.#flowId)}`);
    if (this.windowId === null) {
      await this.#beforeOpen();
      this.#throwIfEnded();
      await orphansClosed; // never let start-up cleanup close a window of ours
      const win = await chrome.windows.create({ url, type: 'popup', focused: true, ...size });
      this.windowId = win.id;
      this.#tabId = win.tabs?.[0]?.id ?? null;
      byWindow.set(win.id, this);
      await rememberWindows();
      if (this.#endError) {
        // The flow ended while the window was being created.
        byWindow.delete(win.id);
        this.windowId = null;
        chrome.windows.remove(win.id).catch(() => {});
        this.#throwIfEnded();
      }
    } else {
      // Navigating replaces the page; its port dies with it. Disconnecting it
      // here would make the old page close the whole window.
      this.#port = null;
      await chrome.tabs.update(this.#tabId, { url });
    }
  }

  /** Replaces what the current page shows (e.g. "wrong PIN, 2 tries left"). */
  update(view) {
    this.#view = view;
    this.#port?.postMessage({ type: 'view', view });
  }

  /**
   * The person's next answer ({type: 'choose'|'submit'|'cancel', ...}).
   * Rejects USER_CANCELLED when the window is closed and USER_TIMEOUT when
   * nothing comes within the user time.
   */
  next() {
    this.#throwIfEnded();
    if (this.#answers.length) return Promise.resolve(this.#answers.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#end(extensionError('USER_TIMEOUT', { timeoutMs: this.#userMs })), this.#userMs);
      this.#waiter = { resolve, reject, timer };
    });
  }

  attach(port) {
    this.#detachPort();
    this.#port = port;
    port.onMessage.addListener((message) => this.#onAnswer(message));
    port.onDisconnect.addListener(() => { if (this.#port === port) this.#port = null; });
    if (this.#view) port.postMessage({ type: 'view', view: this.#view });
  }

  closedByPerson() {
    byWindow.delete(this.windowId);
    this.windowId = null; // already gone
    this.#end(extensionError('USER_CANCELLED', { reason: 'window-closed' }));
  }

  /** Ends the dialog: pending next() rejects with USER_CANCELLED, the window closes. */
  close() {
    this.#end(extensionError('USER_CANCELLED', { reason: 'flow-ended' }));
  }

  #onAnswer(message) {
    if (!message || typeof message.type !== 'string') return;
    if (message.type === 'cancel') {
      this.#end(extensionError('USER_CANCELLED', { reason: 'cancel-button' }));
      return;
    }
    if (this.#waiter) {
      const { resolve, timer } = this.#waiter;
      clearTimeout(timer);
      this.#waiter = null;
      resolve(message);
    } else {
      this.#answers.push(message);
    }
  }

  #end(error) {
    if (this.#endError) return;
    this.#endError = error;
    this.#answers.length = 0; // may hold a PIN nobody will use
    if (this.#waiter) {
      clearTimeout(this.#waiter.timer);
      this.#waiter.reject(error);
      this.#waiter = null;
    }
    this.#detachPort();
    byFlow.delete(this.#flowId);
    if (this.windowId !== null) {
      byWindow.delete(this.windowId);
      chrome.windows.remove(this.windowId).catch(() => {});
      this.windowId = null;
    }
    rememberWindows().catch(() => {});
  }

  #detachPort() {
    const port = this.#port;
    this.#port = null;
    if (port) port.disconnect();
  }

  #throwIfEnded() {
    if (this.#endError) throw this.#endError;
  }
}
