"""HTTP-level tests of the demo portal: real server on a free port, real
SQLite file, the real cabridge-verify (path in CABRIDGE_VERIFY; CTest sets it)
checking tokens signed here with the openssl CLI over certificates made here.
The whole flow in a browser with the extension and host is tests/e2e."""

import base64
import hashlib
import json
import os
import subprocess
import tempfile
import threading
import unittest
import urllib.error
import urllib.request

import certificates
import server

VERIFY = os.environ.get("CABRIDGE_VERIFY", "")


def openssl(*args, cwd, data=None):
    return subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, input=data).stdout


def make_pki(d):
    """root -> intermediate -> leaf (with a credit code in its subject OU), and a self-signed stranger."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "root.key",
            "-out", "root.pem", "-days", "30", "-subj", "/CN=Test Root", cwd=d)
    with open(os.path.join(d, "ca.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "int.key",
            "-out", "int.csr", "-subj", "/CN=Test Intermediate", cwd=d)
    openssl("x509", "-req", "-in", "int.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial",
            "-out", "intermediate.pem", "-days", "30", "-extfile", "ca.ext", cwd=d)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "leaf.key",
            "-out", "leaf.csr", "-utf8", "-subj", "/C=CN/O=河北测试科技有限公司/OU=91130100MA0D1Y2X3E/CN=河北测试科技有限公司", cwd=d)
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "intermediate.pem", "-CAkey", "int.key", "-CAcreateserial",
            "-out", "leaf.pem", "-days", "10", "-outform", "DER", cwd=d)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "s.key",
            "-out", "stranger.der", "-outform", "DER", "-days", "10", "-subj", "/CN=Stranger", cwd=d)
    # The same organisation's renewed certificate: a new key, the same subject (credit code in OU).
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "renewed.key",
            "-out", "renewed.csr", "-utf8", "-subj", "/C=CN/O=河北测试科技有限公司/OU=91130100MA0D1Y2X3E/CN=河北测试科技有限公司", cwd=d)
    openssl("x509", "-req", "-in", "renewed.csr", "-CA", "intermediate.pem", "-CAkey", "int.key", "-CAcreateserial",
            "-out", "renewed.der", "-days", "20", "-outform", "DER", cwd=d)
    # A personal certificate: no credit code, nothing to bind a unit account to.
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "person.key",
            "-out", "person.csr", "-utf8", "-subj", "/C=CN/CN=张三", cwd=d)
    openssl("x509", "-req", "-in", "person.csr", "-CA", "intermediate.pem", "-CAkey", "int.key", "-CAcreateserial",
            "-out", "person.der", "-days", "20", "-outform", "DER", cwd=d)
    read = lambda name: base64.b64encode(open(os.path.join(d, name), "rb").read()).decode()
    return read("leaf.pem"), read("stranger.der"), read("renewed.der"), read("person.der")


class DateTest(unittest.TestCase):
    def test_openssl_dates_become_iso_8601(self):
        self.assertEqual(certificates.iso_time("Dec  6 13:09:20 2028 GMT"), "2028-12-06T13:09:20Z")
        self.assertEqual(certificates.iso_time("Jan 31 00:00:00 2030 GMT"), "2030-01-31T00:00:00Z")
        self.assertEqual(certificates.iso_time("2028-12-06T13:09:20Z"), "2028-12-06T13:09:20Z")
        self.assertEqual(certificates.iso_time("Foo  6 13:09:20 2028 GMT"), "Foo  6 13:09:20 2028 GMT")
        self.assertEqual(certificates.iso_time(""), "")


def make_token(d, origin, challenge_b64, certificate_b64, key="leaf.key"):
    """An ES256 AuthToken (format cabridge-auth:2) signed with `key` by the openssl CLI."""
    message = (b"cabridge-auth:2\0" + hashlib.sha256(origin.encode()).digest()
               + hashlib.sha256(base64.b64decode(challenge_b64)).digest())
    signature = openssl("dgst", "-sha256", "-sign", key, cwd=d, data=message)
    return {"format": "cabridge-auth:2", "certificate": certificate_b64, "algorithm": "ES256",
            "signature": base64.b64encode(signature).decode(), "origin": origin, "appVersion": "test",
            "mode": "origin-bound"}


class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(VERIFY, os.X_OK):
            raise RuntimeError(f"set CABRIDGE_VERIFY to the built cabridge-verify (got {VERIFY!r})")
        cls.dir = tempfile.TemporaryDirectory()
        cls.leaf, cls.stranger, cls.renewed, cls.person = make_pki(cls.dir.name)
        args = server.parse_args(["--port", "0", "--db", os.path.join(cls.dir.name, "p.sqlite"),
                                  "--verify", VERIFY,
                                  "--ca", os.path.join(cls.dir.name, "root.pem"),
                                  "--intermediate", os.path.join(cls.dir.name, "intermediate.pem")])
        cls.httpd = server.make_server(args)
        cls.base = server.PortalHandler.config.origin
        threading.Thread(target=cls.httpd.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.httpd.shutdown()
        cls.httpd.server_close()
        cls.dir.cleanup()

    def call(self, path, body=None, cookie=None, origin=None):
        headers = {"Content-Type": "application/json"}
        if cookie:
            headers["Cookie"] = cookie
        if origin:
            headers["Origin"] = origin
        req = urllib.request.Request(self.base + path, data=None if body is None else json.dumps(body).encode(),
                                     headers=headers, method="GET" if body is None else "POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read()), r.headers.get("Set-Cookie")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read()), None

    def login(self, user):
        status, body, cookie = self.call("/api/account-login", {"username": user, "password": "Test@123456"})
        self.assertEqual(status, 200, body)
        return cookie.split(";")[0]

    def test_serves_page_and_library(self):
        for path in ("/", "/cabridge.js", "/app.js", "/error-messages.js"):
            with urllib.request.urlopen(self.base + path, timeout=10) as r:
                self.assertEqual(r.status, 200)
        with urllib.request.urlopen(self.base + "/", timeout=10) as r:
            self.assertIn("CA 证书登录", r.read().decode())

    def test_wrong_password(self):
        status, body, _ = self.call("/api/account-login", {"username": "test01", "password": "nope"})
        self.assertEqual((status, body["code"]), (401, "BAD_PASSWORD"))

    def bind(self, cookie, certificate=None, key="leaf.key"):
        """The page's side of CA binding: a bind challenge, a token over it, the bind call."""
        status, issued, _ = self.call("/api/bind-challenge", {}, cookie)
        self.assertEqual(status, 200, issued)
        token = make_token(self.dir.name, self.base, issued["challenge"], certificate or self.leaf, key)
        return self.call("/api/bind", {"challengeId": issued["challengeId"], "token": token}, cookie)

    def test_bind_rules_over_http(self):
        a, b = self.login("test01"), self.login("test02")
        status, body, _ = self.bind(a)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["binding"]["organisation"], "河北测试科技有限公司")
        self.assertEqual(body["binding"]["holder"], "河北测试科技有限公司")
        self.assertEqual(body["binding"]["creditCode"], "91130100MA0D1Y2X3E")  # read by the verifier
        self.assertEqual(body["binding"]["sha256"], hashlib.sha256(base64.b64decode(self.leaf)).hexdigest())
        # ISO 8601 UTC, as in CertInfo; the page shows its date part in the person's time zone.
        self.assertRegex(body["binding"]["notAfter"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        status, body, _ = self.bind(b)
        self.assertEqual(body["code"], "CERTIFICATE_BOUND_ELSEWHERE")
        status, body, _ = self.bind(a)
        self.assertEqual(body["code"], "ACCOUNT_ALREADY_BOUND")
        self.assertEqual(self.call("/api/unbind", {}, a)[0], 200)
        status, body, _ = self.bind(b)
        self.assertEqual(status, 200, body)
        # The bound certificate logs in to its account, through the real verifier.
        _, issued, _ = self.call("/api/challenge", {})
        token = make_token(self.dir.name, self.base, issued["challenge"], self.leaf)
        status, body, _ = self.call("/api/ca-login", {"challengeId": issued["challengeId"], "token": token})
        self.assertEqual((status, body["account"]["username"]), (200, "test02"), body)
        self.call("/api/unbind", {}, b)

    def ca_login(self, certificate, key):
        _, issued, _ = self.call("/api/challenge", {})
        token = make_token(self.dir.name, self.base, issued["challenge"], certificate, key)
        return self.call("/api/ca-login", {"challengeId": issued["challengeId"], "token": token})

    def test_renewed_certificate_logs_in_to_the_account_bound_by_credit_code(self):
        a = self.login("test01")
        status, body, _ = self.bind(a)
        self.assertEqual(status, 200, body)
        status, body, _ = self.ca_login(self.renewed, "renewed.key")
        self.assertEqual((status, body["account"]["username"]), (200, "test01"), body)
        # The binding now shows the certificate that logged in.
        self.assertEqual(body["binding"]["sha256"], hashlib.sha256(base64.b64decode(self.renewed)).hexdigest())
        self.assertEqual(body["binding"]["creditCode"], "91130100MA0D1Y2X3E")
        # Another account cannot bind the renewed certificate: same organisation.
        status, body, _ = self.bind(self.login("test02"), certificate=self.renewed, key="renewed.key")
        self.assertEqual((status, body["code"]), (400, "CERTIFICATE_BOUND_ELSEWHERE"), body)
        self.call("/api/unbind", {}, a)
        status, body, _ = self.ca_login(self.renewed, "renewed.key")
        self.assertEqual((status, body["code"]), (400, "CERTIFICATE_NOT_BOUND"), body)

    def test_certificate_without_credit_code_not_bound(self):
        status, body, _ = self.bind(self.login("test01"), certificate=self.person, key="person.key")
        self.assertEqual((status, body["code"]), (400, "NO_CREDIT_CODE"), body)
        status, body, _ = self.ca_login(self.person, "person.key")
        self.assertEqual((status, body["code"]), (400, "CERTIFICATE_NOT_BOUND"), body)

    def test_copy_of_a_certificate_cannot_be_bound(self):
        # Issue #13: a squatter holding only a copy of someone's (public) certificate.
        squatter = self.login("test02")
        status, body, _ = self.call("/api/bind", {"certificate": self.leaf, "creditCode": "91130100MA0D1Y2X3E"},
                                    squatter)
        self.assertEqual((status, body["code"]), (400, "CHALLENGE_UNKNOWN"), body)
        # A token with the victim's certificate, signed with the squatter's own key.
        status, body, _ = self.bind(squatter, key="s.key")
        self.assertEqual((status, body["code"]), (400, "VERIFY_SIGNATURE_INVALID"), body)
        _, me, _ = self.call("/api/me", None, squatter)
        self.assertIsNone(me["binding"])
        # The owner, who holds the key, can still bind it.
        owner = self.login("test01")
        status, body, _ = self.bind(owner)
        self.assertEqual(status, 200, body)
        self.call("/api/unbind", {}, owner)

    def test_challenges_serve_only_their_purpose(self):
        a, b = self.login("test01"), self.login("test02")
        # A bind challenge issued to test01 does not bind for test02.
        _, issued, _ = self.call("/api/bind-challenge", {}, a)
        token = make_token(self.dir.name, self.base, issued["challenge"], self.leaf)
        status, body, _ = self.call("/api/bind", {"challengeId": issued["challengeId"], "token": token}, b)
        self.assertEqual((status, body["code"]), (400, "CHALLENGE_UNKNOWN"), body)
        # A login challenge does not bind, and a bind challenge does not log in.
        _, issued, _ = self.call("/api/challenge", {})
        token = make_token(self.dir.name, self.base, issued["challenge"], self.leaf)
        status, body, _ = self.call("/api/bind", {"challengeId": issued["challengeId"], "token": token}, a)
        self.assertEqual((status, body["code"]), (400, "CHALLENGE_UNKNOWN"), body)
        _, issued, _ = self.call("/api/bind-challenge", {}, a)
        token = make_token(self.dir.name, self.base, issued["challenge"], self.leaf)
        status, body, _ = self.call("/api/ca-login", {"challengeId": issued["challengeId"], "token": token})
        self.assertEqual((status, body["code"]), (400, "CHALLENGE_UNKNOWN"), body)
        for cookie in (a, b):
            self.assertIsNone(self.call("/api/me", None, cookie)[1]["binding"])

    def test_untrusted_certificate_not_bound(self):
        status, body, _ = self.bind(self.login("test01"), certificate=self.stranger, key="s.key")
        self.assertEqual((status, body["code"]), (400, "VERIFY_CHAIN_UNTRUSTED"), body)

    def test_bind_needs_account_login(self):
        for path in ("/api/bind-challenge", "/api/bind"):
            status, body, _ = self.call(path, {})
            self.assertEqual((status, body["code"]), (401, "NOT_LOGGED_IN"), path)

    def test_garbage_token(self):
        cookie = self.login("test01")
        _, issued, _ = self.call("/api/bind-challenge", {}, cookie)
        status, body, _ = self.call("/api/bind", {"challengeId": issued["challengeId"], "token": "!!!"}, cookie)
        self.assertEqual(body["code"], "TOKEN_INVALID")

    def test_ca_login_challenge_single_use(self):
        _, issued, _ = self.call("/api/challenge", {})
        self.assertEqual(len(base64.b64decode(issued["challenge"])), 32)
        # The first attempt fails (no token); the challenge is used up all the same.
        _, first, _ = self.call("/api/ca-login", {"challengeId": issued["challengeId"], "token": "not-a-token"})
        self.assertEqual(first["code"], "TOKEN_INVALID")
        _, second, _ = self.call("/api/ca-login", {"challengeId": issued["challengeId"], "token": "not-a-token"})
        self.assertEqual(second["code"], "CHALLENGE_USED")

    def test_cross_site_post_refused(self):
        status, body, _ = self.call("/api/challenge", {}, origin="http://evil.example")
        self.assertEqual(body["code"], "BAD_ORIGIN")

    def test_malformed_body(self):
        req = urllib.request.Request(self.base + "/api/account-login", data=b"[1,2", method="POST",
                                     headers={"Content-Type": "application/json"})
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(json.loads(ctx.exception.read())["code"], "BAD_REQUEST")


if __name__ == "__main__":
    unittest.main()
