// Who may open one of our windows, and when. A page could otherwise pop a
// consent or PIN window again and again until the person gives in:
// - after the person cancels, the same tab gets USER_CANCELLED at once, with no
//   window, for a while that doubles with every further cancel (3 s, 6 s, ...,
//   at most 60 s) and is forgotten after a flow the person completed;
// - only the active tab of the focused browser window may open a window;
//   any other gets TAB_NOT_ACTIVE.
// The state lives in chrome.storage.session, so it outlives a stopped worker.
import { extensionError } from './errors.js';

export const FIRST_BACKOFF_MS = 3_000;
export const MAX_BACKOFF_MS = 60_000;
const STORE_KEY = 'cancelBackoff';

/**
 * The backoff entry after one more cancel at `now` ({until, nextMs}); `firstMs`
 * is the first pause (timeouts.js cancelBackoffMs), the cap is 60 s or firstMs.
 */
export function afterCancel(entry, now, firstMs = FIRST_BACKOFF_MS) {
  const ms = Number.isInteger(entry?.nextMs) ? entry.nextMs : firstMs;
  return { until: now + ms, nextMs: Math.min(ms * 2, Math.max(MAX_BACKOFF_MS, firstMs)) };
}

/** Milliseconds left before `entry` lets a window open again (0 = free). */
export function backoffLeft(entry, now) {
  return Number.isFinite(entry?.until) ? Math.max(0, entry.until - now) : 0;
}

async function loadAll() {
  try {
    const { [STORE_KEY]: all } = await chrome.storage.session.get(STORE_KEY);
    return all && typeof all === 'object' ? all : {};
  } catch {
    return {};
  }
}

// Read-modify-write of the one stored object, one at a time: a closing dialog
// tab's forgetTab must not overwrite the cancel noted just before it.
let updates = Promise.resolve();
function update(tabId, change) {
  updates = updates.then(async () => {
    const all = await loadAll();
    const next = change(all[tabId]);
    if (!next && !Object.hasOwn(all, tabId)) return;
    if (next) all[tabId] = next;
    else delete all[tabId];
    await chrome.storage.session.set({ [STORE_KEY]: all });
  }).catch(() => {});
  return updates;
}

/** The person cancelled a window this tab opened. */
export const noteCancelled = (tabId, firstMs) => update(tabId, (entry) => afterCancel(entry, Date.now(), firstMs));

/** A flow with a window ended with the person's answer: start afresh; also for closed tabs. */
export const forgetTab = (tabId) => update(tabId, () => null);

async function isFrontTab(tabId) {
  try {
    const tab = await chrome.tabs.get(tabId);
    if (!tab.active) return false;
    const win = await chrome.windows.get(tab.windowId);
    return win.focused === true;
  } catch {
    return false; // the tab or its window is gone
  }
}

/** Throws unless `tabId` may open a window now (call just before opening one). */
export async function checkMayOpenWindow(tabId) {
  await updates;
  const left = backoffLeft((await loadAll())[tabId], Date.now());
  if (left > 0) {
    throw extensionError('USER_CANCELLED', { reason: 'recently-cancelled', retryAfterMs: left }, 'err_RECENTLY_CANCELLED');
  }
  if (!(await isFrontTab(tabId))) throw extensionError('TAB_NOT_ACTIVE');
}
