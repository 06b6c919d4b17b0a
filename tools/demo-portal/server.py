#!/usr/bin/env python3
"""Demo of the Hebei social-insurance portal's two certificate flows
("CA 绑定" and "CA 证书登录") on 127.0.0.1, using cabridge.

  python3 server.py --port 8088 --db portal.sqlite --verify build/bin/cabridge-verify \
      --ca pki/root.pem --intermediate pki/intermediate.pem [--origin http://127.0.0.1:8088]

Test accounts (created when the database is new): test01 / Test@123456, test02 / Test@123456.
"""

from __future__ import annotations

import argparse
import json
import sys
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import ThreadingHTTPServer
from pathlib import Path

import certificates
from json_handler import JsonHandler, serve_until_interrupted
from portal_store import PortalError, PortalStore

HERE = Path(__file__).resolve().parent
LIBRARY = HERE.parent / "portal-library" / "cabridge.js"
STATIC = {
    "/": (HERE / "static" / "index.html", "text/html; charset=utf-8"),
    "/app.js": (HERE / "static" / "app.js", "text/javascript; charset=utf-8"),
    "/error-messages.js": (HERE / "static" / "error-messages.js", "text/javascript; charset=utf-8"),
    "/style.css": (HERE / "static" / "style.css", "text/css; charset=utf-8"),
    "/cabridge.js": (LIBRARY, "text/javascript; charset=utf-8"),
}
MAX_BODY = 256 * 1024
TEST_ACCOUNTS = [("test01", "Test@123456", "测试账号一"), ("test02", "Test@123456", "测试账号二")]


class PortalConfig:
    def __init__(self, store: PortalStore, verify: str, ca: str, intermediate: str, origin: str):
        self.store, self.verify, self.ca, self.intermediate, self.origin = store, verify, ca, intermediate, origin


def binding_json(binding):
    if not binding:
        return None
    return {"holder": binding.holder, "organisation": binding.organisation, "creditCode": binding.credit_code,
            "notAfter": certificates.iso_time(binding.not_after), "sha256": binding.cert_sha256}


