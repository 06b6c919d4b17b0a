// "老用户延期": read the key's certificate, open the renewal order, cabridge.enroll (new key pair
// on the key, CSR with the order's subject), the CA signs it, cabridge.installCertificate.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const { api, show, fail, localDate } = window.demoCa;
  const KEY_NAMES = { SM2: 'SM2 国密', 'RSA-2048': 'RSA 2048 位', 'P-256': 'ECC P-256' };
  let vendor = null; // the site's configured vendor, or any it enrols for
  let order = null;   // {orderId, subject, keyType, vendor}
  let issued = null;  // {certificate, keyId, certificateId}

  function step(name) {
    for (const s of ['read', 'confirm', 'pay', 'install']) $(`step-${s}`).classList.toggle('current', s === name);
    $('read-area').hidden = name !== 'read';
    $('confirm-area').hidden = name !== 'confirm';
    $('install-area').hidden = name !== 'install';
  }

  $('read').addEventListener('click', async () => {
    try {
      const cert = await window.cabridge.readCertificate(vendor ? { vendor } : {});
      order = { ...await api('/api/renew/start', { certificate: cert.certificate }), vendor: cert.vendor };
      $('holder').textContent = cert.subject?.CN || '';
      $('org').textContent = cert.subject?.O || '';
      $('uscc').textContent = order.creditCode || cert.identity?.unifiedSocialCreditCode || '（无）';
      $('expiry').textContent = localDate(cert.notAfter);
      $('key-type').textContent = KEY_NAMES[order.keyType] || order.keyType;
      $('message').hidden = true;
      step('confirm');
    } catch (e) {
      fail(e);
    }
  });

  $('confirm').addEventListener('click', async () => {
    try {
      const { csr, keyId, certificateId } = await window.cabridge.enroll({ vendor: order.vendor, keyType: order.keyType, subject: order.subject });
      const { certificate } = await api('/api/renew/issue', { orderId: order.orderId, csr });
      issued = { certificate, keyId, certificateId };
      $('new-validity').textContent = '两年';
      show('ok', '新证书已签发，请安装到 USB Key。', 'ISSUED');
      step('install');
    } catch (e) {
      fail(e);
      if (e.code !== 'USER_CANCELLED' && e.code !== 'ACTION_PENDING') step('read'); // the order is used up
    }
  });

  $('install').addEventListener('click', async () => {
    try {
      await window.cabridge.installCertificate({ ...issued, replace: $('replace').checked });
      show('ok', '证书已安装到 USB Key，延期办理完成。请使用新证书登录各业务系统。', 'INSTALL_OK');
      $('install').disabled = true;
    } catch (e) {
      fail(e);
    }
  });

  api('/api/config').then((c) => { vendor = c.vendor; }).catch(fail);
})();
