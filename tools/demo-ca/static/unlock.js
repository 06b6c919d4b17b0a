// "在线解锁": the key's unlock request (cabridge.unlockChallenge), the CA server's answer, then the
// new PIN set in the extension's window (cabridge.unlockWithResponse).
(() => {
  'use strict';
  const { api, show, fail } = window.demoCa;
  let vendor = null; // the site's configured vendor, or any it enrols for
  document.getElementById('unlock').addEventListener('click', async () => {
    try {
      const { challenge, serial, certificateId } = await window.cabridge.unlockChallenge(vendor ? { vendor } : {});
      const { response } = await api('/api/unlock/response', { serial, challenge });
      await window.cabridge.unlockWithResponse({ certificateId, response });
      show('ok', '解锁成功，请使用新设置的证书密码登录。', 'UNLOCK_OK');
    } catch (e) {
      fail(e);
    }
  });
  window.demoCa.api('/api/config').then((c) => { vendor = c.vendor; }).catch(fail);
})();
