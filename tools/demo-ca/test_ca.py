"""Tests of the demo CA: renewal orders and issuing with the test PKI (tools/pki/make-test-pki.sh,
made once for the module), requests made here with the openssl CLI, and the HTTP API on a free
port with a stand-in unlock responder."""

import base64
import json
import os
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.error
import urllib.request
from pathlib import Path

import ca_issuer
import server
from ca_issuer import CaError, DemoCa

HERE = Path(__file__).resolve().parent
DISTID = "distid:1234567812345678"
PKI = None
TMP = None


def setUpModule():
    global PKI, TMP
    TMP = tempfile.TemporaryDirectory()
    PKI = Path(TMP.name) / "pki"
    subprocess.run(["bash", str(HERE.parent / "pki" / "make-test-pki.sh"), str(PKI)], check=True, capture_output=True,
                   timeout=180)


def tearDownModule():
    TMP.cleanup()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def old(name: str) -> str:
    return b64((PKI / f"{name}.der").read_bytes())


def csr(key_type: str, subject: str, tmp: str) -> bytes:
    """A request by a fresh key of `key_type` for `subject` (RFC 2253 text, as the order gives it)."""
    key = os.path.join(tmp, "k.pem")
    algorithm = {"SM2": ["-algorithm", "SM2"], "RSA-2048": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
                 "P-256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]}[key_type]
    subprocess.run(["openssl", "genpkey", *algorithm, "-out", key], check=True, capture_output=True)
    sm2 = ["-sm3", "-sigopt", DISTID] if key_type == "SM2" else []
    subj = "/" + "/".join(reversed(subject.split(",")))
    return subprocess.run(["openssl", "req", "-new", "-key", key, "-utf8", "-subj", subj, *sm2, "-outform", "DER"],
                          check=True, capture_output=True).stdout


def text(der: bytes) -> str:
    return subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-text", "-subject", "-nameopt", "RFC2253,-esc_msb"],
                          input=der, capture_output=True, check=True).stdout.decode()


class IssuerTest(unittest.TestCase):
    def setUp(self):
        self.ca = DemoCa(str(PKI))
        self.tmp = tempfile.mkdtemp()

    def test_sm2_renewal_keeps_subject_and_credit_code_and_chains_to_the_sm2_intermediate(self):
        order = self.ca.open_order(old("sm2-sign"))
        self.assertEqual(order.key_type, "SM2")
        self.assertEqual(order.subject, "CN=河北国密测试有限公司,O=河北国密测试有限公司,L=石家庄市,ST=河北省,C=CN")
        der = self.ca.issue(order.order_id, b64(csr("SM2", order.subject, self.tmp)))
        pem = os.path.join(self.tmp, "new.pem")
        subprocess.run(["openssl", "x509", "-inform", "DER", "-out", pem], input=der, check=True)
        verify = subprocess.run(["openssl", "verify", "-vfyopt", DISTID, "-partial_chain", "-CAfile",
                                 str(PKI / "sm2-intermediate.pem"), pem], capture_output=True)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
        out = text(der)
        self.assertIn(f"subject={order.subject}", out)
        self.assertIn("91130100MA0F3T5X8U", out)
        old_serial = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-serial"],
                                    input=(PKI / "sm2-sign.der").read_bytes(), capture_output=True).stdout
        new_serial = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-serial"], input=der, capture_output=True).stdout
        self.assertNotEqual(old_serial, new_serial)

    def test_expired_rsa_certificate_renews_with_a_new_validity_and_its_identity_extensions(self):
        order = self.ca.open_order(old("expired"))
        self.assertEqual(order.key_type, "RSA-2048")
        der = self.ca.issue(order.order_id, b64(csr("RSA-2048", order.subject, self.tmp)))
        pem = os.path.join(self.tmp, "new.pem")
        subprocess.run(["openssl", "x509", "-inform", "DER", "-out", pem], input=der, check=True)
        verify = subprocess.run(["openssl", "verify", "-CAfile", str(PKI / "root.pem"), "-untrusted",
                                 str(PKI / "intermediate.pem"), pem], capture_output=True)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)  # valid now, unlike the old one
        self.assertIn("91130100MA07RK3C2F", text(der))

    def test_refusals(self):
        stranger = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                   "-keyout", os.path.join(self.tmp, "s.key"), "-subj", "/CN=Stranger", "-days", "5",
                                   "-outform", "DER"], capture_output=True, check=True).stdout
        for value, code in ((b64(stranger), "NOT_OUR_CERTIFICATE"), ("not base64!", "BAD_REQUEST"), (None, "BAD_REQUEST"),
                            (b64(b"\x30\x03\x02\x01\x01"), "BAD_CERTIFICATE")):
            with self.assertRaises(CaError) as e:
                self.ca.open_order(value)
            self.assertEqual(e.exception.code, code)

        order = self.ca.open_order(old("org-ec"))
        self.assertEqual(order.key_type, "P-256")
        with self.assertRaises(CaError) as e:
            self.ca.issue(order.order_id, b64(csr("P-256", "CN=Somebody Else,C=CN", self.tmp)))
        self.assertEqual(e.exception.code, "CSR_SUBJECT")
        with self.assertRaises(CaError) as e:  # the order is used up by the first attempt
            self.ca.issue(order.order_id, b64(csr("P-256", order.subject, self.tmp)))
        self.assertEqual(e.exception.code, "ORDER_UNKNOWN")

        order = self.ca.open_order(old("org-ec"))
        with self.assertRaises(CaError) as e:
            self.ca.issue(order.order_id, b64(csr("RSA-2048", order.subject, self.tmp)))
        self.assertEqual(e.exception.code, "CSR_KEY_TYPE")

        order = self.ca.open_order(old("org-ec"))
        request = bytearray(csr("P-256", order.subject, self.tmp))
        request[-3] ^= 0x01  # inside the signature
        with self.assertRaises(CaError) as e:
            self.ca.issue(order.order_id, b64(bytes(request)))
        self.assertIn(e.exception.code, ("CSR_INVALID", "BAD_REQUEST"))

        with self.assertRaises(CaError) as e:
            self.ca.issue("nope", b64(csr("P-256", order.subject, self.tmp)))
        self.assertEqual(e.exception.code, "ORDER_UNKNOWN")


