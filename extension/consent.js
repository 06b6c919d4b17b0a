// Consent window: which site asks, and exactly which fields it will receive.
// The ID number is offered for readCertificate only and is off unless ticked.
import { connectDialog, el, localize, t } from './lib/dialog-page.js';

localize();
document.title = t('consent_title');
const form = document.getElementById('form');
const idNumber = document.getElementById('id-number');
let offered = false;

const send = connectDialog((view) => {
  document.getElementById('origin').textContent = view.origin;
  const login = view.action === 'login';
  document.getElementById('intro').textContent = t(login ? 'consent_intro_login' : 'consent_intro_read');
  const fields = ['consent_field_name', 'consent_field_org', 'consent_field_uscc', 'consent_field_certificate'];
  if (login) fields.push('consent_field_signature');
  document.getElementById('fields').replaceChildren(...fields.map((key) => el('li', { textContent: t(key) })));
  offered = view.offerIdNumber === true;
  document.getElementById('id-number-choice').hidden = !offered;
  idNumber.checked = false;
  document.getElementById('memory').textContent = t(view.remember ? 'consent_remembered' : 'consent_every_time');
  document.getElementById('allow').focus();
});

form.addEventListener('submit', (event) => {
  event.preventDefault();
  send({ type: 'consent', idNumber: offered && idNumber.checked });
});
document.getElementById('cancel').addEventListener('click', () => send({ type: 'cancel' }));
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') { event.preventDefault(); send({ type: 'cancel' }); }
});
