#!/usr/bin/env python3
"""unlock_responder.py --secrets FILE --serial SERIAL --challenge BASE64

The CA's side of online unlock for the test keys of the software SKF library (tests/softskf):
a key that is locked hands out a challenge (host command `unblock-challenge`), the CA's web site
sends it here with the key's serial, and the answer, HMAC-SM3(secret, challenge), goes back to
the key (`unblock-pin` with `response`). FILE is the {serial: hex secret} map that
tools/pki/provision-skf.py wrote (STATEDIR/unlock-secrets.json). Prints the response in base64.

Test material: a real CA keeps such secrets in its server's key store, not in a JSON file.
Standard library only (hashlib's SM3 comes from OpenSSL); the `openssl` command is the fallback
where hashlib lacks SM3."""
import argparse
import base64
import binascii
import hashlib
import hmac
import json
import subprocess
import sys

# A key's challenge is a few dozen bytes; anything longer is not one.
MAX_CHALLENGE_BYTES = 1024


class UnlockError(Exception):
    """A request the responder refuses; `code` says why ("serial", "challenge", "secrets")."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def hmac_sm3(key, message):
    """HMAC-SM3(key, message) as 32 bytes."""
    if "sm3" in hashlib.algorithms_available:
        return hmac.new(key, message, "sm3").digest()
    out = subprocess.run(
        ["openssl", "mac", "-digest", "SM3", "-macopt", "hexkey:" + key.hex(), "-binary", "HMAC"],
        input=message, capture_output=True, check=True)
    return out.stdout


def load_secrets(path):
    """The {serial: secret bytes} map in `path`."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise UnlockError("secrets", f"cannot read the unlock secrets {path}: {e}") from None
    if not isinstance(data, dict):
        raise UnlockError("secrets", f"{path} is not a JSON object")
    out = {}
    for serial, secret in data.items():
        try:
            out[serial] = bytes.fromhex(secret)
        except (TypeError, ValueError):
            raise UnlockError("secrets", f"{path}: the secret of {serial} is not hex") from None
    return out


def decode_challenge(text):
    """The challenge's bytes from canonical base64 (1..MAX_CHALLENGE_BYTES of them)."""
    if not isinstance(text, str):
        raise UnlockError("challenge", "the challenge must be base64 text")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise UnlockError("challenge", "the challenge is not base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise UnlockError("challenge", "the challenge is not canonical padded base64")
    if not raw or len(raw) > MAX_CHALLENGE_BYTES:
        raise UnlockError("challenge", f"the challenge must be 1..{MAX_CHALLENGE_BYTES} bytes")
    return raw


def respond(secrets, serial, challenge_b64):
    """The base64 response to `challenge_b64` from the key `serial`, with `secrets` from load_secrets."""
    challenge = decode_challenge(challenge_b64)
    secret = secrets.get(serial) if isinstance(serial, str) else None
    if secret is None:
        raise UnlockError("serial", f"no unlock secret for the key {serial!r}")
    return base64.b64encode(hmac_sm3(secret, challenge)).decode("ascii")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    ap.add_argument("--secrets", required=True)
    ap.add_argument("--serial", required=True)
    ap.add_argument("--challenge", required=True)
    args = ap.parse_args(argv)
    try:
        print(respond(load_secrets(args.secrets), args.serial, args.challenge))
    except UnlockError as e:
        print(f"unlock_responder: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
