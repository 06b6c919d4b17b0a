#!/usr/bin/env python3
"""describe-pki.py OUTDIR ENTITIES_TSV -> pki.json on stdout.

Reads each end-entity certificate that make-test-pki.sh wrote and describes it from the
certificate itself (subject, dates, fingerprint), adding what the generator put in
(identity numbers and where they are)."""
import datetime
import hashlib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import idcodes  # noqa: E402

CURVE_BITS = {"P-256": 256, "P-384": 384}


def openssl_x509(path, *args):
    return subprocess.run(["openssl", "x509", "-in", path, "-noout", *args],
                          check=True, capture_output=True, text=True).stdout


def subject_fields(path):
    text = openssl_x509(path, "-subject", "-nameopt", "sep_multiline,sname,utf8,-esc_msb")
    fields = {}
    for line in text.splitlines()[1:]:
        key, _, value = line.strip().partition("=")
        fields.setdefault(key, value)
    return fields


def cert_time(path, which):
    value = openssl_x509(path, "-" + which).strip().split("=", 1)[1]
    # OpenSSL prints e.g. "Jan  1 00:00:00 2024 GMT".
    return datetime.datetime.strptime(" ".join(value.split()), "%b %d %H:%M:%S %Y GMT").replace(
        tzinfo=datetime.timezone.utc)


def revoked_serials(outdir):
    """Serial numbers (upper-case hex) on OUTDIR/crl.pem, read back from the CRL itself."""
    crl = os.path.join(outdir, "crl.pem")
    if not os.path.exists(crl):
        return set()
    text = subprocess.run(["openssl", "crl", "-in", crl, "-noout", "-text"],
                          check=True, capture_output=True, text=True).stdout
    return {line.split(":", 1)[1].strip().upper() for line in text.splitlines()
            if line.strip().startswith("Serial Number:")}


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def main(outdir, tsv):
    now = datetime.datetime.now(datetime.timezone.utc)
    revoked = revoked_serials(outdir)
    certs = []
    with open(tsv, encoding="utf-8") as f:
        for line in f:
            name, key_type, param, uscc, where, id_number, vendor_uid = line.rstrip("\n").split("\t")
            pem = os.path.join(outdir, name + ".pem")
            with open(os.path.join(outdir, name + ".der"), "rb") as der:
                sha256 = hashlib.sha256(der.read()).hexdigest()
            subject = subject_fields(pem)
            not_before, not_after = cert_time(pem, "startdate"), cert_time(pem, "enddate")
            serial = openssl_x509(pem, "-serial").strip().split("=", 1)[1].upper()
            certs.append({
                "name": name,
                "file": name + ".pem",
                "der": name + ".der",
                "key": name + ".key.pem",
                "keyPkcs8Der": name + ".key.p8.der",
                "keyType": key_type,
                "keyBits": int(param) if key_type == "RSA" else CURVE_BITS[param],
                "curve": None if key_type == "RSA" else param,
                "subjectCN": subject.get("CN"),
                "O": subject.get("O"),
                "uscc": uscc or None,
                "uscValid": idcodes.uscc_valid(uscc) if uscc else None,
                "where": where or None,
                "idNumber": id_number or None,
                "idValid": idcodes.resident_valid(id_number) if id_number else None,
                "vendorUniqueId": vendor_uid or None,
                "notBefore": iso(not_before),
                "notAfter": iso(not_after),
                "expired": not_after < now,
                "notYetValid": not_before > now,
                "revoked": serial in revoked,
                "sha256": sha256,
            })
    json.dump({
        "root": "root.pem",
        "intermediate": "intermediate.pem",
        "chain": "chain.pem",
        "crl": "crl.pem",
        "generated": iso(now),
        "certificates": certs,
    }, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
