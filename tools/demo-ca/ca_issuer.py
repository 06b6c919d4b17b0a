"""The demo CA's issuing side for "老用户延期" (renewal): an order is opened for a customer's
current certificate (issued by one of the test CA's intermediates, possibly expired), and the
certificate request the key made is checked and signed by that same intermediate, with the same
subject and identity extensions (统一社会信用代码, 身份证号, HeBCA's unique id) and a new
validity. Every check a real CA makes before signing lives here, with the openssl CLI doing the
cryptography:

- the old certificate chains to one of our intermediates (we issued it);
- the request's self-signature verifies (the key that asks holds the private key; SM2 with the
  signer ID 1234567812345678);
- the request's key is of the type the order asked for, and its subject is the order's subject.
"""

from __future__ import annotations

import base64
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "pki" / "tests"))
import ext_value  # noqa: E402  (tools/pki's DER walker: identity extensions of the old certificate)

DISTID = "distid:1234567812345678"
OPENSSL_TIMEOUT_S = 20
ORDER_LIFETIME_S = 600
VALIDITY_DAYS = 730
MAX_DER = 16 * 1024
# Identity extensions carried from the old certificate to the renewed one (UTF8String values).
IDENTITY_OIDS = ("1.2.156.10260.4.1.4", "1.2.156.10260.4.4", "1.2.156.10260.4.1.1", "1.2.156.112586.1.4")
EXT_COMMON = """basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""


class CaError(Exception):
    """A refusal with a stable code and a Chinese message for the person."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Intermediate:
    name: str          # "sm2" or "rsa-ec"
    certificate: Path  # PEM
    key: Path          # PEM
    sm2: bool


@dataclass
class Order:
    order_id: str
    subject: str        # RFC 2253, UTF-8 unescaped (openssl -nameopt RFC2253,-esc_msb)
    key_type: str       # "SM2", "RSA-2048" or "P-256"
    intermediate: Intermediate
    identity: dict      # OID -> UTF-8 value
    expires_at: float
    used: bool = False


