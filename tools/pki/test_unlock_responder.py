"""Unit tests of the demo CA's unlock responder (unlock_responder.py)."""

import base64
import json
import os
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

import unlock_responder
from unlock_responder import UnlockError, load_secrets, respond

SERIAL = "SKF2026000001"
SECRET = bytes(range(32))


def openssl_hmac_sm3(key, message):
    """HMAC-SM3 by the openssl command, independent of the responder's code path."""
    out = subprocess.run(["openssl", "mac", "-digest", "SM3", "-macopt", "hexkey:" + key.hex(), "HMAC"],
                         input=message, capture_output=True, check=True)
    return bytes.fromhex(out.stdout.decode().strip())


class ResponderTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "unlock-secrets.json")
        self.write({SERIAL: SECRET.hex(), "OTHER": "ff" * 32})
        self.secrets = load_secrets(self.path)

    def tearDown(self):
        self.dir.cleanup()

    def write(self, data):
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(data if isinstance(data, str) else json.dumps(data))

    def test_response_is_hmac_sm3_of_the_challenge(self):
        challenge = os.urandom(16)
        response = base64.b64decode(respond(self.secrets, SERIAL, base64.b64encode(challenge).decode()))
        self.assertEqual(len(response), 32)
        self.assertEqual(response, openssl_hmac_sm3(SECRET, challenge))

    def test_known_answer(self):
        # HMAC-SM3(key "k", message "m"), from `openssl mac -digest SM3 -macopt key:k HMAC`.
        self.assertEqual(unlock_responder.hmac_sm3(b"k", b"m").hex(),
                         "5a4f3fd570a7ba4492ef1539244fa4c2cec18bc722de101699577c93521210e3")

    def test_openssl_fallback_gives_the_same_answer(self):
        challenge = os.urandom(24)
        with mock.patch.object(unlock_responder.hashlib, "algorithms_available", set()):
            fallback = unlock_responder.hmac_sm3(SECRET, challenge)
        self.assertEqual(fallback, unlock_responder.hmac_sm3(SECRET, challenge))

    def test_each_key_answers_with_its_own_secret(self):
        challenge = base64.b64encode(os.urandom(16)).decode()
        self.assertNotEqual(respond(self.secrets, SERIAL, challenge), respond(self.secrets, "OTHER", challenge))

    def test_unknown_serial_is_refused(self):
        with self.assertRaises(UnlockError) as ctx:
            respond(self.secrets, "SKF9999", base64.b64encode(b"x" * 16).decode())
        self.assertEqual(ctx.exception.code, "serial")

    def test_malformed_challenges_are_refused(self):
        for challenge in ["", "not base64!", "QUJD=", base64.b64encode(b"x" * 1025).decode(), None, "中文"]:
            with self.subTest(challenge=challenge), self.assertRaises(UnlockError) as ctx:
                respond(self.secrets, SERIAL, challenge)
            self.assertEqual(ctx.exception.code, "challenge")

    def test_bad_secrets_files_are_refused(self):
        for text in ["[1, 2]", "{not json", json.dumps({SERIAL: "zz"})]:
            self.write(text)
            with self.subTest(text=text), self.assertRaises(UnlockError) as ctx:
                load_secrets(self.path)
            self.assertEqual(ctx.exception.code, "secrets")
        with self.assertRaises(UnlockError):
            load_secrets(os.path.join(self.dir.name, "missing.json"))

    def test_command_line(self):
        challenge = os.urandom(16)
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "unlock_responder.py")
        done = subprocess.run([sys.executable, script, "--secrets", self.path, "--serial", SERIAL,
                               "--challenge", base64.b64encode(challenge).decode()],
                              capture_output=True, text=True, check=False)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(base64.b64decode(done.stdout.strip()), openssl_hmac_sm3(SECRET, challenge))
        refused = subprocess.run([sys.executable, script, "--secrets", self.path, "--serial", "nope",
                                  "--challenge", "QUJD"], capture_output=True, text=True, check=False)
        self.assertEqual(refused.returncode, 2)
        self.assertIn("nope", refused.stderr)


if __name__ == "__main__":
    unittest.main()
