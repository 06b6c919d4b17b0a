// The demo portal's front end: account login, "CA 绑定" (readCertificate to
// show the certificate, then a login over a binding challenge, verified by the
// server) and "CA 证书登录" (server challenge + login + server-side verify).
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  let readCert = null; // the CertInfo shown for binding

  function show(kind, text, code) {
    const box = $('message');
    box.hidden = false;
    box.className = kind;
    box.dataset.code = code || '';
    box.textContent = text;
  }
  const fail = (error) => show('error', window.portalMessages.describe(error), error.code);

  async function api(path, body) {
    const response = await fetch(path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
    const data = await response.json();
    if (!data.ok) throw Object.assign(new Error(data.message), { code: data.code });
    return data;
  }

  // "2028-12-06": the day an ISO 8601 UTC time falls on in the person's time zone; other text as is.
  function localDate(iso) {
    const ms = Date.parse(iso);
    if (typeof iso !== 'string' || !/^\d{4}-\d\d-\d\dT/.test(iso) || !Number.isFinite(ms)) return iso || '';
    const d = new Date(ms);
    const pad = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }

  function render(me) {
    $('logged-out').hidden = Boolean(me.account);
    $('logged-in').hidden = !me.account;
    if (!me.account) return;
    $('display-name').textContent = `${me.account.displayName}（${me.account.username}）`;
    $('login-method').textContent = me.method === 'ca' ? 'CA 证书登录' : '账号密码登录';
    $('login-identity').hidden = !me.organisation;
    $('login-org').textContent = me.organisation || '';
    $('login-uscc').textContent = me.creditCode || '';
    $('bound').hidden = !me.binding;
    $('unbound').hidden = Boolean(me.binding);
    $('cert-info').hidden = true;
    if (me.binding) {
      $('bound-holder').textContent = me.binding.holder;
      $('bound-org').textContent = me.binding.organisation;
      $('bound-uscc').textContent = me.binding.creditCode || '（无）';
      $('bound-expiry').textContent = localDate(me.binding.notAfter);
    }
  }

  const refresh = async () => render(await api('/api/me'));

  async function detect() {
    try {
      const info = await window.cabridge.detect({ timeout: 15000 });
      const hebca = info.plugins.find((p) => p.id === 'hebca');
      $('extension-status').textContent = `证书助手已就绪（版本 ${info.host.version}）`
        + (hebca ? `，${hebca.name}组件${hebca.state === 'ok' ? '正常' : '异常'}` : '，未找到河北 CA 组件')
        + (info.host.originAllowed ? '' : '；本网站未被允许使用证书');
      $('extension-status').dataset.state = 'ready';
    } catch (error) {
      $('extension-status').textContent = window.portalMessages.describe(error);
      $('extension-status').dataset.state = error.code;
    }
  }

  $('account-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      render(await api('/api/account-login', { username: $('username').value, password: $('password').value }));
      show('ok', '登录成功。', 'ACCOUNT_LOGIN_OK');
    } catch (error) { fail(error); }
  });

  $('ca-login').addEventListener('click', async () => {
    try {
      const { challengeId, challenge } = await api('/api/challenge', {});
      const token = await window.cabridge.login({ challenge, vendor: $('ca-vendor').value });
      const me = await api('/api/ca-login', { challengeId, token });
      render(me);
      show('ok', `CA 证书登录成功：${me.organisation}（统一社会信用代码 ${me.creditCode || '无'}）`, 'CA_LOGIN_OK');
    } catch (error) { fail(error); }
  });

  $('read-cert').addEventListener('click', async () => {
    try {
      readCert = await window.cabridge.readCertificate({ vendor: $('bind-vendor').value });
      $('cert-holder').textContent = readCert.subject.CN || '';
      $('cert-org').textContent = readCert.subject.O || '';
      $('cert-uscc').textContent = readCert.identity?.unifiedSocialCreditCode || '（无）';
      $('cert-expiry').textContent = localDate(readCert.notAfter)
        + (readCert.expired ? '（已过期）' : readCert.daysLeft <= 30 ? `（${readCert.daysLeft} 天后到期）` : '');
      $('cert-info').hidden = false;
      show('ok', '已读取证书，请核对后点击“绑定此证书”。', 'CERT_READ');
    } catch (error) { fail(error); }
  });

  $('bind').addEventListener('click', async () => {
    try {
      // The key signs a fresh challenge issued to this account (PIN in the extension's
      // window): a copy of the certificate is not enough to bind it.
      const { challengeId, challenge } = await api('/api/bind-challenge', {});
      const token = await window.cabridge.login({ challenge, vendor: $('bind-vendor').value });
      await api('/api/bind', { challengeId, token });
      await refresh();
      show('ok', 'CA 证书绑定成功，今后可以使用“CA 证书登录”。', 'BIND_OK');
    } catch (error) { fail(error); }
  });

  $('unbind').addEventListener('click', async () => {
    try { await api('/api/unbind', {}); await refresh(); show('ok', '已解除绑定。', 'UNBIND_OK'); } catch (error) { fail(error); }
  });

  $('logout').addEventListener('click', async () => {
    try { await api('/api/logout', {}); await refresh(); show('ok', '已退出登录。', 'LOGOUT_OK'); } catch (error) { fail(error); }
  });

  refresh().catch(fail);
  detect();
})();
