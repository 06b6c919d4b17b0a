// PIN dialog: asks for the PIN, shows wrong-PIN retries, lock help, expiry
// refusals and, after a login, that the PIN is still the key's initial one. The PIN goes to the service worker only, and the field is
// emptied as soon as it is sent.
import { certDetails, connectDialog, el, expiryWarning, helpBlock, localize, t } from './lib/dialog-page.js';

localize();
document.title = t('pin_title');
const form = document.getElementById('form');
const pin = document.getElementById('pin');
const ok = document.getElementById('ok');
const cancel = document.getElementById('cancel');
const notice = document.getElementById('notice');
const heading = document.getElementById('heading');
let infoOnly = false;

const send = connectDialog(render);

function render(view) {
  document.getElementById('origin').textContent = view.origin;
  document.getElementById('cert').replaceChildren(certDetails(view.cert));
  const blocks = [];
  const warning = expiryWarning(view.cert);
  if (warning) blocks.push(warning);
  infoOnly = ['expired', 'notYetValid', 'locked', 'pinDefault'].includes(view.state);
  document.getElementById('pin-area').hidden = infoOnly;
  ok.hidden = infoOnly;
  // After a login with the initial PIN, closing the window goes on to the site.
  cancel.textContent = t(view.state === 'pinDefault' ? 'btn_continue' : infoOnly ? 'btn_close' : 'btn_cancel');
  heading.textContent = t({ expired: 'expired_title', locked: 'pin_locked', pinDefault: 'pin_default_title' }[view.state] ?? 'pin_title');
  const busy = view.state === 'verifying';
  pin.disabled = busy;
  ok.disabled = busy;

  switch (view.state) {
    case 'verifying':
      blocks.push(el('p', { className: 'status', textContent: t('verifying') }));
      break;
    case 'pinEmpty':
      blocks.push(el('p', { className: 'error', textContent: t('pin_empty') }));
      break;
    case 'pinInvalid':
      blocks.push(el('p', { className: 'error pin-invalid', textContent: view.message || t('pin_invalid', '') }));
      break;
    case 'pinIncorrect':
      blocks.push(el('p', {
        className: 'error pin-incorrect',
        textContent: Number.isInteger(view.retriesLeft) ? t('pin_incorrect_left', view.retriesLeft) : t('pin_incorrect'),
      }));
      if (view.finalTry || view.retriesLeft === 1) blocks.push(el('p', { className: 'warning final-try', textContent: t('pin_final_try') }));
      break;
    case 'pinDefault': {
      blocks.push(el('p', { className: 'warning pin-default', textContent: t('pin_default') }));
      if (view.canChange !== false) {
        const change = el('button', { type: 'button', id: 'change-now', className: 'primary', textContent: t('btn_change_pin_now') });
        change.addEventListener('click', () => send({ type: 'changePin' }));
        blocks.push(el('p', {}, change));
      }
      break;
    }
    case 'locked':
      blocks.push(el('p', { className: 'error locked', textContent: t('pin_locked') }), helpBlock(view.help, 'pin_locked_default_help'));
      break;
    case 'expired':
      blocks.push(el('p', { className: 'error expired', textContent: t('expired_text') }), helpBlock(view.help, 'renew_default_help'));
      break;
    case 'notYetValid':
      blocks.push(el('p', { className: 'error not-yet-valid', textContent: t('notyet_text') }));
      break;
    default:
      break;
  }
  notice.replaceChildren(...blocks);
  if (infoOnly) cancel.focus();
  else if (!busy) { pin.value = ''; pin.focus(); }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (infoOnly || pin.disabled) return;
  if (!pin.value) { notice.replaceChildren(el('p', { className: 'error', textContent: t('pin_empty') })); pin.focus(); return; }
  send({ type: 'submit', pin: pin.value });
  pin.value = '';
});
cancel.addEventListener('click', () => send({ type: 'cancel' }));
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') { event.preventDefault(); send({ type: 'cancel' }); }
});
