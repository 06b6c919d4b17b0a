// The change-PIN / unlock window (pin-change-flow.js drives it): the current PIN (or the
// administrator PIN) and the new PIN twice, the vendor's rules checked before anything is
// sent, and the exact outcome. The PINs go to the service worker only; the fields are emptied
// as soon as they are sent.
import { certDetails, connectDialog, el, helpBlock, localize, t } from '../lib/dialog-page.js';
import { normalizedRules, pinFormProblem } from './pin-rules.js';

localize();
const form = document.getElementById('form');
const current = document.getElementById('current');
const fresh = document.getElementById('new');
const confirm = document.getElementById('confirm');
const ok = document.getElementById('ok');
const cancel = document.getElementById('cancel');
const switcher = document.getElementById('switch');
const notice = document.getElementById('notice');
let view = null;

const send = connectDialog(render);

/** "4–16 位字母或数字" for the rules, in the person's language. */
function rulesText(rules) {
  const r = normalizedRules(rules);
  return chrome.i18n.getMessage(`pc_rules_${r.charset}`, [String(r.minLength), String(r.maxLength)]);
}

const PROBLEM_KEYS = { currentEmpty: null, newRules: 'pc_err_new_rules', mismatch: 'pc_err_mismatch', same: 'pc_err_same' };

function problemText(problem, mode, rules) {
  if (problem === 'currentEmpty') return t(mode === 'unblock' ? 'pc_err_so_empty' : 'pc_err_current_empty');
  if (problem === 'newRules') return `${t(PROBLEM_KEYS.newRules)}${rulesText(rules)}`;
  return t(PROBLEM_KEYS[problem]);
}

function clearFields() {
  current.value = '';
  fresh.value = '';
  confirm.value = '';
}

function render(next) {
  view = next;
  const unblock = view.mode === 'unblock';
  const title = t(unblock ? 'pc_title_unblock' : 'pc_title_change');
  document.title = title;
  document.getElementById('heading').textContent = title;
  document.getElementById('intro').textContent = t(unblock ? 'pc_intro_unblock' : 'pc_intro_change');
  document.getElementById('origin').textContent = view.origin;
  document.getElementById('cert').replaceChildren(view.cert ? certDetails(view.cert) : '');
  document.getElementById('current-label').textContent = t(unblock ? 'pc_label_so' : 'pc_label_old');
  document.getElementById('rules').textContent = t('pc_rules_label') + rulesText(view.rules);

  const infoOnly = ['done', 'soLocked', 'unsupported', 'noCertificate'].includes(view.state);
  const busy = view.state === 'working';
  document.getElementById('pin-area').hidden = infoOnly || view.state === 'locked';
  ok.hidden = infoOnly || view.state === 'locked';
  cancel.textContent = t(infoOnly ? 'btn_close' : 'btn_cancel');
  for (const input of [current, fresh, confirm, ok]) input.disabled = busy;
  // From changing to unlocking (forgot the PIN, or it locked) and back, where the vendor can.
  const canSwitch = !infoOnly && !busy && view.canUnblock && (unblock || view.state !== 'done');
  switcher.hidden = !canSwitch;
  switcher.textContent = t(unblock ? 'pc_switch_change' : 'pc_switch_unblock');

  const blocks = [];
  const retries = (so) => {
    const left = Number.isInteger(view.retriesLeft);
    if (so) return left ? t('pc_so_incorrect_left', view.retriesLeft) : t('pc_so_incorrect');
    return left ? t('pc_incorrect_left', view.retriesLeft) : t('pc_incorrect');
  };
  switch (view.state) {
    case 'working':
      blocks.push(el('p', { className: 'status', textContent: t('pc_working') }));
      break;
    case 'form':
      blocks.push(el('p', { className: 'error form-problem', textContent: problemText(view.problem, view.mode, view.rules) }));
      break;
    case 'pinIncorrect':
      blocks.push(el('p', { className: 'error pin-incorrect', textContent: retries(view.so) }));
      if (view.finalTry || view.retriesLeft === 1) blocks.push(el('p', { className: 'warning final-try', textContent: t('pc_final_try') }));
      break;
    case 'pinInvalid':
      blocks.push(el('p', { className: 'error pin-invalid', textContent: t('pc_invalid') }));
      break;
    case 'locked':
      blocks.push(el('p', { className: 'error locked', textContent: t('pc_locked') }),
        helpBlock(view.errorHelp ?? view.help?.unlock, 'pin_locked_default_help'));
      break;
    case 'soLocked':
      blocks.push(el('p', { className: 'error so-locked', textContent: t('pc_so_locked') }),
        helpBlock(view.errorHelp ?? view.help?.contact, 'pin_locked_default_help'));
      break;
    case 'unsupported':
      blocks.push(el('p', { className: 'error unsupported', textContent: t('pc_unsupported') }),
        helpBlock(view.help?.unlock ?? view.help?.contact, 'pin_locked_default_help'));
      break;
    case 'noCertificate':
      blocks.push(el('p', { className: 'error no-certificate', textContent: view.message || t('pc_no_certificate') }),
        helpBlock(view.help, 'pc_no_certificate'));
      break;
    case 'failed':
      blocks.push(el('p', { className: 'error failed', textContent: view.message || '' }));
      if (view.errorHelp) blocks.push(helpBlock(view.errorHelp, 'pin_locked_default_help'));
      break;
    case 'done':
      blocks.push(el('p', { className: 'status done', textContent: t(unblock ? 'pc_done_unblock' : 'pc_done_change') }));
      break;
    default:
      break;
  }
  notice.replaceChildren(...blocks);
  if (infoOnly || view.state === 'locked') cancel.focus();
  else if (!busy) { clearFields(); current.focus(); }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!view || ok.hidden || ok.disabled) return;
  const answer = { mode: view.mode, currentPin: current.value, newPin: fresh.value, confirmPin: confirm.value };
  const problem = pinFormProblem(view.rules, answer);
  if (problem) {
    notice.replaceChildren(el('p', { className: 'error form-problem', textContent: problemText(problem, view.mode, view.rules) }));
    (problem === 'currentEmpty' ? current : fresh).focus();
    return;
  }
  send({ type: 'submit', ...answer });
  clearFields();
});
switcher.addEventListener('click', () => send({ type: 'mode', mode: view?.mode === 'unblock' ? 'change' : 'unblock' }));
cancel.addEventListener('click', () => send({ type: 'cancel' }));
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') { event.preventDefault(); send({ type: 'cancel' }); }
});