class PortalHandler(JsonHandler):
    server_version = "cabridge-demo-portal"
    config: PortalConfig  # set on the class by make_server
    error_type = PortalError
    max_body = MAX_BODY

    # --- plumbing -----------------------------------------------------------
    def _error(self, status: int, code: str, message: str):
        self._json(status, {"ok": False, "code": code, "message": message})

    def _session_token(self) -> str | None:
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        return cookie["sid"].value if "sid" in cookie else None

    def _current(self):
        token = self._session_token()
        return self.config.store.session(token) if token else None

    # --- routes -----------------------------------------------------------------
    def do_GET(self):
        path = self.path.split("?")[0]
        if self._static(path, STATIC):
            return
        if path == "/api/me":
            current = self._current()
            if not current:
                self._json(200, {"ok": True, "account": None})
                return
            account, method = current
            self._json(200, {"ok": True, "account": {"username": account.username, "displayName": account.display_name},
                             "method": method, "binding": binding_json(self.config.store.binding_for_account(account.id))})
        else:
            self._error(404, "NOT_FOUND", "页面不存在。")

    def do_POST(self):
        routes = {
            "/api/account-login": self._account_login,
            "/api/logout": self._logout,
            "/api/bind-challenge": self._bind_challenge,
            "/api/bind": self._bind,
            "/api/unbind": self._unbind,
            "/api/challenge": self._challenge,
            "/api/ca-login": self._ca_login,
        }
        handler = routes.get(self.path)
        if not handler:
            self._error(404, "NOT_FOUND", "接口不存在。")
            return
        try:
            handler(self._read_json())
        except PortalError as e:
            status = HTTPStatus.UNAUTHORIZED if e.code in ("BAD_PASSWORD", "NOT_LOGGED_IN") else HTTPStatus.BAD_REQUEST
            self._error(status, e.code, e.message)

    def _require_account(self):
        current = self._current()
        if not current:
            raise PortalError("NOT_LOGGED_IN", "请先登录账号。")
        return current[0]

    def _login_response(self, account, method: str, extra: dict):
        token = self.config.store.open_session(account.id, method)
        self._json(200, {"ok": True, "account": {"username": account.username, "displayName": account.display_name},
                         "method": method, **extra},
                   {"Set-Cookie": f"sid={token}; HttpOnly; SameSite=Strict; Path=/"})

    def _account_login(self, body):
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not isinstance(password, str) or len(username) > 64 or len(password) > 128:
            raise PortalError("BAD_PASSWORD", "账号或密码错误。")
        account = self.config.store.check_password(username, password)
        self._login_response(account, "password",
                             {"binding": binding_json(self.config.store.binding_for_account(account.id))})

    def _logout(self, _body):
        token = self._session_token()
        if token:
            self.config.store.close_session(token)
        self._json(200, {"ok": True}, {"Set-Cookie": "sid=; Max-Age=0; Path=/"})

    def _bind_challenge(self, _body):
        account = self._require_account()
        challenge_id, challenge, lifetime = self.config.store.issue_challenge(self.config.store.bind_purpose(account.id))
        self._json(200, {"ok": True, "challengeId": challenge_id, "challenge": challenge, "expiresIn": lifetime})

    def _bind(self, body):
        # Binding proves possession of the key: a login token over a fresh challenge issued to
        # this account, verified like a CA login. A certificate alone (public, copyable) would
        # let anyone squat on someone else's certificate.
        account = self._require_account()
        challenge_id = body.get("challengeId")
        if not isinstance(challenge_id, str) or len(challenge_id) > 64:
            raise PortalError("CHALLENGE_UNKNOWN", "绑定请求无效，请刷新页面后重试。")
        challenge = self.config.store.consume_challenge(challenge_id, self.config.store.bind_purpose(account.id))
        identity = certificates.verify_token(self.config.verify, body.get("token"), self.config.origin, challenge,
                                             self.config.ca, self.config.intermediate, action="绑定")
        subject = identity.get("subject", {})
        binding = self.config.store.bind(account.id, identity.get("sha256", ""), subject.get("CN", ""),
                                         subject.get("O", ""),
                                         identity.get("identity", {}).get("unifiedSocialCreditCode") or "",
                                         identity.get("notAfter", ""))
        self._json(200, {"ok": True, "binding": binding_json(binding)})

    def _unbind(self, _body):
        account = self._require_account()
        self.config.store.unbind(account.id)
        self._json(200, {"ok": True})

    def _challenge(self, _body):
        challenge_id, challenge, lifetime = self.config.store.issue_challenge()
        self._json(200, {"ok": True, "challengeId": challenge_id, "challenge": challenge, "expiresIn": lifetime})

    def _ca_login(self, body):
        challenge_id = body.get("challengeId")
        if not isinstance(challenge_id, str) or len(challenge_id) > 64:
            raise PortalError("CHALLENGE_UNKNOWN", "登录请求无效，请刷新页面后重试。")
        challenge = self.config.store.consume_challenge(challenge_id)
        identity = certificates.verify_token(self.config.verify, body.get("token"), self.config.origin, challenge,
                                             self.config.ca, self.config.intermediate)
        # By credit code, not fingerprint: a renewed certificate of the same organisation logs in
        # to the account its old one was bound to.
        subject = identity.get("subject", {})
        credit_code = identity.get("identity", {}).get("unifiedSocialCreditCode") or ""
        binding = self.config.store.binding_for_credit_code(credit_code) if credit_code else None
        if not binding:
            raise PortalError("CERTIFICATE_NOT_BOUND",
                              "该证书尚未绑定任何账号，请先用账号密码登录，在“CA 绑定”中绑定证书。")
        binding = self.config.store.note_certificate(credit_code, identity.get("sha256", ""), subject.get("CN", ""),
                                                     subject.get("O", ""), identity.get("notAfter", ""))
        account = self.config.store.account(binding.account_id)
        self._login_response(account, "ca", {
            "organisation": subject.get("O", binding.organisation),
            "creditCode": identity.get("identity", {}).get("unifiedSocialCreditCode") or binding.credit_code,
            "holder": subject.get("CN", binding.holder),
            "binding": binding_json(binding),
        })


def make_server(args) -> ThreadingHTTPServer:
    store = PortalStore(args.db)
    if not store.has_accounts():
        for username, password, name in TEST_ACCOUNTS:
            store.create_account(username, password, name)
    server = ThreadingHTTPServer((args.host, args.port), PortalHandler)
    server.daemon_threads = True
    server.verbose = args.verbose  # type: ignore[attr-defined]
    origin = args.origin or f"http://{args.host}:{server.server_address[1]}"
    PortalHandler.config = PortalConfig(store, args.verify, args.ca, args.intermediate, origin)
    return server


def parse_args(argv):
    p = argparse.ArgumentParser(description="cabridge demo portal (河北社保 CA 绑定 / CA 证书登录)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8088, help="0 picks a free port")
    p.add_argument("--db", required=True, help="SQLite database file (created if missing)")
    p.add_argument("--verify", required=True, help="path of the cabridge-verify CLI")
    p.add_argument("--ca", required=True, help="trusted root CA (PEM)")
    p.add_argument("--intermediate", required=True, help="intermediate CA (PEM)")
    p.add_argument("--origin", help="this portal's origin as browsers see it (default http://HOST:PORT)")
    p.add_argument("--verbose", action="store_true")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    serve_until_interrupted(make_server(args), PortalHandler.config.origin)


if __name__ == "__main__":
    main()
