// Shared by the demo CA's pages: its API, the message box, and text for every failure.
window.demoCa = (() => {
  'use strict';
  const HOTLINE = '如有疑问请拨打河北CA服务热线 400-707-3355。';
  const TEXT = {
    EXTENSION_UNAVAILABLE: '未检测到“cabridge 证书助手”浏览器扩展。请先安装并启用扩展，然后刷新本页面。',
    HOST_UNAVAILABLE: '证书助手本地程序未安装或无法启动，请安装（或重新安装）cabridge 后重试。',
    ACTION_PENDING: '已有一个证书操作正在进行，请先在弹出的窗口中完成或取消。',
    USER_CANCELLED: '您已取消操作，USB Key 上的证书没有变化。',
    USER_TIMEOUT: '长时间未操作，已取消，请重新开始。',
    NO_TOKEN: '未检测到河北CA证书 USB Key，请插入 USB Key 后重试。',
    TOKEN_REMOVED: 'USB Key 已被拔出，请重新插入后重新开始。',
    CERTIFICATE_NOT_FOUND: '没有在 USB Key 上找到河北CA证书。',
    PIN_LOCKED: '证书密码已锁定，请使用本站的“在线解锁”，或到河北CA服务网点解锁。' + HOTLINE,
    ORIGIN_NOT_ALLOWED: '证书助手不允许本网站办理证书业务（本网站不是证书机构登记的业务网站）。',
    TAB_NOT_ACTIVE: '请先切换到本页面，再重新操作。',
  };
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
  function show(kind, text, code) {
    const box = document.getElementById('message');
    box.hidden = false;
    box.className = kind;
    box.dataset.code = code || '';
    box.textContent = text;
  }
  const fail = (error) => show('error', TEXT[error.code] || error.message || '操作失败，请重试。', error.code);
  function localDate(iso) {
    const ms = Date.parse(iso);
    if (!Number.isFinite(ms)) return iso || '';
    const d = new Date(ms);
    const pad = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }
  return { api, show, fail, localDate };
})();
