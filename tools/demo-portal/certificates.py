"""Server-side checks on certificates and login tokens, done with real tools:
the openssl CLI for the chain and subject, cabridge-verify for AuthTokens.
The page's word is never taken for anything that decides access."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import subprocess
import tempfile

from portal_store import PortalError

VERIFY_TIMEOUT_S = 15


def decode_certificate(b64: object) -> bytes:
    if not isinstance(b64, str) or not b64 or len(b64) > 65536:
        raise PortalError("BAD_CERTIFICATE", "证书数据不正确。")
    try:
        der = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise PortalError("BAD_CERTIFICATE", "证书数据不正确。") from None
    if len(der) < 100 or der[0] != 0x30:
        raise PortalError("BAD_CERTIFICATE", "证书数据不正确。")
    return der


def fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def _with_pem(der: bytes, fn):
    pem = b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        return fn(path)
    finally:
        os.unlink(path)


def check_chain(der: bytes, ca: str, intermediate: str) -> None:
    """Raises unless the certificate chains to the portal's trusted CA and is valid now."""
    def run(path):
        return subprocess.run(["openssl", "verify", "-CAfile", ca, "-untrusted", intermediate, path],
                              capture_output=True, text=True, timeout=VERIFY_TIMEOUT_S)
    result = _with_pem(der, run)
    if result.returncode != 0:
        if "expired" in (result.stdout + result.stderr):
            raise PortalError("CERTIFICATE_EXPIRED",
                              "证书已过期，不能绑定。请登录河北CA网上服务大厅 www.hebca.com 办理证书延期（服务热线 400-707-3355）。")
        raise PortalError("CERTIFICATE_UNTRUSTED", "该证书不是本网站认可的证书机构签发的，不能绑定。")


def _unescape_rfc2253(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


_MONTHS = {name: i for i, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}


def iso_time(openssl_time: str) -> str:
    """openssl's "Dec  6 13:09:20 2028 GMT" as "2028-12-06T13:09:20Z" (what the host's CertInfo
    uses; the page shows the date in the person's time zone). Text already in that form is kept,
    anything else comes back unchanged (older bindings, hand-edited rows)."""
    if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", openssl_time):
        return openssl_time
    m = re.fullmatch(r"([A-Z][a-z]{2}) +(\d{1,2}) (\d\d:\d\d:\d\d) (\d{4}) GMT", openssl_time.strip())
    if not m or m.group(1) not in _MONTHS:
        return openssl_time
    return f"{m.group(4)}-{_MONTHS[m.group(1)]:02d}-{int(m.group(2)):02d}T{m.group(3)}Z"


def subject_fields(der: bytes) -> dict[str, str]:
    """CN and O of the subject, read by openssl (UTF-8, RFC 2253), and notAfter in ISO 8601 UTC."""
    def run(path):
        return subprocess.run(["openssl", "x509", "-in", path, "-noout", "-subject", "-enddate",
                               "-nameopt", "RFC2253,-esc_msb"],
                              capture_output=True, text=True, timeout=VERIFY_TIMEOUT_S)
    result = _with_pem(der, run)
    if result.returncode != 0:
        raise PortalError("BAD_CERTIFICATE", "证书数据不正确。")
    fields: dict[str, str] = {}
    for line in result.stdout.splitlines():
        if line.startswith("subject="):
            # Split on commas not escaped by a backslash.
            for part in re.split(r"(?<!\\),", line[len("subject="):]):
                key, _, value = part.strip().partition("=")
                fields.setdefault(key, _unescape_rfc2253(value))
        elif line.startswith("notAfter="):
            fields["notAfter"] = iso_time(line[len("notAfter="):])
    return fields


def verify_token(verify_cli: str, token: object, origin: str, challenge: bytes, ca: str, intermediate: str) -> dict:
    """Runs cabridge-verify on an AuthToken; returns its identity JSON or raises."""
    if not isinstance(token, dict):
        raise PortalError("TOKEN_INVALID", "登录凭证格式不正确。")
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
        "CERTIFICATE_EXPIRED": "证书已过期，请登录河北CA网上服务大厅 www.hebca.com 办理证书延期。",
        "CHAIN_UNTRUSTED": "该证书不是本网站认可的证书机构签发的。",
        "ORIGIN_MISMATCH": "登录凭证不是为本网站生成的，已拒绝。",
        "SIGNATURE_INVALID": "证书签名校验失败，请重新登录。",
    }
    raise PortalError(f"VERIFY_{code}", messages.get(code, f"证书登录校验失败（{code}），请重新登录。"))
