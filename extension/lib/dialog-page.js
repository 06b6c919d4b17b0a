// Shared by chooser.js and pin.js: locale text, the port back to the service
// worker, and the certificate/site/help blocks both dialogs show.

export const t = (key, value) =>
  chrome.i18n.getMessage(key, value === undefined ? undefined : [String(value)]) || key;

/** Fills every element with data-i18n="key" from the locale. */
export function localize(root = document) {
  document.documentElement.lang = chrome.i18n.getUILanguage().startsWith('zh') ? 'zh-CN' : 'en';
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}

/**
 * Connects to the worker for the flow named in the URL fragment and calls
 * onView(view) for every view it pushes. Returns send(message).
 */
export function connectDialog(onView) {
  const flowId = decodeURIComponent(location.hash.slice(1));
  const port = chrome.runtime.connect({ name: 'cabridge-dialog' });
  port.onMessage.addListener((message) => { if (message?.type === 'view') onView(message.view); });
  // The worker ended the flow (or was stopped): nothing here can succeed any more.
  port.onDisconnect.addListener(() => window.close());
  port.postMessage({ type: 'hello', flowId });
  return (message) => port.postMessage(message);
}

const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
};
export { el };

function row(labelKey, value, className = '') {
  return el('div', { className: `row ${className}` },
    el('dt', { textContent: t(labelKey) }),
    el('dd', { textContent: value || t('no_uscc') }));
}

/** "有效期至 2026-05-01" (the person's time zone) plus the expiry warning or badge. */
export function expiryText(cert) {
  const date = cert.notAfterDate || '';
  if (cert.expired) return `${date}（${t('expired_badge')}）`;
  if (cert.notYetValid) return `${date}（${t('notyet_badge')}）`;
  return date;
}

export function expiryWarning(cert) {
  if (!cert.expired && !cert.notYetValid && Number.isInteger(cert.daysLeft) && cert.daysLeft <= 30) {
    return el('p', { className: 'warning expiring', textContent: t('expires_in_days', cert.daysLeft) });
  }
  return null;
}

/**
 * "SM2 国密", "RSA 2048 位", "ECC 256 位", with "（加密证书）" for an encryption certificate;
 * empty for a key type the host did not name.
 */
export function keyText(cert) {
  let text = '';
  if (cert.keyType === 'SM2') text = t('key_sm2');
  else if (cert.keyType === 'RSA') text = cert.keyBits ? t('key_rsa_bits', cert.keyBits) : 'RSA';
  else if (cert.keyType === 'EC') text = cert.keyBits ? t('key_ec_bits', cert.keyBits) : 'ECC';
  return text && cert.encryptionOnly ? `${text}${t('key_encryption_only')}` : text;
}

/** The definition list describing one certificate. */
export function certDetails(cert) {
  const key = keyText(cert);
  return el('dl', { className: 'cert' },
    row('label_holder', cert.holder, 'holder'),
    row('label_org', cert.organisation, 'organisation'),
    row('label_uscc', cert.creditCode, 'credit-code'),
    key ? row('label_key', key, `key key-${cert.keyType.toLowerCase()}`) : null,
    row('label_vendor', cert.vendor, 'vendor'),
    row('label_expiry', expiryText(cert), 'expiry'));
}

/** The vendor's help ({text, url?, phone?}) or a default text. */
export function helpBlock(help, defaultKey) {
  const box = el('div', { className: 'help' });
  box.append(el('p', { textContent: help?.text || t(defaultKey) }));
  if (help?.url && /^https?:\/\//.test(help.url)) {
    box.append(el('p', {}, t('help_url_label'),
      el('a', { href: help.url, target: '_blank', rel: 'noopener', textContent: help.url })));
  }
  if (help?.phone) box.append(el('p', { textContent: t('help_phone_label') + help.phone }));
  return box;
}
