#!/usr/bin/env python3
"""describe-sm2.py OUTDIR ENTITIES_TSV USCC IDNUMBER -> sm2.json on stdout.

Describes the SM2 chain and the SKF material make-test-pki.sh writes (make_sm2_pki): each
certificate read from itself (subject, dates, key, fingerprint) plus what the generator put in.
ENTITIES_TSV lines: NAME<TAB>CA-SECTION<TAB>USAGE (sign or enc)."""
import hashlib
import importlib.util
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("describe_pki", os.path.join(HERE, "describe-pki.py"))
describe_pki = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(describe_pki)

DISTINGUISHING_ID = "1234567812345678"


def key_type(pem):
    text = subprocess.run(["openssl", "x509", "-in", pem, "-noout", "-text"],
                          check=True, capture_output=True, text=True).stdout
    if "SM2" in text.split("Subject Public Key Info", 1)[1].split("X509v3", 1)[0]:
        return "SM2", 256
    return "RSA", 2048


def main(outdir, tsv, uscc, id_number):
    import datetime
    now = datetime.datetime.now(datetime.timezone.utc)
    certs = []
    with open(tsv, encoding="utf-8") as f:
        for line in f:
            name, ca, usage = line.rstrip("\n").split("\t")
            pem = os.path.join(outdir, name + ".pem")
            with open(os.path.join(outdir, name + ".der"), "rb") as der:
                sha256 = hashlib.sha256(der.read()).hexdigest()
            subject = describe_pki.subject_fields(pem)
            ktype, bits = key_type(pem)
            person = name == "sm2-person"
            certs.append({
                "name": name,
                "file": name + ".pem",
                "der": name + ".der",
                "key": name + ".key.pem",
                "keyPkcs8Der": name + ".key.p8.der",
                "keyType": ktype,
                "keyBits": bits,
                "usage": usage,
                "issuer": "sm2-intermediate" if ca == "sm2_int_ca" else "intermediate",
                "subjectCN": subject.get("CN"),
                "O": subject.get("O"),
                "uscc": None if person else uscc,
                "idNumber": id_number if person else None,
                "notBefore": describe_pki.iso(describe_pki.cert_time(pem, "startdate")),
                "notAfter": describe_pki.iso(describe_pki.cert_time(pem, "enddate")),
                "sha256": sha256,
            })
    json.dump({
        "root": "sm2-root.pem",
        "intermediate": "sm2-intermediate.pem",
        "chain": "sm2-chain.pem",
        "distinguishingId": DISTINGUISHING_ID,
        "generated": describe_pki.iso(now),
        "certificates": certs,
    }, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
