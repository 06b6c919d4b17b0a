// What the portal tells a person for each cabridge error code (docs/protocol.md,
// error codes) and each of its own refusals. HeBCA's service facts: renewal and
// PIN reset at www.hebca.com, hotline 400-707-3355.
window.portalMessages = (() => {
  const HOTLINE = '如有疑问请拨打河北CA服务热线 400-707-3355。';
  const cabridge = {
    EXTENSION_UNAVAILABLE: '未检测到“cabridge 证书助手”浏览器扩展。请先安装并启用扩展，然后刷新本页面。',
    HOST_UNAVAILABLE: '证书助手本地程序未安装或无法启动，请安装（或重新安装）cabridge 后重试。',
    ACTION_PENDING: '已有一个证书操作正在进行，请先在弹出的窗口中完成或取消。',
    USER_CANCELLED: '您已取消证书操作。',
    USER_TIMEOUT: '长时间未操作，证书操作已取消，请重新开始。',
    NO_TOKEN: '未检测到河北CA证书 USB Key，请插入 USB Key 后重试。',
    TOKEN_REMOVED: 'USB Key 已被拔出，请重新插入后重试。',
    TOKEN_NOT_RESPONDING: 'USB Key 没有响应，请拔出后重新插入再试。' + HOTLINE,
    DEVICE_ERROR: 'USB Key 读取出错，请重新插入后重试。' + HOTLINE,
    CERTIFICATE_NOT_FOUND: '没有找到河北CA证书，请确认插入的是本单位的证书 USB Key。',
    CERTIFICATE_EXPIRED: '您的证书已过期，请登录河北CA网上服务大厅 www.hebca.com 办理证书延期后再登录。' + HOTLINE,
    CERTIFICATE_NOT_YET_VALID: '证书尚未生效，请检查电脑的日期和时间是否正确。',
    PIN_INCORRECT: '证书密码错误。',
    PIN_LOCKED: '证书密码已锁定，请到河北CA网上服务大厅 www.hebca.com 或服务网点办理“重置证书密码”。' + HOTLINE,
    PIN_INVALID: '证书密码格式不正确。',
    ORIGIN_NOT_ALLOWED: '本网站未被允许使用证书助手，请联系网站管理员。',
    INSECURE_ORIGIN: '当前网址不安全，不能使用证书登录。请从官方网址访问。',
    EXTENSION_NOT_ALLOWED: '证书助手本地程序不认可当前扩展，请重新安装 cabridge。',
    PLUGIN_ERROR: '河北CA证书组件出错，请重新安装河北CA驱动。' + HOTLINE,
    INVALID_ARGUMENT: '页面请求参数有误，请刷新页面后重试。',
    INVALID_MESSAGE: '证书助手通信出错，请刷新页面后重试。',
    MESSAGE_TOO_LARGE: '证书助手通信出错，请刷新页面后重试。',
    UNKNOWN_COMMAND: '证书助手版本不匹配，请升级 cabridge。',
    INTERNAL_ERROR: '证书助手内部错误，请重试。' + HOTLINE,
  };
  /** Text for a thrown cabridge error or a portal API refusal ({code, message}). */
  function describe(error) {
    let text = cabridge[error.code] || error.message || '操作失败，请重试。';
    const retries = error.details?.retriesLeft;
    if (error.code === 'PIN_INCORRECT' && Number.isInteger(retries)) text += `还可以尝试 ${retries} 次。`;
    return text;
  }
  return { describe, cabridge };
})();
