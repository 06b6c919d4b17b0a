// Registers the HeBCA helper bridge (page-shim.js in the page's own world, bridge.js in the
// extension's) for the administrator's legacyOrigins only, as the host reads them from the
// policy file (host command `legacy-policy`, docs/protocol.md section 3.6). Pages of every other
// origin get neither script. Run at every service worker start and every few minutes, so a
// policy change reaches new pages without a browser restart.
import { NativeSession } from '../lib/native-session.js';

export const SCRIPT_IDS = Object.freeze({ shim: 'cabridge-legacy-shim', bridge: 'cabridge-legacy-bridge' });
// `legacy-policy` answers from the policy file alone; an origin is required by the wire format
// and this one (RFC 2606's reserved .invalid) names no page.
export const POLICY_PROBE_ORIGIN = 'https://legacy-policy.cabridge.invalid';
const POLICY_TIMEOUT_MS = 10_000;
export const RESYNC_ALARM = 'cabridge-legacy-resync';

/** The host's legacy-policy answer for `origin`, or rejects with a CabridgeError. */
export async function fetchLegacyPolicy(origin) {
  const session = new NativeSession();
  try {
    return await session.request('legacy-policy', origin, {}, POLICY_TIMEOUT_MS);
  } finally {
    session.close();
  }
}

/**
 * A Chrome match pattern for a policy entry ("https://*.x.gov.cn:8443" -> "https://*.x.gov.cn:8443/*"),
 * or null for anything that is not an http(s) origin or wildcard origin.
 */
export function matchPatternFor(entry) {
  if (typeof entry !== 'string') return null;
  const m = /^(https?):\/\/(\*\.)?([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/.exec(entry);
  return m ? `${m[1]}://${m[2] ?? ''}${m[3]}${m[4] ?? ''}/*` : null;
}

let syncing = Promise.resolve();

/** Brings the registered scripts in line with the policy; serialised, never throws. */
export function syncLegacyScripts() {
  syncing = syncing.then(syncOnce, syncOnce);
  return syncing;
}

async function syncOnce() {
  let matches = [];
  try {
    const policy = await fetchLegacyPolicy(POLICY_PROBE_ORIGIN);
    const origins = Array.isArray(policy?.legacyOrigins) ? policy.legacyOrigins : [];
    matches = [...new Set(origins.map(matchPatternFor).filter(Boolean))].sort();
  } catch {
    // No host (or an old one without legacy-policy): no legacy origin.
  }
  try {
    const registered = await chrome.scripting.getRegisteredContentScripts({ ids: Object.values(SCRIPT_IDS) });
    const current = registered.find((s) => s.id === SCRIPT_IDS.shim)?.matches?.slice().sort() ?? [];
    if (registered.length === 2 && JSON.stringify(current) === JSON.stringify(matches)) return;
    if (registered.length > 0) await chrome.scripting.unregisterContentScripts({ ids: registered.map((s) => s.id) });
    if (matches.length === 0) return;
    await chrome.scripting.registerContentScripts([
      { id: SCRIPT_IDS.shim, matches, js: ['legacy/page-shim.js'], runAt: 'document_start', world: 'MAIN', allFrames: false },
      { id: SCRIPT_IDS.bridge, matches, js: ['legacy/bridge.js'], runAt: 'document_start', allFrames: false },
    ]);
  } catch (e) {
    console.warn('cabridge: legacy bridge registration failed', e?.message ?? e);
  }
}

/** Starts the sync now and every five minutes. */
export function startLegacyRegistration() {
  chrome.alarms.onAlarm.addListener((alarm) => { if (alarm.name === RESYNC_ALARM) syncLegacyScripts(); });
  chrome.alarms.create(RESYNC_ALARM, { periodInMinutes: 5 });
  return syncLegacyScripts();
}