class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        responder = os.path.join(cls.tmp, "responder.py")
        # Stand-in responder: answers serial KEY-1 with the reversed challenge bytes, refuses others.
        with open(responder, "w") as f:
            f.write("import base64,sys\na=sys.argv\ns=a[a.index('--serial')+1]\nc=a[a.index('--challenge')+1]\n"
                    "sys.exit(1) if s!='KEY-1' else print(base64.b64encode(base64.b64decode(c)[::-1]).decode())\n")
        args = server.parse_args(["--port", "0", "--pki", str(PKI), "--responder", f"{sys.executable} {responder}"])
        cls.server = server.make_server(args)
        cls.origin = server.CaHandler.config.origin
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def post(self, path, body, origin=None):
        request = urllib.request.Request(self.origin + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json", "Origin": origin or self.origin})
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            return json.loads(e.read())

    def test_pages_and_config(self):
        for path in ("/", "/unlock", "/cabridge.js", "/renew.js", "/unlock.js", "/common.js", "/style.css", "/ca.css"):
            with urllib.request.urlopen(self.origin + path, timeout=10) as r:
                self.assertEqual(r.status, 200, path)
        with urllib.request.urlopen(self.origin + "/api/config", timeout=10) as r:
            self.assertEqual(json.loads(r.read()), {"ok": True, "vendor": None, "unlock": True})

    def test_renewal_over_http(self):
        start = self.post("/api/renew/start", {"certificate": old("org-rsa")})
        self.assertTrue(start["ok"], start)
        self.assertEqual((start["keyType"], start["creditCode"]), ("RSA-2048", "91130100MA07RK3C2F"))
        issued = self.post("/api/renew/issue", {"orderId": start["orderId"], "csr": b64(csr("RSA-2048", start["subject"], self.tmp))})
        self.assertTrue(issued["ok"], issued)
        self.assertIn(start["subject"], text(base64.b64decode(issued["certificate"])))
        self.assertEqual(self.post("/api/renew/start", {"certificate": old("org-rsa")}, origin="http://evil.example")["code"], "BAD_ORIGIN")

    def test_unlock_response_from_the_responder(self):
        answer = self.post("/api/unlock/response", {"serial": "KEY-1", "challenge": b64(b"\x01\x02\x03")})
        self.assertEqual(answer, {"ok": True, "response": b64(b"\x03\x02\x01")})
        self.assertEqual(self.post("/api/unlock/response", {"serial": "KEY-2", "challenge": "AAAA"})["code"], "UNLOCK_REFUSED")
        self.assertEqual(self.post("/api/unlock/response", {"serial": "KEY 1\n", "challenge": "AAAA"})["code"], "BAD_REQUEST")
        self.assertEqual(self.post("/api/unlock/response", {"serial": "KEY-1", "challenge": "%%"})["code"], "BAD_REQUEST")


if __name__ == "__main__":
    unittest.main()
