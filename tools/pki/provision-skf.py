#!/usr/bin/env python3
"""provision-skf.py --pki PKIDIR --out STATEDIR [--spec SPEC.json]

Writes a state directory for the software SKF library (tests/softskf, libcabridge-softskf.so;
point CABRIDGE_SOFTSKF_DIR at it) holding devices, applications, containers, PINs and the keys
and certificates of the test PKI that make-test-pki.sh wrote in PKIDIR. STATEDIR is recreated.
Without --spec the standard layout below is written; a spec has the same shape.
Each device also gets an unlock secret for online unlock (softskf's SKFX_GetUnblockChallenge /
SKFX_UnblockPINByResponse: the CA's server answers a challenge with HMAC-SM3(secret, challenge)),
random unless the spec gives "unlockSecret" (hex), with "unlockMaxRetry" refused responses
(default 5); "onlineUnlock": false leaves a device without. The secrets are written to
STATEDIR/unlock-secrets.json as {serial: hex secret}, the file the demo CA's unlock responder
(tools/pki/unlock_responder.py) reads.
Prints STATEDIR. Standard library only."""
import argparse
import json
import os
import secrets
import shutil
import sys

# Containers name PKI entities: "sign"/"enc" = NAME means NAME.key.pem and NAME.der from PKIDIR.
STANDARD = {
    "devices": [
        {
            "name": "HEBCA-SKF-1", "label": "HEBCA SM2 KEY 1", "serial": "SKF2026000001",
            "manufacturer": "cabridge softskf", "issuer": "HEBCA (test)", "unlockMaxRetry": 5,
            "applications": [{
                "name": "HEBCA",
                "userPin": "123456", "userMaxRetry": 6, "userDefault": False,
                "adminPin": "12345678", "adminMaxRetry": 10, "adminDefault": True,
                "containers": [
                    {"name": "sm2-org", "type": "ECC", "sign": "sm2-sign", "enc": "sm2-enc"},
                    {"name": "rsa-org", "type": "RSA", "sign": "skf-rsa"},
                    {"name": "empty"},
                ],
            }],
        },
        {
            "name": "HEBCA-SKF-2", "label": "HEBCA SM2 KEY 2", "serial": "SKF2026000002",
            "manufacturer": "cabridge softskf", "issuer": "HEBCA (test)", "unlockMaxRetry": 3,
            "applications": [{
                "name": "HEBCA",
                "userPin": "123456", "userMaxRetry": 3, "userDefault": True,
                "adminPin": "12345678", "adminMaxRetry": 5, "adminDefault": True,
                "containers": [
                    {"name": "sm2-person", "type": "ECC", "sign": "sm2-person"},
                ],
            }],
        },
    ]
}


def copy_material(pki, devdir, entity, role):
    key, cert = f"{entity}.{role}.key.pem", f"{entity}.{role}.der"
    for src, dst in ((f"{entity}.key.pem", key), (f"{entity}.der", cert)):
        path = os.path.join(pki, src)
        if not os.path.isfile(path):
            sys.exit(f"provision-skf: {path} not found (run make-test-pki.sh {pki} first?)")
        shutil.copyfile(path, os.path.join(devdir, dst))
        os.chmod(os.path.join(devdir, dst), 0o600)
    return key, cert


def pin_state(app, who):
    return {"pin": app[who + "Pin"], "maxRetry": app[who + "MaxRetry"],
            "remaining": app[who + "MaxRetry"], "default": bool(app.get(who + "Default", False))}


def unlock_state(dev):
    """The device's online-unlock state, or None when it has none."""
    if dev.get("onlineUnlock", True) is False:
        return None
    secret = dev.get("unlockSecret") or secrets.token_hex(32)
    bytes.fromhex(secret)  # a spec's secret must be hex
    tries = int(dev.get("unlockMaxRetry", 5))
    return {"secret": secret.lower(), "maxRetry": tries, "remaining": tries}


def write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pki", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--spec")
    args = ap.parse_args()
    spec = STANDARD
    if args.spec:
        with open(args.spec, encoding="utf-8") as f:
            spec = json.load(f)
    out = os.path.abspath(args.out)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    dirs = []
    unlock_secrets = {}
    for i, dev in enumerate(spec["devices"]):
        dirname = f"dev{i}"
        devdir = os.path.join(out, dirname)
        os.makedirs(devdir)
        apps = []
        for app in dev["applications"]:
            containers = []
            for con in app["containers"]:
                entry = {"name": con["name"]}
                if "type" in con:
                    entry["type"] = con["type"]
                for role in ("sign", "enc"):
                    if role in con:
                        entry[role + "Key"], entry[role + "Cert"] = copy_material(args.pki, devdir, con[role], role)
                containers.append(entry)
            apps.append({"name": app["name"], "minPinLength": app.get("minPinLength", 6),
                         "maxPinLength": app.get("maxPinLength", 16),
                         "user": pin_state(app, "user"), "admin": pin_state(app, "admin"),
                         "containers": containers})
        device = {k: dev[k] for k in ("name", "label", "serial", "manufacturer", "issuer")}
        device["applications"] = apps
        unlock = unlock_state(dev)
        if unlock is not None:
            device["unlock"] = unlock
            unlock_secrets[dev["serial"]] = unlock["secret"]
        with open(os.path.join(devdir, "device.json"), "w", encoding="utf-8") as f:
            json.dump(device, f, ensure_ascii=False, indent=2)
            f.write("\n")
        dirs.append(dirname)
    write_private(os.path.join(out, "unlock-secrets.json"), unlock_secrets)
    with open(os.path.join(out, "softskf.json"), "w", encoding="utf-8") as f:
        json.dump({"devices": dirs}, f, indent=2)
        f.write("\n")
    print(out)


if __name__ == "__main__":
    main()
