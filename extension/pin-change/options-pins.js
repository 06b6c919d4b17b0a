// The options page's "证书口令" section: for a site the person allowed (the host serves
// certificates only to sites its policy allows, so the listing is asked in that site's name),
// lists the certificates with "修改口令" and "解锁" buttons. Each button opens the extension's
// own change-PIN window through the service worker (options-port.js); this page never sees a
// PIN, only the outcome.
import { el, t } from '../lib/dialog-page.js';
import { listConsents } from '../lib/consent.js';
import { NativeSession } from '../lib/native-session.js';
import { loadTimeouts } from '../lib/timeouts.js';
import { certView } from '../lib/cert-view.js';

const select = document.getElementById('pin-site');
const status = document.getElementById('pin-status');
const table = document.getElementById('pin-table');
const rows = document.getElementById('pin-certs');

async function fillSites() {
  const sites = await listConsents();
  document.getElementById('pin-no-site').hidden = sites.length > 0;
  document.getElementById('pin-pick').hidden = sites.length === 0;
  const chosen = select.value;
  select.replaceChildren(...sites.map((site) => el('option', { value: site.origin, textContent: site.origin })));
  if (sites.some((site) => site.origin === chosen)) select.value = chosen;
}

/** Runs one button's action in the worker; resolves the reply {result} or {error}. */
function runAction(action, origin, certificateId) {
  return new Promise((resolve) => {
    const port = chrome.runtime.connect({ name: 'cabridge-options' });
    let answered = false;
    port.onMessage.addListener((message) => { answered = true; resolve(message); });
    port.onDisconnect.addListener(() => {
      if (!answered) resolve({ error: { code: 'HOST_UNAVAILABLE', message: t('err_HOST_EXITED'), details: {} } });
    });
    port.postMessage({ action, origin, certificateId });
  });
}

function actionButton(labelKey, className, enabled, action, origin, cert) {
  const button = el('button', { type: 'button', className, textContent: t(labelKey), disabled: !enabled });
  button.addEventListener('click', async () => {
    status.textContent = t('options_pin_window_open');
    status.className = 'status';
    const reply = await runAction(action, origin, cert.id);
    if (reply.result) {
      status.textContent = t(action === 'unblockPin' ? 'pc_done_unblock' : 'pc_done_change');
      status.className = 'status done';
    } else {
      status.textContent = reply.error?.code === 'USER_CANCELLED' ? t('options_pin_cancelled') : (reply.error?.message ?? '');
      status.className = 'error';
    }
  });
  return button;
}

async function readCertificates() {
  const origin = select.value;
  if (!origin) return;
  status.textContent = t('options_pin_reading');
  status.className = 'status';
  const session = new NativeSession();
  try {
    const timeouts = await loadTimeouts();
    const { certificates } = await session.request('list-certificates', origin, {}, timeouts.listMs, 'TOKEN_NOT_RESPONDING');
    const list = Array.isArray(certificates) ? certificates : [];
    rows.replaceChildren(...list.map((cert) => {
      const view = certView(cert);
      return el('tr', { className: 'pin-cert' },
        el('td', { className: 'holder', textContent: view.holder || view.organisation }),
        el('td', { className: 'organisation', textContent: view.organisation }),
        el('td', { className: 'vendor', textContent: view.vendor }),
        el('td', {},
          actionButton('btn_change_pin', 'change-pin', cert.pinRules?.canChange !== false, 'changePin', origin, cert),
          ' ',
          actionButton('btn_unblock_pin', 'unblock-pin', cert.pinRules?.canUnblock !== false, 'unblockPin', origin, cert)));
    }));
    table.hidden = list.length === 0;
    status.textContent = list.length === 0 ? t('pc_no_certificate') : '';
    status.className = list.length === 0 ? 'error' : 'status';
  } catch (error) {
    table.hidden = true;
    status.textContent = error?.message ?? String(error);
    status.className = 'error';
  } finally {
    session.close();
  }
}

document.getElementById('pin-read').addEventListener('click', readCertificates);
chrome.storage.onChanged.addListener((changes, area) => { if (area === 'local' && changes.consents) fillSites(); });
fillSites();
