// One connectNative port for one flow. Requests go one at a time (the host
// serves them in order) and each has its own deadline; a disconnect fails
// every pending request with the mapped HOST_UNAVAILABLE error.
import { extensionError, hostError, nativeDisconnectError } from './errors.js';

export const HOST_NAME = 'org.cabridge.host';

export class NativeSession {
  #port = null;
  #nextId = 1;
  #pending = new Map(); // id -> {resolve, reject, timer}
  #closedError = null;

  constructor() {
    this.#port = chrome.runtime.connectNative(HOST_NAME);
    this.#port.onMessage.addListener((message) => this.#onMessage(message));
    this.#port.onDisconnect.addListener((port) => {
      // Chromium says why in runtime.lastError, Firefox in port.error.
      this.#closedError = nativeDisconnectError(chrome.runtime.lastError?.message ?? port?.error?.message);
      this.#port = null;
      this.#failAll(this.#closedError);
    });
  }

  /**
   * Sends one request and resolves with its `result`, or rejects with a
   * CabridgeError: the host's own error, HOST_UNAVAILABLE on disconnect, or
   * `timeoutCode` when no answer arrives within `timeoutMs`.
   */
  request(command, origin, args, timeoutMs, timeoutCode = 'HOST_UNAVAILABLE') {
    if (!this.#port) {
      return Promise.reject(this.#closedError ?? nativeDisconnectError(undefined));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        const error = timeoutCode === 'TOKEN_NOT_RESPONDING'
          ? extensionError('TOKEN_NOT_RESPONDING', { command, timeoutMs })
          : extensionError('HOST_UNAVAILABLE', { reason: 'timeout', command, timeoutMs }, 'err_HOST_TIMEOUT');
        reject(error);
        // A host that missed its deadline is in an unknown state: drop it.
        this.close();
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      try {
        this.#port.postMessage({ id, command, origin, arguments: args });
      } catch (e) {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(nativeDisconnectError(e?.message));
      }
    });
  }

  close() {
    const port = this.#port;
    this.#port = null;
    this.#closedError ??= nativeDisconnectError(undefined);
    if (port) port.disconnect();
    this.#failAll(this.#closedError);
  }

  #onMessage(message) {
    const entry = this.#pending.get(message?.id);
    if (!entry) return; // late answer to a request that already timed out
    this.#pending.delete(message.id);
    clearTimeout(entry.timer);
    if (message.error) entry.reject(hostError(message.error));
    else if (message.result && typeof message.result === 'object') entry.resolve(message.result);
    else entry.reject(hostError({ code: 'INTERNAL_ERROR', message: '', details: { reason: 'malformed host reply' } }));
  }

  #failAll(error) {
    for (const [id, entry] of this.#pending) {
      clearTimeout(entry.timer);
      entry.reject(error);
      this.#pending.delete(id);
    }
  }
}
