#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/ (run once; the output is committed).

usage: fuzz/make_seeds.py PKI_DIR
PKI_DIR is the output of tools/pki/make-test-pki.sh. Only certificates and the
tokens signed here are written to the tree, never a private key. fuzz/data/ gets
the root and intermediate the auth_token target trusts.
"""
import base64
import hashlib
import json
import pathlib
import shutil
import struct
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
ORIGIN = "https://si.example.gov.cn"
CHALLENGE = b"cabridge-fuzz-challenge-32-bytes"  # must match auth_token_fuzzer.cpp
assert len(CHALLENGE) == 32


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def frame(obj_or_bytes):
    body = obj_or_bytes if isinstance(obj_or_bytes, bytes) else json.dumps(obj_or_bytes, ensure_ascii=False).encode()
    return struct.pack("=I", len(body)) + body


def sign(key, hash_name, message):
    return subprocess.run(["openssl", "dgst", "-" + hash_name, "-sign", str(key)],
                          input=message, capture_output=True, check=True).stdout


def token(pki, cert, alg, origin=ORIGIN, legacy=False):
    hash_name = {"RS256": "sha256", "ES256": "sha256", "ES384": "sha384"}[alg]
    h = lambda b: hashlib.new(hash_name, b).digest()
    message = CHALLENGE if legacy else b"cabridge-auth:2\0" + h(origin.encode()) + h(CHALLENGE)
    sig = sign(pki / f"{cert}.key.pem", hash_name, message)
    t = {"format": "cabridge-auth:2",
         "certificate": base64.b64encode((pki / f"{cert}.der").read_bytes()).decode(),
         "algorithm": alg, "signature": base64.b64encode(sig).decode(),
         "origin": origin, "appVersion": "0.1.0"}
    if legacy:
        t["mode"] = "legacy"
    return json.dumps(t)


def main():
    pki = pathlib.Path(sys.argv[1])
    shutil.copy(pki / "root.pem", HERE / "data" / "root.pem")
    shutil.copy(pki / "intermediate.pem", HERE / "data" / "intermediate.pem")

    # certificate: real DER end entities of every key type and identity placement.
    for name in ["org-rsa", "org-ec", "org-ec384", "expired", "person", "bad-uscc"]:
        write("certificate", f"{name}.der", (pki / f"{name}.der").read_bytes())

    # auth_token: valid tokens of each algorithm, legacy, and typical refusals.
    write("auth_token", "rs256.json", token(pki, "org-rsa", "RS256"))
    write("auth_token", "es256.json", token(pki, "org-ec", "ES256"))
    write("auth_token", "es384.json", token(pki, "org-ec384", "ES384"))
    write("auth_token", "legacy.json", token(pki, "org-ec", "ES256", legacy=True))
    write("auth_token", "expired.json", token(pki, "expired", "RS256"))
    write("auth_token", "other-origin.json", token(pki, "person", "ES256", origin="https://evil.example.com"))
    write("auth_token", "alg-mismatch.json", token(pki, "org-rsa", "RS256").replace('"RS256"', '"ES256"'))
    write("auth_token", "not-object.json", '["cabridge-auth:2"]')

    # host_messages: byte streams of frames as the browser sends them.
    cid = "0123456789abcdef0123456789abcdef"
    chal = base64.b64encode(CHALLENGE).decode()
    def req(i, command, origin=ORIGIN, **arguments):
        r = {"id": i, "command": command, "origin": origin}
        if arguments:
            r["arguments"] = arguments
        return frame(r)
    write("host_messages", "status", req(1, "status"))
    write("host_messages", "status-insecure-origin", req("s", "status", origin="http://example.com"))
    write("host_messages", "list", req(2, "list-certificates", vendor="hebca", purpose="login"))
    write("host_messages", "list-wildcard-origin", req(3, "list-certificates", origin="https://rs.hebei.gov.cn", purpose="any"))
    write("host_messages", "list-denied-origin", req(3, "list-certificates", origin="https://bad.hebei.gov.cn"))
    write("host_messages", "list-unknown-argument", req(4, "list-certificates", vendr="hebca"))
    write("host_messages", "authenticate", req("a1", "authenticate", certificateId=cid, challenge=chal, pin="123456"))
    write("host_messages", "authenticate-http-ip", req(5, "authenticate", origin="http://121.28.48.13:8080",
                                                      certificateId=cid, challenge=chal, pin="123456"))
    write("host_messages", "authenticate-short-challenge", req(6, "authenticate", certificateId=cid,
                                                              challenge="AAAA", pin="123456"))
    write("host_messages", "quit-then-more", req(7, "quit") + req(8, "status"))
    write("host_messages", "session", req(1, "status") + req(2, "list-certificates") +
          req(3, "authenticate", certificateId=cid, challenge=chal, pin="1") + req(4, "quit"))
    write("host_messages", "unknown-command", req(9, "sign"))
    write("host_messages", "not-json", frame(b"{\"id\":1,"))
    write("host_messages", "bad-utf8", frame(b'{"id":1,"command":"status","origin":"https://\xff.cn"}'))
    write("host_messages", "empty-frame", struct.pack("=I", 0) + req(10, "status"))
    write("host_messages", "too-large", struct.pack("=I", 1024 * 1024 + 1) + b"{}")
    write("host_messages", "truncated-body", struct.pack("=I", 100) + b'{"id":1}')
    write("host_messages", "id-object", frame({"id": {"x": 1}, "command": "status", "origin": ORIGIN}))

    # descriptor: plugin descriptors (the id must be "hebca", the harness's file name).
    write("descriptor", "descriptor.json", json.dumps(
        {"id": "hebca", "name": "河北 CA", "abi": 1, "library": "libcabridge-pkcs11.so",
         "config": {"id": "hebca", "name": "河北 CA", "modules": ["/usr/lib/libhebca_pkcs11.so"], "retryCounter": {"symbol": "x"}},
         "deadlines": {"enumerateMs": 10000, "loginMs": 20000, "signMs": 20000}}, ensure_ascii=False))
    write("descriptor", "descriptor-minimal.json", '{"id":"hebca","abi":1,"library":"/usr/lib/x.so"}')
    write("descriptor", "descriptor-bad-deadline.json",
          '{"id":"hebca","abi":1,"library":"x.so","deadlines":{"loginMs":600001}}')
    # origin_policy: administrator policy files and origin strings.
    write("origin_policy", "policy.json", json.dumps(
        {"allowOrigins": ["https://si.example.gov.cn", "https://*.hebei.gov.cn:8443", "http://121.28.48.13:8080",
                          "http://[::1]:8080"],
         "denyOrigins": ["https://bad.hebei.gov.cn:8443"], "legacyOrigins": ["http://121.28.48.13:8080"]}))
    write("origin_policy", "policy-bad-entry.json", '{"allowOrigins":["https://a.cn/path"]}')
    write("origin_policy", "origin.txt", "https://xn--fiqs8s.gov.cn:443")
    # host_config: the host configuration file.
    write("host_config", "host.json", json.dumps(
        {"pluginDirs": ["/usr/lib/cabridge/plugins", "/etc/cabridge/plugins.d"],
         "allowedExtensions": ["nojnbkjmnolldjcnebneodoflnialbln"],
         "policyFile": "/etc/cabridge/policy.json", "logFile": "/tmp/cabridge.log"}))
    # verify_cli: cabridge-verify command lines (NUL-separated), a --time value, a CA file.
    argv = lambda *args: "\0".join(args)
    write("verify_cli", "full", argv("--token", "-", "--origin", ORIGIN, "--challenge",
                                     base64.b64encode(CHALLENGE).decode(), "--ca", "root.pem",
                                     "--intermediate", "intermediate.pem", "--allow-legacy",
                                     "--time", "2027-06-01T00:00:00Z"))
    write("verify_cli", "challenge-file", argv("--token", "t.json", "--origin", ORIGIN, "--challenge-file",
                                               "c.bin", "--ca", "a.pem", "--ca", "b.der", "--time",
                                               "2027-06-01T08:00:00.5+08:00"))
    write("verify_cli", "both-challenges", argv("--token", "-", "--origin", ORIGIN, "--challenge", "AA==",
                                                "--challenge-file", "c", "--ca", "r.pem"))
    write("verify_cli", "help", argv("--help"))
    write("verify_cli", "time", "2024-02-29T23:59:60Z")
    write("verify_cli", "root.pem", (HERE / "data" / "root.pem").read_bytes())
    write("verify_cli", "intermediate.der", subprocess.run(
        ["openssl", "x509", "-outform", "DER", "-in", str(HERE / "data" / "intermediate.pem")],
        capture_output=True, check=True).stdout)

if __name__ == "__main__":
    main()