def _openssl(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["openssl", *args], input=stdin, capture_output=True, timeout=OPENSSL_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise CaError("CA_UNAVAILABLE", f"证书签发服务暂时不可用，请稍后再试。（{type(e).__name__}）") from None


def _der(b64: object, what: str) -> bytes:
    if not isinstance(b64, str) or len(b64) > MAX_DER * 2:
        raise CaError("BAD_REQUEST", f"{what}格式不正确。")
    try:
        der = base64.b64decode(b64, validate=True)
    except ValueError:
        raise CaError("BAD_REQUEST", f"{what}格式不正确。") from None
    if not der or len(der) > MAX_DER:
        raise CaError("BAD_REQUEST", f"{what}格式不正确。")
    return der


def _key_type(text: str) -> str | None:
    """The key type as enroll names it, from `openssl ... -text` output."""
    if "rsaEncryption" in text and "(2048 bit)" in text:
        return "RSA-2048"
    if "SM2" in text:
        return "SM2"
    if "prime256v1" in text or "P-256" in text:
        return "P-256"
    return None


class DemoCa:
    def __init__(self, pki_dir: str, clock=time.time):
        pki = Path(pki_dir)
        self._intermediates = [
            Intermediate("sm2", pki / "sm2-intermediate.pem", pki / "ca" / "sm2-intermediate.key.pem", True),
            Intermediate("rsa-ec", pki / "intermediate.pem", pki / "ca" / "intermediate.key.pem", False),
        ]
        for i in self._intermediates:
            if not i.certificate.is_file() or not i.key.is_file():
                raise FileNotFoundError(f"test CA file missing: {i.certificate} / {i.key}")
        self._orders: dict[str, Order] = {}
        self._lock = threading.Lock()
        self._clock = clock

    # --- step 1: the customer's current certificate -----------------------------------------
    def open_order(self, certificate_b64: object) -> Order:
        der = _der(certificate_b64, "证书")
        with tempfile.TemporaryDirectory() as tmp:
            pem = Path(tmp) / "old.pem"
            out = _openssl(["x509", "-inform", "DER", "-out", str(pem)], der)
            if out.returncode != 0:
                raise CaError("BAD_CERTIFICATE", "证书格式不正确。")
            issuer = self._issuer_of(pem)
            info = _openssl(["x509", "-in", str(pem), "-noout", "-text", "-subject", "-nameopt", "RFC2253,-esc_msb"])
        text = info.stdout.decode("utf-8", "replace")
        subject = next((line[len("subject="):].strip() for line in text.splitlines() if line.startswith("subject=")), "")
        key_type = _key_type(text)
        if not subject or key_type is None:
            raise CaError("UNSUPPORTED_KEY", "该证书的密钥类型不支持在线延期，请到河北CA服务网点办理。")
        identity = {}
        for oid, octets in ext_value.extensions(der):
            if oid in IDENTITY_OIDS:
                tag, value, _ = ext_value.tlv(octets, 0)
                if tag == 0x0C:
                    identity[oid] = value.decode("utf-8")
        order = Order(secrets.token_hex(16), subject, key_type, issuer, identity, self._clock() + ORDER_LIFETIME_S)
        with self._lock:
            now = self._clock()
            for stale in [k for k, o in self._orders.items() if o.expires_at < now]:
                del self._orders[stale]
            self._orders[order.order_id] = order
        return order

    def _issuer_of(self, pem: Path) -> Intermediate:
        """The intermediate that issued the certificate (expired ones too: renewal is for them)."""
        for i in self._intermediates:
            args = ["verify", "-partial_chain", "-no_check_time", "-CAfile", str(i.certificate)]
            if i.sm2:
                args += ["-vfyopt", DISTID]
            if _openssl([*args, str(pem)]).returncode == 0:
                return i
        raise CaError("NOT_OUR_CERTIFICATE", "该证书不是本机构签发的，不能在此办理延期。")

    # --- step 2: the request the key made ----------------------------------------------------
    def issue(self, order_id: object, csr_b64: object) -> bytes:
        """The renewed certificate (DER) for the order's request; the order is used up."""
        if not isinstance(order_id, str) or len(order_id) > 64:
            raise CaError("ORDER_UNKNOWN", "延期业务无效，请重新开始。")
        with self._lock:
            order = self._orders.get(order_id)
            if order is None or order.used or order.expires_at < self._clock():
                raise CaError("ORDER_UNKNOWN", "延期业务无效或已过期，请重新开始。")
            order.used = True  # one request per order, checked or not
        csr = _der(csr_b64, "证书请求")
        vfy = ["-vfyopt", DISTID] if order.intermediate.sm2 else []
        with tempfile.TemporaryDirectory() as tmp:
            csr_file = Path(tmp) / "req.der"
            csr_file.write_bytes(csr)
            check = _openssl(["req", "-inform", "DER", "-in", str(csr_file), "-noout", "-verify", *vfy,
                              "-text", "-subject", "-nameopt", "RFC2253,-esc_msb"])
            text = check.stdout.decode("utf-8", "replace")
            if check.returncode != 0 or "verify OK" not in (text + check.stderr.decode("utf-8", "replace")):
                raise CaError("CSR_INVALID", "证书请求的签名校验失败。")
            subject = next((line[len("subject="):].strip() for line in text.splitlines() if line.startswith("subject=")), "")
            if subject != order.subject:
                raise CaError("CSR_SUBJECT", "证书请求的主题与原证书不一致。")
            if _key_type(text) != order.key_type:
                raise CaError("CSR_KEY_TYPE", "证书请求的密钥类型不正确。")
            ext = Path(tmp) / "ext.cnf"
            ext.write_text("[ext]\n" + EXT_COMMON + "".join(
                f"{oid} = ASN1:UTF8String:{value}\n" for oid, value in order.identity.items()), encoding="utf-8")
            out = Path(tmp) / "new.der"
            sign = ["-sm3", "-sigopt", DISTID] if order.intermediate.sm2 else ["-sha256"]
            result = _openssl(["x509", "-req", "-inform", "DER", "-in", str(csr_file), *vfy,
                               "-CA", str(order.intermediate.certificate), "-CAkey", str(order.intermediate.key),
                               *sign, "-set_serial", "0x" + secrets.token_hex(16), "-days", str(VALIDITY_DAYS),
                               "-extfile", str(ext), "-extensions", "ext", "-outform", "DER", "-out", str(out)])
            if result.returncode != 0 or not out.is_file():
                raise CaError("CA_FAILED", "证书签发失败，请稍后再试。")
            return out.read_bytes()
