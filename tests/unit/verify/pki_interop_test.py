#!/usr/bin/env python3
"""cabridge-verify against the project's test PKI (tools/pki/make-test-pki.sh), with every
token signed by the openssl CLI, an implementation independent of the verifier's.

Checks each end-entity certificate in pki.json: valid ones verify with the identity pki.json
promises (credit code, check result, sha256, vendor id), also with --crl crl.pem; expired /
not-yet-valid ones get exit 15 / 16; the revoked one verifies without --crl and gets 21
(CERTIFICATE_REVOKED) with it; a token for another origin gets 11.
usage: pki_interop_test.py CABRIDGE_VERIFY MAKE_TEST_PKI_SH
"""
import base64, hashlib, json, os, subprocess, sys, tempfile

ORIGIN = "http://127.0.0.1:8080"
verify_exe, make_pki = sys.argv[1], sys.argv[2]
failures = []

def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what)

with tempfile.TemporaryDirectory(prefix="cabridge-verify-interop-") as tmp:
    pki_dir = os.path.join(tmp, "pki")
    os.mkdir(pki_dir)
    subprocess.run(["bash", make_pki, pki_dir], check=True, stdout=subprocess.DEVNULL)
    pki = json.load(open(os.path.join(pki_dir, "pki.json"), encoding="utf-8"))
    challenge = os.urandom(32)
    for cert in pki["certificates"]:
        name = cert["name"]
        der = open(os.path.join(pki_dir, cert["der"]), "rb").read()
        if cert["keyType"] == "RSA":
            alg, h = "RS256", hashlib.sha256
        elif cert.get("curve") == "P-384":
            alg, h = "ES384", hashlib.sha384
        else:
            alg, h = "ES256", hashlib.sha256
        message = b"cabridge-auth:2\0" + h(ORIGIN.encode()).digest() + h(challenge).digest()
        digest_flag = "-sha384" if alg == "ES384" else "-sha256"
        signature = subprocess.run(
            ["openssl", "dgst", digest_flag, "-sign", os.path.join(pki_dir, cert["key"])],
            input=message, stdout=subprocess.PIPE, check=True).stdout
        token = {"format": "cabridge-auth:2", "certificate": base64.b64encode(der).decode(),
                 "algorithm": alg, "signature": base64.b64encode(signature).decode(),
                 "origin": ORIGIN, "appVersion": "interop"}
        token_path = os.path.join(tmp, name + ".json")
        json.dump(token, open(token_path, "w"))

        def run(origin, crl=False):
            p = subprocess.run([verify_exe, "--token", token_path, "--origin", origin,
                                "--challenge", base64.b64encode(challenge).decode(),
                                "--ca", os.path.join(pki_dir, "root.pem"),
                                "--intermediate", os.path.join(pki_dir, "intermediate.pem")]
                               + (["--crl", os.path.join(pki_dir, pki["crl"])] if crl else []),
                               stdout=subprocess.PIPE, timeout=60)
            return p.returncode, json.loads(p.stdout)

        code, out = run(ORIGIN)
        if cert.get("expired"):
            check(code == 15 and out["error"] == "CERTIFICATE_EXPIRED", f"{name}: expected 15, got {code} {out}")
            continue
        if cert.get("notYetValid"):
            check(code == 16, f"{name}: expected 16, got {code} {out}")
            continue
        check(code == 0, f"{name}: expected 0, got {code} {out}")
        if code != 0:
            continue
        crl_code, crl_out = run(ORIGIN, crl=True)
        if cert.get("revoked"):
            check(crl_code == 21 and crl_out["error"] == "CERTIFICATE_REVOKED",
                  f"{name}: with --crl expected 21, got {crl_code} {crl_out}")
        else:
            check(crl_code == 0, f"{name}: with --crl expected 0, got {crl_code} {crl_out}")
        identity = out["identity"]
        check(out["sha256"] == cert["sha256"], f"{name}: sha256 {out['sha256']} != {cert['sha256']}")
        check(out["subject"].get("CN") == cert["subjectCN"], f"{name}: CN {out['subject']}")
        check(identity["unifiedSocialCreditCode"] == cert.get("uscc"),
              f"{name}: credit code {identity['unifiedSocialCreditCode']} != {cert.get('uscc')}")
        check(identity["uscValid"] == cert.get("uscValid"), f"{name}: uscValid {identity['uscValid']}")
        check(identity["vendorUniqueId"] == cert.get("vendorUniqueId"), f"{name}: vendor id {identity}")
        if cert.get("idNumber"):
            check(identity["idNumber"] == cert["idNumber"], f"{name}: id number {identity}")
        code, out = run("https://evil.example.com")
        check(code == 11, f"{name}: other origin expected 11, got {code}")

check(any(c.get("revoked") for c in pki["certificates"]), "the test PKI has a revoked certificate")
if failures:
    sys.exit(1)
print("all certificates of the test PKI verified as pki.json describes")
