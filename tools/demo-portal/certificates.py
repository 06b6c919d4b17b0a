"""Server-side check of AuthTokens with cabridge-verify, for both CA login and
CA binding: the portal binds and logs in only a certificate whose key signed a
fresh challenge of its own. The page's word is never taken for anything that
decides access."""

from __future__ import annotations

import base64
import json
import re
import subprocess

from portal_store import PortalError

VERIFY_TIMEOUT_S = 15

_MONTHS = {name: i for i, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}


def iso_time(openssl_time: str) -> str:
    """openssl's "Dec  6 13:09:20 2028 GMT" as "2028-12-06T13:09:20Z" (what the host's CertInfo
    uses; the page shows the date in the person's time zone). Text already in that form is kept,
    anything else comes back unchanged (bindings stored by an older portal, hand-edited rows)."""
    if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", openssl_time):
        return openssl_time
    m = re.fullmatch(r"([A-Z][a-z]{2}) +(\d{1,2}) (\d\d:\d\d:\d\d) (\d{4}) GMT", openssl_time.strip())
    if not m or m.group(1) not in _MONTHS:
        return openssl_time
    return f"{m.group(4)}-{_MONTHS[m.group(1)]:02d}-{int(m.group(2)):02d}T{m.group(3)}Z"


def verify_token(verify_cli: str, token: object, origin: str, challenge: bytes, ca: str, intermediate: str,
                 action: str = "登录") -> dict:
    """Runs cabridge-verify on an AuthToken; returns its identity JSON or raises.
    `action` ("登录" or "绑定") only words the messages."""
    if not isinstance(token, dict):
        raise PortalError("TOKEN_INVALID", "证书签名数据格式不正确。")
    args = [verify_cli, "--token", "-", "--origin", origin,
            "--challenge", base64.b64encode(challenge).decode("ascii"),
            "--ca", ca, "--intermediate", intermediate]
    try:
        result = subprocess.run(args, input=json.dumps(token), capture_output=True, text=True, timeout=VERIFY_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise PortalError("VERIFY_UNAVAILABLE", f"服务器无法校验证书签名，请稍后再试。（{type(e).__name__}）") from None
    try:
        answer = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        answer = {}
    if result.returncode == 0 and answer.get("valid") is True:
        return answer
    code = answer.get("error") or f"EXIT_{result.returncode}"
    messages = {
        "CERTIFICATE_EXPIRED": f"证书已过期，不能{action}。请登录河北CA网上服务大厅 www.hebca.com 办理证书延期"
                               "（服务热线 400-707-3355）。",
        "CERTIFICATE_REVOKED": f"证书已被吊销，不能{action}。请联系河北CA（服务热线 400-707-3355）。",
        "CHAIN_UNTRUSTED": f"该证书不是本网站认可的证书机构签发的，不能{action}。",
        "ORIGIN_MISMATCH": "证书签名不是为本网站生成的，已拒绝。",
        "SIGNATURE_INVALID": f"证书签名校验失败，请重新{action}。",
    }
    raise PortalError(f"VERIFY_{code}", messages.get(code, f"证书{action}校验失败（{code}），请重试。"))
