#!/usr/bin/env bash
# test-fixture.sh OUTDIR
# The standard test fixture: the test PKI in OUTDIR (make-test-pki.sh) and, in
# OUTDIR/softhsm, three SoftHSM2 tokens (PIN 123456, SO PIN 12345678):
#   HEBCA-KEY-1: org-rsa, org-ec, expired, expiring
#   HEBCA-KEY-2: org-ec384, bad-uscc
#   EMPTY-KEY:   no objects
# Writes OUTDIR/fixture.json {softhsm2Conf, pkiDir, module, tokens:[{label, serial, pin,
# soPin, certificates:[names]}]} and prints its path. OUTDIR/softhsm is recreated each run.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
PIN=123456
SO_PIN=12345678

"$HERE/make-test-pki.sh" "$OUT" >/dev/null
rm -rf "$OUT/softhsm"
provision() { "$HERE/provision-token.sh" --dir "$OUT/softhsm" --pin "$PIN" --so-pin "$SO_PIN" --pki "$OUT" "$@"; }
CONF=$(provision --label HEBCA-KEY-1 org-rsa org-ec expired expiring)
provision --label HEBCA-KEY-2 org-ec384 bad-uscc >/dev/null
provision --label EMPTY-KEY >/dev/null

# Serials are assigned by SoftHSM at initialisation; read them back.
SOFTHSM2_CONF="$CONF" softhsm2-util --show-slots >"$OUT/softhsm/slots.txt"
python3 - "$OUT" "$CONF" "$PIN" "$SO_PIN" <<'PY'
import json, sys
out, conf, pin, so_pin = sys.argv[1:]
serials, label, serial = {}, None, None
for line in open(out + "/softhsm/slots.txt", encoding="utf-8"):
    key, _, value = line.strip().partition(":")
    if key == "Serial number":
        serial = value.strip()
    elif key == "Label":
        label = value.strip()
        if label:
            serials[label] = serial
tokens = [("HEBCA-KEY-1", ["org-rsa", "org-ec", "expired", "expiring"]),
          ("HEBCA-KEY-2", ["org-ec384", "bad-uscc"]),
          ("EMPTY-KEY", [])]
fixture = {
    "softhsm2Conf": conf,
    "pkiDir": out,
    "module": "/usr/lib/softhsm/libsofthsm2.so",
    "tokens": [{"label": l, "serial": serials[l], "pin": pin, "soPin": so_pin,
                "certificates": c} for l, c in tokens],
}
with open(out + "/fixture.json", "w", encoding="utf-8") as f:
    json.dump(fixture, f, ensure_ascii=False, indent=2)
    f.write("\n")
PY
echo "$OUT/fixture.json"
