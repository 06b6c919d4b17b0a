#!/usr/bin/env bash
# provision-token.sh --dir TOKDIR --label LABEL [--pin 123456] [--so-pin 12345678]
#                    [--pki OUTDIR] [CERTNAME ...]
# Creates a new SoftHSM2 token LABEL in TOKDIR (writing TOKDIR/softhsm2.conf if missing) and
# imports each named certificate from the test PKI in OUTDIR (make-test-pki.sh) together with
# its private key, both under CKA_LABEL = CERTNAME and the same CKA_ID.
# Prints the SOFTHSM2_CONF path on stdout. Writes nothing outside TOKDIR.
set -euo pipefail

MODULE=/usr/lib/softhsm/libsofthsm2.so
usage() {
  echo "usage: $0 --dir TOKDIR --label LABEL [--pin PIN] [--so-pin SOPIN] [--pki OUTDIR] [CERTNAME ...]" >&2
  exit 2
}

TOKDIR="" LABEL="" PIN=123456 SO_PIN=12345678 PKI=""
CERTS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) TOKDIR=${2:-}; shift 2 || usage ;;
    --label) LABEL=${2:-}; shift 2 || usage ;;
    --pin) PIN=${2:-}; shift 2 || usage ;;
    --so-pin) SO_PIN=${2:-}; shift 2 || usage ;;
    --pki) PKI=${2:-}; shift 2 || usage ;;
    -h|--help) usage ;;
    -*) echo "$0: unknown option $1" >&2; usage ;;
    *) CERTS+=("$1"); shift ;;
  esac
done
[ -n "$TOKDIR" ] && [ -n "$LABEL" ] || usage
if [ ${#LABEL} -gt 32 ]; then
  echo "$0: token label '$LABEL' is longer than 32 bytes (PKCS#11 limit)" >&2
  exit 2
fi
if [ ${#CERTS[@]} -gt 0 ] && [ -z "$PKI" ]; then
  echo "$0: certificates named but no --pki OUTDIR given" >&2
  exit 2
fi
for name in "${CERTS[@]}"; do
  for f in "$PKI/$name.der" "$PKI/$name.key.p8.der"; do
    [ -f "$f" ] || { echo "$0: $f not found (run make-test-pki.sh $PKI first?)" >&2; exit 2; }
  done
done

mkdir -p "$TOKDIR/tokens"
TOKDIR=$(cd "$TOKDIR" && pwd)
export SOFTHSM2_CONF="$TOKDIR/softhsm2.conf"
if [ ! -f "$SOFTHSM2_CONF" ]; then
  cat >"$SOFTHSM2_CONF" <<EOF
directories.tokendir = $TOKDIR/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
fi

# A second token with the same label would make selection by label ambiguous.
if softhsm2-util --show-slots 2>/dev/null | grep -Eq "^ *Label: +$(printf '%s' "$LABEL" | sed 's/[][\.*^$/]/\\&/g') *$"; then
  echo "$0: a token labelled '$LABEL' already exists in $TOKDIR" >&2
  exit 1
fi

softhsm2-util --init-token --free --label "$LABEL" --pin "$PIN" --so-pin "$SO_PIN" >/dev/null

for name in "${CERTS[@]}"; do
  # CKA_ID = the name's bytes in hex: distinct per certificate, stable across runs, readable.
  id=$(printf '%s' "$name" | od -An -tx1 | tr -d ' \n')
  pkcs11-tool --module "$MODULE" --token-label "$LABEL" --login --pin "$PIN" \
    --write-object "$PKI/$name.der" --type cert --id "$id" --label "$name" >/dev/null
  pkcs11-tool --module "$MODULE" --token-label "$LABEL" --login --pin "$PIN" \
    --write-object "$PKI/$name.key.p8.der" --type privkey --id "$id" --label "$name" >/dev/null
done

echo "$SOFTHSM2_CONF"
