// The window of the CA-site actions (ca-flow.js drives it): which site asks, for which key, what
// will happen (a new key pair of type X for subject Y; this certificate onto the key; an online
// unlock), and the PIN or the new PIN twice. PINs go to the service worker only; the fields are
// emptied as soon as they are sent.
import { certDetails, connectDialog, el, helpBlock, localize, t } from '../lib/dialog-page.js';
import { localDate } from '../lib/cert-view.js';
import { normalizedRules, pinFormProblem } from '../pin-change/pin-rules.js';

localize();
const form = document.getElementById('form');
const pin = document.getElementById('pin');
const fresh = document.getElementById('new');
const confirm = document.getElementById('confirm');
const ok = document.getElementById('ok');
const cancel = document.getElementById('cancel');
const notice = document.getElementById('notice');
let view = null;

const send = connectDialog(render);

const KEY_NAMES = { 'RSA-2048': 'ca_key_rsa', 'P-256': 'ca_key_p256', SM2: 'ca_key_sm2' };

function rulesText(rules) {
  const r = normalizedRules(rules);
  return chrome.i18n.getMessage(`pc_rules_${r.charset}`, [String(r.minLength), String(r.maxLength)]);
}

function row(labelKey, value, className) {
  return el('div', { className: `row ${className}` }, el('dt', { textContent: t(labelKey) }), el('dd', { textContent: value }));
}

/** The sentence saying what will happen, in the person's words. */
function whatText() {
  switch (view.mode) {
    case 'generate': return chrome.i18n.getMessage('ca_what_generate', [t(KEY_NAMES[view.keyType] ?? 'ca_key_sm2')]);
    case 'install': return t(view.replace ? 'ca_what_install_replace' : 'ca_what_install_keep');
    case 'unlockStart': return t('ca_what_unlock_start');
    default: return t('ca_what_unlock');
  }
}

function clearFields() {
  pin.value = '';
  fresh.value = '';
  confirm.value = '';
}

function render(next) {
  view = next;
  const title = t(`ca_title_${view.mode}`);
  document.title = title;
  document.getElementById('heading').textContent = title;
  document.getElementById('origin').textContent = view.origin;
  document.getElementById('what').textContent = whatText();
  document.getElementById('cert').replaceChildren(view.cert ? certDetails(view.cert) : '');
  const issued = document.getElementById('issued');
  if (view.mode === 'generate') {
    issued.replaceChildren(row('ca_label_subject', view.subject, 'subject'));
  } else if (view.mode === 'install' && view.issued) {
    issued.replaceChildren(
      row('ca_label_new_holder', view.issued.holder, 'new-holder'),
      row('label_org', view.issued.organisation, 'new-organisation'),
      row('ca_label_issuer', view.issued.issuer, 'issuer'),
      row('ca_label_validity', `${localDate(view.issued.notBefore)} – ${localDate(view.issued.notAfter)}`, 'validity'));
  }
  issued.hidden = !['generate', 'install'].includes(view.mode);

  const unlock = view.mode === 'unlock';
  const busy = view.state === 'working';
  const infoOnly = view.state === 'locked';
  document.getElementById('pin-area').hidden = infoOnly || unlock || view.mode === 'unlockStart';
  document.getElementById('new-pin-area').hidden = infoOnly || !unlock;
  if (unlock) document.getElementById('rules').textContent = t('pc_rules_label') + rulesText(view.rules);
  ok.hidden = infoOnly;
  ok.textContent = t(view.mode === 'unlockStart' ? 'ca_btn_continue' : `ca_btn_${view.mode}`);
  cancel.textContent = t(infoOnly ? 'btn_close' : 'btn_cancel');
  for (const input of [pin, fresh, confirm, ok]) input.disabled = busy;

  const blocks = [];
  switch (view.state) {
    case 'working':
      blocks.push(el('p', { className: 'status', textContent: t(`ca_working_${view.mode}`) }));
      break;
    case 'pinEmpty':
      blocks.push(el('p', { className: 'error pin-empty', textContent: t('pin_empty') }));
      break;
    case 'pinIncorrect':
      blocks.push(el('p', {
        className: 'error pin-incorrect',
        textContent: Number.isInteger(view.retriesLeft) ? t('pin_incorrect_left', view.retriesLeft) : t('pin_incorrect'),
      }));
      if (view.finalTry || view.retriesLeft === 1) blocks.push(el('p', { className: 'warning final-try', textContent: t('pin_final_try') }));
      break;
    case 'pinInvalid':
      blocks.push(el('p', { className: 'error pin-invalid', textContent: t('pc_invalid') }));
      break;
    case 'form':
      blocks.push(el('p', { className: 'error form-problem', textContent: problemText(view.problem) }));
      break;
    case 'locked':
      blocks.push(el('p', { className: 'error locked', textContent: t('pin_locked') }),
        helpBlock(view.errorHelp, 'pin_locked_default_help'));
      break;
    default:
      break;
  }
  notice.replaceChildren(...blocks);
  if (infoOnly) cancel.focus();
  else if (!busy) {
    clearFields();
    if (view.mode === 'unlockStart') ok.focus();
    else (unlock ? fresh : pin).focus();
  }
}

function problemText(problem) {
  if (problem === 'newRules') return `${t('pc_err_new_rules')}${rulesText(view.rules)}`;
  return t(problem === 'mismatch' ? 'pc_err_mismatch' : 'pc_err_new_rules');
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!view || ok.hidden || ok.disabled) return;
  if (view.mode === 'unlockStart') { send({ type: 'confirm' }); return; }
  if (view.mode === 'unlock') {
    const answer = { newPin: fresh.value, confirmPin: confirm.value };
    const problem = pinFormProblem(view.rules, { mode: 'unblock', currentPin: 'response', ...answer });
    if (problem) {
      notice.replaceChildren(el('p', { className: 'error form-problem', textContent: problemText(problem) }));
      fresh.focus();
      return;
    }
    send({ type: 'submit', ...answer });
  } else {
    send({ type: 'submit', pin: pin.value });
  }
  clearFields();
});
cancel.addEventListener('click', () => send({ type: 'cancel' }));
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') { event.preventDefault(); send({ type: 'cancel' }); }
});
