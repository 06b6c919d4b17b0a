#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/ (run once; the output is committed).

usage: fuzz/make_seeds.py PKI_DIR [PART ...]
PKI_DIR is the output of tools/pki/make-test-pki.sh. Only certificates and the
tokens signed here are written to the tree, never a private key. fuzz/data/ gets
the roots and intermediates the auth_token target trusts.
PART: classic (RSA/EC certificates and tokens, the JSON targets), sm2 (SM2 certificates
and tokens), skf (SKF name lists, DEVINFO, signature blobs); default all. A part's seeds
are written anew, the others' left as committed (their tokens stay signed by the PKI whose
root is in fuzz/data).
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


def sign_sm2(key, message):
    """SM2 with SM3 and the signer ID Chinese CAs use (DER r, s)."""
    return subprocess.run(["openssl", "dgst", "-sm3", "-sign", str(key), "-sigopt", "distid:1234567812345678"],
                          input=message, capture_output=True, check=True).stdout


def token(pki, cert, alg, origin=ORIGIN, legacy=False):
    hash_name = {"RS256": "sha256", "ES256": "sha256", "ES384": "sha384", "SM2-SM3": "sm3"}[alg]
    h = lambda b: hashlib.new(hash_name, b).digest()
    message = CHALLENGE if legacy else b"cabridge-auth:2\0" + h(origin.encode()) + h(CHALLENGE)
    if alg == "SM2-SM3":
        sig = sign_sm2(pki / f"{cert}.key.pem", message)
    else:
        sig = sign(pki / f"{cert}.key.pem", hash_name, message)
    t = {"format": "cabridge-auth:2",
         "certificate": base64.b64encode((pki / f"{cert}.der").read_bytes()).decode(),
         "algorithm": alg, "signature": base64.b64encode(sig).decode(),
         "origin": origin, "appVersion": "0.1.0"}
    if legacy:
        t["mode"] = "legacy"
    return json.dumps(t)


def der_integer_value(der, at):
    """The unsigned value bytes of the DER INTEGER at `at` and the offset after it."""
    assert der[at] == 0x02
    length = der[at + 1]
    value = der[at + 2:at + 2 + length].lstrip(b"\0")
    return value, at + 2 + length


def skf(pki):
    """What an SKF library writes into the plugin's buffers (fuzz target skf_parsing)."""
    # Name lists: SKF_EnumDev, SKF_EnumApplication, SKF_EnumContainer (softskf's layout).
    write("skf_parsing", "devices", b"HEBCA-SKF-1\0HEBCA-SKF-2\0\0")
    write("skf_parsing", "applications", b"HEBCA\0\0")
    write("skf_parsing", "containers", b"sm2-org\0rsa-org\0empty\0\0")
    write("skf_parsing", "empty-list", b"\0\0")
    write("skf_parsing", "unterminated-list", b"dev0\0dev1")
    # DEVINFO, packed: Version, Manufacturer[64], Issuer[64], Label[32], SerialNumber[32],
    # HWVersion, FirmwareVersion, 8 ULONGs (AlgAsymCap second: SM2 0x00020100 | RSA 0x00010000),
    # Reserved[64]; 32- and 64-bit ULONGs, NUL- and space-padded text.
    def devinfo(ulong, pad):
        field = lambda text, size: text.encode().ljust(size, pad)
        return (bytes([1, 0]) + field("cabridge softskf", 64) + field("HEBCA (test)", 64) +
                field("HEBCA SM2 KEY 1", 32) + field("SKF2026000001", 32) + bytes([1, 0, 2, 0]) +
                struct.pack("<8" + ulong, 0x00000401, 0x00030100, 0x00000001, 0x00000401, 65536, 32768,
                            1024, 2048) + bytes(64))
    write("skf_parsing", "devinfo-32", devinfo("I", b"\0"))
    write("skf_parsing", "devinfo-64", devinfo("Q", b"\0"))
    write("skf_parsing", "devinfo-32-spaces", devinfo("I", b" "))
    # A real SM2 signature as DER, raw r || s, and ECCSIGNATUREBLOB (64-byte fields).
    der = sign_sm2(pki / "sm2-sign.key.pem", b"cabridge skf seed")
    r, at = der_integer_value(der, 2)
    s, _ = der_integer_value(der, at)
    write("skf_parsing", "signature-der", der)
    write("skf_parsing", "signature-raw", r.rjust(32, b"\0") + s.rjust(32, b"\0"))
    write("skf_parsing", "eccsignatureblob", r.rjust(64, b"\0") + s.rjust(64, b"\0"))


def sm2(pki):
    """SM2 certificates (certificate target) and SM2-SM3 tokens (auth_token target)."""
    shutil.copy(pki / "sm2-root.pem", HERE / "data" / "sm2-root.pem")
    shutil.copy(pki / "sm2-intermediate.pem", HERE / "data" / "sm2-intermediate.pem")
    for name in ["sm2-sign", "sm2-enc", "sm2-person"]:
        write("certificate", f"{name}.der", (pki / f"{name}.der").read_bytes())
    write("auth_token", "sm2-sm3.json", token(pki, "sm2-sign", "SM2-SM3"))
    write("auth_token", "sm2-sm3-person.json", token(pki, "sm2-person", "SM2-SM3"))
    write("auth_token", "sm2-alg-mismatch.json", token(pki, "sm2-sign", "SM2-SM3").replace('"SM2-SM3"', '"ES256"'))
    write("auth_token", "sm2-other-origin.json", token(pki, "sm2-sign", "SM2-SM3", origin="https://evil.example.com"))


def main():
    pki = pathlib.Path(sys.argv[1])
    parts = sys.argv[2:] or ["classic", "sm2", "skf"]
    if "sm2" in parts:
        sm2(pki)
    if "skf" in parts:
        skf(pki)
    if "classic" in parts:
        classic(pki)


def classic(pki):
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
    # CA enrolment (#18): the four commands from the harness policy's enrolment origin, and refused.
    ca = "https://ca.example.com"
    write("host_messages", "enroll-generate-key", req(20, "generate-key", origin=ca, certificateId=cid,
                                                     keyType="SM2", subject="CN=张三,O=某公司\\, 分部,C=CN",
                                                     pin="123456"))
    write("host_messages", "enroll-generate-key-bad-subject", req(21, "generate-key", origin=ca, certificateId=cid,
                                                                 keyType="P-256", subject="CN=a\\q+,", pin="1234"))
    write("host_messages", "enroll-install", req(22, "install-certificate", origin=ca, keyId="0a1b2c",
                                                certificate=base64.b64encode((pki / "org-rsa.der").read_bytes()).decode(),
                                                certificateId=cid, replace=True, pin="123456"))
    write("host_messages", "enroll-keys", req(23, "list-keys", origin=ca, certificateId=cid) +
          req(24, "remove-key", origin=ca, certificateId=cid, keyId="cabridge-00", pin="123456") +
          req(25, "generate-key", certificateId=cid, keyType="RSA-2048", subject="CN=x", pin="123456"))

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
