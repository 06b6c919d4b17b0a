"""HTTP-level tests of the demo portal: real server on a free port, real
SQLite file, real openssl for the certificate checks (test certificates made
here with the openssl CLI). The verify path of CA login is exercised
end-to-end in tests/e2e with the real cabridge-verify."""

import base64
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


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


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
    read = lambda name: base64.b64encode(open(os.path.join(d, name), "rb").read()).decode()
    return read("leaf.pem"), read("stranger.der")


class DateTest(unittest.TestCase):
    def test_openssl_dates_become_iso_8601(self):
        self.assertEqual(certificates.iso_time("Dec  6 13:09:20 2028 GMT"), "2028-12-06T13:09:20Z")
        self.assertEqual(certificates.iso_time("Jan 31 00:00:00 2030 GMT"), "2030-01-31T00:00:00Z")
        self.assertEqual(certificates.iso_time("2028-12-06T13:09:20Z"), "2028-12-06T13:09:20Z")
        self.assertEqual(certificates.iso_time("Foo  6 13:09:20 2028 GMT"), "Foo  6 13:09:20 2028 GMT")
        self.assertEqual(certificates.iso_time(""), "")


class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.leaf, cls.stranger = make_pki(cls.dir.name)
        args = server.parse_args(["--port", "0", "--db", os.path.join(cls.dir.name, "p.sqlite"),
                                  "--verify", "/nonexistent/cabridge-verify",
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

    def test_bind_rules_over_http(self):
        a, b = self.login("test01"), self.login("test02")
        status, body, _ = self.call("/api/bind", {"certificate": self.leaf, "creditCode": "91130100MA0D1Y2X3E"}, a)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["binding"]["organisation"], "河北测试科技有限公司")
        self.assertEqual(body["binding"]["creditCode"], "91130100MA0D1Y2X3E")
        # ISO 8601 UTC, as in CertInfo; the page shows its date part in the person's time zone.
        self.assertRegex(body["binding"]["notAfter"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        status, body, _ = self.call("/api/bind", {"certificate": self.leaf}, b)
        self.assertEqual(body["code"], "CERTIFICATE_BOUND_ELSEWHERE")
        status, body, _ = self.call("/api/bind", {"certificate": self.leaf}, a)
        self.assertEqual(body["code"], "ACCOUNT_ALREADY_BOUND")
        self.assertEqual(self.call("/api/unbind", {}, a)[0], 200)
        status, body, _ = self.call("/api/bind", {"certificate": self.leaf, "creditCode": "NOT-IN-CERT"}, b)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["binding"]["creditCode"], "")  # a code the certificate lacks is not kept
        self.call("/api/unbind", {}, b)

    def test_untrusted_certificate_not_bound(self):
        status, body, _ = self.call("/api/bind", {"certificate": self.stranger}, self.login("test01"))
        self.assertEqual((status, body["code"]), (400, "CERTIFICATE_UNTRUSTED"))

    def test_bind_needs_account_login(self):
        status, body, _ = self.call("/api/bind", {"certificate": self.leaf})
        self.assertEqual((status, body["code"]), (401, "NOT_LOGGED_IN"))

    def test_garbage_certificate(self):
        status, body, _ = self.call("/api/bind", {"certificate": "!!!"}, self.login("test01"))
        self.assertEqual(body["code"], "BAD_CERTIFICATE")

    def test_ca_login_challenge_single_use(self):
        _, issued, _ = self.call("/api/challenge", {})
        self.assertEqual(len(base64.b64decode(issued["challenge"])), 32)
        # The verifier path is bogus here, so the first attempt fails at
        # verification; the challenge is used up all the same.
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
