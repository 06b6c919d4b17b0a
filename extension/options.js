// Options page: the sites the person allowed to read their certificates, each
// with a button that revokes it (the site is asked again next time).
import { el, localize, t } from './lib/dialog-page.js';
import { listConsents, revokeConsent } from './lib/consent.js';

localize();
document.title = t('options_title');

async function render() {
  const sites = await listConsents();
  document.getElementById('empty').hidden = sites.length > 0;
  document.getElementById('table').hidden = sites.length === 0;
  document.getElementById('sites').replaceChildren(...sites.map((site) => {
    const revoke = el('button', { type: 'button', className: 'revoke', textContent: t('btn_revoke') });
    revoke.addEventListener('click', () => { revokeConsent(site.origin); });
    return el('tr', { className: 'site-row' },
      el('td', { className: 'origin', textContent: site.origin }),
      el('td', { className: 'id-number', textContent: t(site.idNumber ? 'options_id_number_yes' : 'options_id_number_no') }),
      el('td', { textContent: (site.grantedAt ?? '').replace('T', ' ').slice(0, 16) }),
      el('td', {}, revoke));
  }));
}

chrome.storage.onChanged.addListener((changes, area) => { if (area === 'local' && changes.consents) render(); });
render();
