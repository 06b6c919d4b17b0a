#!/usr/bin/env python3
"""Demo of a CA's own web site on 127.0.0.1 (河北CA网上服务大厅, cabridge demo): "老用户延期"
(renewal: read the key's certificate, confirm, the pay step skipped, a new key pair on the key
through cabridge.enroll, the test CA signs its request, "安装证书" through
cabridge.installCertificate) and "在线解锁" (the key's unlock request through
cabridge.unlockChallenge, the CA's answer from the unlock responder, the new PIN set in the
extension's window through cabridge.unlockWithResponse).

  python3 server.py --port 8089 --pki PKI_DIR [--vendor hebca] [--responder CMD ...]
      [--origin http://127.0.0.1:8089]

PKI_DIR is tools/pki/make-test-pki.sh's output: the CA keys in PKI_DIR/ca issue the renewed
certificates. The origin must be one of the plugin's (or the policy's) enrolment origins.
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
import base64
from http.server import ThreadingHTTPServer
from pathlib import Path

from ca_issuer import CaError, DemoCa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "demo-portal"))
from json_handler import JsonHandler, serve_until_interrupted  # noqa: E402  (the HTTP plumbing the demo portal uses too)

HERE = Path(__file__).resolve().parent
LIBRARY = HERE.parent / "portal-library" / "cabridge.js"
STATIC = {
    "/": (HERE / "static" / "renew.html", "text/html; charset=utf-8"),
    "/unlock": (HERE / "static" / "unlock.html", "text/html; charset=utf-8"),
    "/renew.js": (HERE / "static" / "renew.js", "text/javascript; charset=utf-8"),
    "/unlock.js": (HERE / "static" / "unlock.js", "text/javascript; charset=utf-8"),
    "/common.js": (HERE / "static" / "common.js", "text/javascript; charset=utf-8"),
    "/style.css": (HERE.parent / "demo-portal" / "static" / "style.css", "text/css; charset=utf-8"),
    "/ca.css": (HERE / "static" / "ca.css", "text/css; charset=utf-8"),
    "/cabridge.js": (LIBRARY, "text/javascript; charset=utf-8"),
}
MAX_BODY = 64 * 1024
RESPONDER_TIMEOUT_S = 20
SERIAL = re.compile(r"^[\x21-\x7e]{1,64}$")


class CaConfig:
    def __init__(self, ca: DemoCa, origin: str, vendor: str, responder: list[str] | None):
        self.ca, self.origin, self.vendor, self.responder = ca, origin, vendor, responder


def unlock_response(responder: list[str] | None, serial: object, challenge: object) -> str:
    """The CA server's answer to a key's unlock request, from the responder command
    (`CMD --serial S --challenge B64` prints the base64 response)."""
    if not responder:
        raise CaError("UNLOCK_UNAVAILABLE", "本站未配置在线解锁服务，请到河北CA服务网点办理解锁。")
    if not isinstance(serial, str) or not SERIAL.match(serial):
        raise CaError("BAD_REQUEST", "USB Key 序列号格式不正确。")
    if not isinstance(challenge, str) or len(challenge) > 1024:
        raise CaError("BAD_REQUEST", "解锁请求码格式不正确。")
    try:
        base64.b64decode(challenge, validate=True)
    except ValueError:
        raise CaError("BAD_REQUEST", "解锁请求码格式不正确。") from None
    try:
        result = subprocess.run([*responder, "--serial", serial, "--challenge", challenge],
                                capture_output=True, text=True, timeout=RESPONDER_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise CaError("UNLOCK_UNAVAILABLE", f"在线解锁服务暂时不可用，请稍后再试。（{type(e).__name__}）") from None
    answer = result.stdout.strip()
    if result.returncode != 0 or not answer:
        raise CaError("UNLOCK_REFUSED", "本机构没有该 USB Key 的解锁记录，请到河北CA服务网点办理解锁。")
    return answer


class CaHandler(JsonHandler):
    server_version = "cabridge-demo-ca"
    config: CaConfig  # set on the class by make_server
    error_type = CaError
    max_body = MAX_BODY

    def do_GET(self):
        path = self.path.split("?")[0]
        if self._static(path, STATIC):
            return
        if path == "/api/config":
            self._json(200, {"ok": True, "vendor": self.config.vendor, "unlock": bool(self.config.responder)})
        else:
            self._json(404, {"ok": False, "code": "NOT_FOUND", "message": "页面不存在。"})

    def do_POST(self):
        routes = {
            "/api/renew/start": self._renew_start,
            "/api/renew/issue": self._renew_issue,
            "/api/unlock/response": self._unlock_response,
        }
        handler = routes.get(self.path)
        if not handler:
            self._json(404, {"ok": False, "code": "NOT_FOUND", "message": "接口不存在。"})
            return
        try:
            self._json(200, {"ok": True, **handler(self._read_json())})
        except CaError as e:
            self._json(400, {"ok": False, "code": e.code, "message": e.message})

    def _renew_start(self, body):
        # Demo: the customer's identity check and the payment are skipped; the CA renews any
        # certificate it issued, for the key that holds it (enroll runs on that key).
        order = self.config.ca.open_order(body.get("certificate"))
        return {"orderId": order.order_id, "subject": order.subject, "keyType": order.key_type,
                "creditCode": order.identity.get("1.2.156.10260.4.1.4") or order.identity.get("1.2.156.10260.4.4")}

    def _renew_issue(self, body):
        der = self.config.ca.issue(body.get("orderId"), body.get("csr"))
        return {"certificate": base64.b64encode(der).decode("ascii")}

    def _unlock_response(self, body):
        return {"response": unlock_response(self.config.responder, body.get("serial"), body.get("challenge"))}


def make_server(args) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((args.host, args.port), CaHandler)
    server.daemon_threads = True
    server.verbose = args.verbose  # type: ignore[attr-defined]
    origin = args.origin or f"http://{args.host}:{server.server_address[1]}"
    responder = shlex.split(args.responder) if args.responder else None
    CaHandler.config = CaConfig(DemoCa(args.pki), origin, args.vendor, responder)
    return server


def parse_args(argv):
    p = argparse.ArgumentParser(description="cabridge demo CA site (老用户延期 / 在线解锁)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8089, help="0 picks a free port")
    p.add_argument("--pki", required=True, help="tools/pki/make-test-pki.sh output (the CA keys in PKI/ca)")
    p.add_argument("--vendor", help="plugin id the pages ask cabridge for (default: every vendor this site enrols for)")
    p.add_argument("--responder", help="online-unlock responder command; gets --serial S --challenge B64")
    p.add_argument("--origin", help="this site's origin as browsers see it (default http://HOST:PORT)")
    p.add_argument("--verbose", action="store_true")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    serve_until_interrupted(make_server(args), CaHandler.config.origin)


if __name__ == "__main__":
    main()
