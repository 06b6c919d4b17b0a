// Certificate chooser: the person picks one of several matching certificates.
import { certDetails, connectDialog, el, expiryWarning, localize, t } from './lib/dialog-page.js';

localize();
document.title = t('chooser_title');
const form = document.getElementById('form');
const list = document.getElementById('choices');

const send = connectDialog((view) => {
  document.getElementById('origin').textContent = view.origin;
  list.replaceChildren(...view.certificates.map((cert, i) => {
    const radio = el('input', { type: 'radio', name: 'cert', value: cert.id, checked: i === 0 });
    return el('li', { className: 'choice' }, el('label', {}, radio,
      el('div', {}, certDetails(cert), expiryWarning(cert))));
  }));
  list.querySelector('input')?.focus();
});

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const chosen = form.querySelector('input[name=cert]:checked');
  if (chosen) send({ type: 'choose', certificateId: chosen.value });
});
document.getElementById('cancel').addEventListener('click', () => send({ type: 'cancel' }));
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') { event.preventDefault(); send({ type: 'cancel' }); }
});
