#!/usr/bin/env bash
# CTest test for tools/pki: builds the standard fixture in a temporary directory and checks
# with openssl and pkcs11-tool that it is what README.md promises. Exit 0 only if every check
# passes; each failure is printed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MODULE=/usr/lib/softhsm/libsofthsm2.so
WORK=$(mktemp -d /tmp/cabridge-pki-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FX="$WORK/fx"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}
check_not() {
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then fail "$what"; else pass "$what"; fi
}

start=$(date +%s%N)
if ! "$HERE/test-fixture.sh" "$FX" >/dev/null; then
  echo "FAIL: test-fixture.sh failed" >&2
  exit 1
fi
echo "fixture built in $(( ($(date +%s%N) - start) / 1000000 )) ms"

json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
NAMES=$(json "$FX/pki.json" "' '.join(c['name'] for c in d['certificates'])")
[ "$NAMES" = "org-rsa org-ec org-ec384 expired expiring bad-uscc person notyet revoked" ] \
  && pass "pki.json lists the nine end entities" || fail "pki.json names: $NAMES"

for f in root.pem intermediate.pem chain.pem crl.pem; do check "$f exists" test -s "$FX/$f"; done
check "crl.pem is the intermediate's, validly signed" sh -c \
  "openssl crl -in '$FX/crl.pem' -noout -CAfile '$FX/chain.pem' 2>&1 | grep -q 'verify OK'"
check "crl.pem is current for about 2 years" sh -c \
  "test \$(( \$(date -u -d \"\$(openssl crl -in '$FX/crl.pem' -noout -nextupdate | cut -d= -f2)\" +%s) - \$(date +%s) )) -gt \$(( 729 * 86400 ))"
check "chain.pem = intermediate + root" cmp "$FX/chain.pem" <(cat "$FX/intermediate.pem" "$FX/root.pem")
check "root is self-signed and named" sh -c \
  "openssl x509 -in '$FX/root.pem' -noout -subject -nameopt RFC2253 | grep -q 'CN=cabridge Test Root CA' &&
   openssl verify -CAfile '$FX/root.pem' '$FX/root.pem'"
check "intermediate subject is HeBCA-like (UTF-8)" sh -c \
  "openssl x509 -in '$FX/intermediate.pem' -noout -subject -nameopt RFC2253,utf8,-esc_msb |
   grep -q 'CN=HEBCA Test SM CA,O=河北省电子认证有限公司 (test),ST=河北省,C=CN'"

verify_now() { openssl verify -CAfile "$FX/root.pem" -untrusted "$FX/intermediate.pem" "$@"; }
epoch_of() { date -u -d "$(openssl x509 -in "$1" -noout "-$2" | cut -d= -f2)" +%s; }
now=$(date +%s)

# One line per end entity, read once (each python start costs ~0.1 s).
python3 -c "import json,sys
for c in json.load(open(sys.argv[1]))['certificates']:
    print(*(str(c[k]) for k in ('name','keyType','keyBits','curve','uscc','uscValid','where','idNumber','sha256','expired','revoked')))" \
  "$FX/pki.json" >"$WORK/entities.txt"
while read -r name key_type key_bits curve uscc uscvalid where idnum sha expired revoked; do
  pem="$FX/$name.pem"
  for f in "$name.pem" "$name.der" "$name.key.pem" "$name.key.p8.der"; do
    check "$name: $f exists" test -s "$FX/$f"
  done
  check "$name: sha256 in pki.json is the DER's" test "$(sha256sum "$FX/$name.der" | cut -d' ' -f1)" = "$sha"
  check "$name: .der and .pem are the same certificate" cmp "$FX/$name.der" <(openssl x509 -in "$pem" -outform DER)
  check "$name: PKCS#8 DER key matches the certificate" cmp \
    <(openssl pkey -inform DER -in "$FX/$name.key.p8.der" -pubout) <(openssl x509 -in "$pem" -noout -pubkey)
  check "$name: key is unencrypted PKCS#8" sh -c \
    "openssl asn1parse -inform DER -in '$FX/$name.key.p8.der' | sed -n 2p | grep -q 'INTEGER *:00'"
  check "$name: issued by the intermediate" sh -c \
    "openssl x509 -in '$pem' -noout -issuer -nameopt RFC2253 | grep -q 'CN=HEBCA Test SM CA'"
  text=$(openssl x509 -in "$pem" -noout -text -nameopt utf8,-esc_msb)
  if [ "$key_type" = RSA ]; then
    check "$name: RSA-$key_bits" grep -q "Public-Key: ($key_bits bit)" <<<"$text"
  else
    check "$name: EC $curve" grep -q "NIST CURVE: $curve" <<<"$text"
  fi
  check "$name: keyUsage digitalSignature, nonRepudiation" grep -q "Digital Signature, Non Repudiation" <<<"$text"
  check "$name: EKU clientAuth" grep -q "TLS Web Client Authentication" <<<"$text"

  nb=$(epoch_of "$pem" startdate); na=$(epoch_of "$pem" enddate)
  inside=$(( nb + 3600 ))
  check "$name: chains to the root at a time inside its validity" \
    verify_now -attime "$inside" "$pem"
  case $name in
    expired)
      check "expired: notAfter is 2024-01-01" test "$na" -eq "$(date -u -d 2024-01-01 +%s)"
      check "expired: pki.json says expired" test "$expired" = True
      check "expired: openssl says expired now" sh -c \
        "openssl verify -CAfile '$FX/root.pem' -untrusted '$FX/intermediate.pem' '$pem' 2>&1 | grep -q 'certificate has expired'" ;;
    expiring)
      check "expiring: ends within 30 days" test $(( na - now )) -lt $(( 30 * 86400 ))
      check "expiring: ends in more than 9 days" test $(( na - now )) -gt $(( 9 * 86400 ))
      check "expiring: valid now" verify_now "$pem" ;;
    notyet)
      check "notyet: starts in 29..31 days" test $(( nb - now )) -gt $(( 29 * 86400 )) -a $(( nb - now )) -lt $(( 31 * 86400 ))
      check "notyet: openssl says not yet valid" sh -c \
        "openssl verify -CAfile '$FX/root.pem' -untrusted '$FX/intermediate.pem' '$pem' 2>&1 | grep -q 'not yet valid'" ;;
    revoked)
      check "revoked: pki.json says revoked" test "$revoked" = True
      check "revoked: valid now without a CRL check" verify_now "$pem"
      check "revoked: openssl's CRL check says revoked" sh -c \
        "openssl verify -crl_check -CRLfile '$FX/crl.pem' -CAfile '$FX/root.pem' -untrusted '$FX/intermediate.pem' '$pem' 2>&1 |
         grep -q 'certificate revoked'" ;;
    *)
      check "$name: pki.json says not revoked" test "$revoked" = False
      check "$name: valid now, also with the CRL check" verify_now -crl_check -CRLfile "$FX/crl.pem" "$pem"
      check "$name: valid for about 2 years" test $(( na - now )) -gt $(( 729 * 86400 )) -a $(( na - now )) -lt $(( 731 * 86400 )) ;;
  esac

  # Identity numbers: in the place pki.json says, and the check character is as promised.
  case $where in
    extension:*)
      oid=${where#extension:}
      check "$name: $oid carries $uscc as UTF8String" python3 "$HERE/tests/ext_value.py" "$FX/$name.der" "$oid" "$uscc" ;;
    subject:OU)
      check "$name: subject OU is $uscc" sh -c \
        "openssl x509 -in '$pem' -noout -subject -nameopt RFC2253 | grep -q 'OU=$uscc'"
      check "$name: no credit-code extension" sh -c "! grep -q '1.2.156.10260' <<'T'
$text
T" ;;
  esac
  if [ "$uscc" != None ]; then
    if [ "$name" = bad-uscc ]; then
      check "bad-uscc: pki.json says invalid" test "$uscvalid" = False
      check_not "bad-uscc: check character is wrong" python3 "$HERE/idcodes.py" uscc-check "$uscc"
    else
      check "$name: pki.json says valid" test "$uscvalid" = True
      check "$name: check character is right" python3 "$HERE/idcodes.py" uscc-check "$uscc"
    fi
  fi
done <"$WORK/entities.txt"

check "org-rsa: HeBCA unique id extension" python3 "$HERE/tests/ext_value.py" "$FX/org-rsa.der" \
  1.2.156.112586.1.4 "2@6021SF0$(json "$FX/pki.json" "d['certificates'][0]['uscc']")"
check "org-rsa: UTF-8 Chinese subject" sh -c \
  "openssl x509 -in '$FX/org-rsa.pem' -noout -subject -nameopt RFC2253,utf8,-esc_msb |
   grep -q '^subject=CN=河北测试科技有限公司,O=河北测试科技有限公司,L=石家庄市,ST=河北省,C=CN$'"
check "org-ec: a different organisation from org-rsa" test \
  "$(json "$FX/pki.json" "d['certificates'][1]['O']")" != "$(json "$FX/pki.json" "d['certificates'][0]['O']")"
person_id=$(json "$FX/pki.json" "d['certificates'][6]['idNumber']")
check "person: CN=张三" sh -c "openssl x509 -in '$FX/person.pem' -noout -subject -nameopt RFC2253,utf8,-esc_msb | grep -q '^subject=CN=张三,'"
check "person: ID number in 1.2.156.10260.4.1.1" python3 "$HERE/tests/ext_value.py" "$FX/person.der" 1.2.156.10260.4.1.1 "$person_id"
check "person: ID number passes GB 11643" python3 "$HERE/idcodes.py" resident-check "$person_id"
# The check-character code itself, on published examples.
check "GB 32100 vector 91110000600037341L" python3 "$HERE/idcodes.py" uscc-check 91110000600037341L
check "GB 32100 vector 91350100M000100Y43" python3 "$HERE/idcodes.py" uscc-check 91350100M000100Y43
check_not "GB 32100 wrong check 91350100M000100Y44" python3 "$HERE/idcodes.py" uscc-check 91350100M000100Y44
check "GB 11643 vector 11010519491231002X" python3 "$HERE/idcodes.py" resident-check 11010519491231002X
check_not "GB 11643 wrong check 110105194912310021" python3 "$HERE/idcodes.py" resident-check 110105194912310021

# Tokens.
export SOFTHSM2_CONF
SOFTHSM2_CONF=$(json "$FX/fixture.json" "d['softhsm2Conf']")
check "softhsm2.conf is inside the fixture" test "$SOFTHSM2_CONF" = "$FX/softhsm/softhsm2.conf"
slots=$(pkcs11-tool --module "$MODULE" -L 2>&1)
for i in 0 1 2; do
  label=$(json "$FX/fixture.json" "d['tokens'][$i]['label']")
  serial=$(json "$FX/fixture.json" "d['tokens'][$i]['serial']")
  check "token $label with serial $serial is listed" \
    python3 -c "import re,sys; t=sys.stdin.read(); sys.exit(not re.search(r'token label +: $label\n(.*\n)*? *serial num +: $serial\n', t))" <<<"$slots"
  expect=$(json "$FX/fixture.json" "' '.join(sorted(d['tokens'][$i]['certificates']))")
  p11() { pkcs11-tool --module "$MODULE" --token-label "$label" "$@" 2>/dev/null; }
  labels_of() { awk -v t="$1" '$0 ~ t {obj=1; next} obj && /label:/ {print $2; obj=0}' | sort | tr '\n' ' ' | sed 's/ $//'; }
  certs=$(p11 -O --type cert | labels_of "Certificate Object")
  check "$label: certificates without login are [$expect] (got [$certs])" test "$certs" = "$expect"
  keys_before=$(p11 -O --type privkey | labels_of "Private Key Object")
  check "$label: no private key visible before login" test -z "$keys_before"
  keys=$(p11 -O --type privkey --login --pin 123456 | labels_of "Private Key Object")
  check "$label: private keys after login are [$expect] (got [$keys])" test "$keys" = "$expect"
  for name in $expect; do
    id=$(printf '%s' "$name" | od -An -tx1 | tr -d ' \n')
    check "$label/$name: certificate on the token is the file's" cmp "$FX/$name.der" \
      <(p11 --read-object --type cert --id "$id")
  done
done

# A signature made by each key on the token verifies with the certificate from the PKI.
# SoftHSM has no ECDSA-SHA256 mechanism: ECDSA keys sign the digest with plain CKM_ECDSA.
head -c 200 /dev/urandom >"$WORK/data"
openssl dgst -sha256 -binary "$WORK/data" >"$WORK/data.sha256"
openssl dgst -sha384 -binary "$WORK/data" >"$WORK/data.sha384"
for pair in HEBCA-KEY-1:org-rsa:SHA256-RSA-PKCS:sha256 HEBCA-KEY-1:org-ec:ECDSA:sha256 \
            HEBCA-KEY-1:expired:SHA256-RSA-PKCS:sha256 HEBCA-KEY-1:expiring:ECDSA:sha256 \
            HEBCA-KEY-2:org-ec384:ECDSA:sha384 HEBCA-KEY-2:bad-uscc:SHA256-RSA-PKCS:sha256; do
  IFS=: read -r label name mech hash <<<"$pair"
  id=$(printf '%s' "$name" | od -An -tx1 | tr -d ' \n')
  input="$WORK/data"; [ "$mech" = ECDSA ] && input="$WORK/data.$hash"
  dgst=-$hash
  openssl x509 -in "$FX/$name.pem" -noout -pubkey >"$WORK/$name.pub"
  rm -f "$WORK/sig"
  pkcs11-tool --module "$MODULE" --token-label "$label" --login --pin 123456 --sign --id "$id" \
    -m "$mech" --signature-format openssl -i "$input" -o "$WORK/sig" >/dev/null 2>&1
  check "$label/$name: token key signs ($mech) and the certificate verifies it" \
    openssl dgst "$dgst" -verify "$WORK/$name.pub" -signature "$WORK/sig" "$WORK/data"
done

# ---- SM2 PKI and SKF material (make_sm2_pki) ------------------------------------------------------
DISTID=distid:1234567812345678
SM2_NAMES=$(json "$FX/sm2.json" "' '.join(c['name'] for c in d['certificates'])")
[ "$SM2_NAMES" = "sm2-sign sm2-enc sm2-person skf-rsa" ] \
  && pass "sm2.json lists sm2-sign sm2-enc sm2-person skf-rsa" || fail "sm2.json names: $SM2_NAMES"
check "sm2.json: signer ID" test "$(json "$FX/sm2.json" "d['distinguishingId']")" = 1234567812345678
for f in sm2-root.pem sm2-intermediate.pem sm2-chain.pem; do check "$f exists" test -s "$FX/$f"; done
check "sm2-chain.pem = intermediate + root" cmp "$FX/sm2-chain.pem" <(cat "$FX/sm2-intermediate.pem" "$FX/sm2-root.pem")
for ca in sm2-root sm2-intermediate; do
  text=$(openssl x509 -in "$FX/$ca.pem" -noout -text)
  check "$ca: SM2 key" grep -q "ASN1 OID: SM2" <<<"$text"
  check "$ca: signed SM2-with-SM3" grep -q "Signature Algorithm: SM2-with-SM3" <<<"$text"
  check "$ca: a CA" grep -q "CA:TRUE" <<<"$text"
done
check "sm2-intermediate: HeBCA-like subject" sh -c \
  "openssl x509 -in '$FX/sm2-intermediate.pem' -noout -subject -nameopt RFC2253,utf8,-esc_msb |
   grep -q 'CN=HEBCA Test SM2 CA,O=河北省电子认证有限公司 (test),ST=河北省,C=CN'"
check "sm2-root is self-signed" openssl verify -vfyopt "$DISTID" -CAfile "$FX/sm2-root.pem" "$FX/sm2-root.pem"
# The CLI puts the signer ID on the certificate it checks only, not on the intermediates it
# finds: each link is checked on its own (-partial_chain trusts the intermediate for the leaf).
check "sm2-intermediate: root's signature verifies with the signer ID" \
  openssl verify -vfyopt "$DISTID" -CAfile "$FX/sm2-root.pem" "$FX/sm2-intermediate.pem"
check_not "sm2-intermediate: and not without it" \
  openssl verify -CAfile "$FX/sm2-root.pem" "$FX/sm2-intermediate.pem"
python3 -c "import json,sys
for c in json.load(open(sys.argv[1]))['certificates']:
    print(*(str(c[k]) for k in ('name','keyType','keyBits','usage','issuer','uscc','idNumber','sha256')))" \
  "$FX/sm2.json" >"$WORK/sm2-entities.txt"
while read -r name key_type key_bits usage issuer uscc idnum sha; do
  pem="$FX/$name.pem"
  for f in "$name.pem" "$name.der" "$name.key.pem" "$name.key.p8.der"; do check "$name: $f exists" test -s "$FX/$f"; done
  check "$name: sha256 in sm2.json is the DER's" test "$(sha256sum "$FX/$name.der" | cut -d' ' -f1)" = "$sha"
  check "$name: .der and .pem are the same certificate" cmp "$FX/$name.der" <(openssl x509 -in "$pem" -outform DER)
  check "$name: PKCS#8 DER key matches the certificate" cmp \
    <(openssl pkey -inform DER -in "$FX/$name.key.p8.der" -pubout) <(openssl x509 -in "$pem" -noout -pubkey)
  text=$(openssl x509 -in "$pem" -noout -text)
  if [ "$key_type" = SM2 ]; then
    check "$name: SM2 key" grep -q "ASN1 OID: SM2" <<<"$text"
    check "$name: signed SM2-with-SM3" grep -q "Signature Algorithm: SM2-with-SM3" <<<"$text"
    check "$name: issued by sm2-intermediate" test "$issuer" = sm2-intermediate
    check "$name: intermediate's signature verifies with the signer ID" \
      openssl verify -vfyopt "$DISTID" -partial_chain -CAfile "$FX/sm2-intermediate.pem" "$pem"
    check_not "$name: and not without it" openssl verify -partial_chain -CAfile "$FX/sm2-intermediate.pem" "$pem"
    # The key signs SM2-with-SM3 with the signer ID and the certificate verifies it.
    openssl dgst -sm3 -sign "$FX/$name.key.pem" -sigopt "$DISTID" -out "$WORK/$name.sig" "$WORK/data"
    openssl x509 -in "$pem" -noout -pubkey >"$WORK/$name.pub"
    check "$name: key's SM2 signature verifies with the certificate" \
      openssl dgst -sm3 -verify "$WORK/$name.pub" -sigopt "$DISTID" -signature "$WORK/$name.sig" "$WORK/data"
  else
    check "$name: RSA-$key_bits" grep -q "Public-Key: ($key_bits bit)" <<<"$text"
    check "$name: chains to the RSA/EC root" verify_now "$pem"
  fi
  if [ "$usage" = enc ]; then
    check "$name: keyUsage keyEncipherment, dataEncipherment, keyAgreement" \
      grep -q "Key Encipherment, Data Encipherment, Key Agreement" <<<"$text"
  else
    check "$name: keyUsage digitalSignature, nonRepudiation" grep -q "Digital Signature, Non Repudiation" <<<"$text"
    check "$name: EKU clientAuth" grep -q "TLS Web Client Authentication" <<<"$text"
  fi
  if [ "$uscc" != None ]; then
    check "$name: 1.2.156.10260.4.1.4 carries $uscc" python3 "$HERE/tests/ext_value.py" "$FX/$name.der" 1.2.156.10260.4.1.4 "$uscc"
    check "$name: credit code check character is right" python3 "$HERE/idcodes.py" uscc-check "$uscc"
  fi
  if [ "$idnum" != None ]; then
    check "$name: ID number in 1.2.156.10260.4.1.1" python3 "$HERE/tests/ext_value.py" "$FX/$name.der" 1.2.156.10260.4.1.1 "$idnum"
  fi
done <"$WORK/sm2-entities.txt"
check "sm2-sign and sm2-enc are a dual pair: one subject, two keys" sh -c \
  "test \"\$(openssl x509 -in '$FX/sm2-sign.pem' -noout -subject)\" = \"\$(openssl x509 -in '$FX/sm2-enc.pem' -noout -subject)\" &&
   ! cmp -s '$FX/sm2-sign.key.p8.der' '$FX/sm2-enc.key.p8.der'"

# provision-skf.py: the standard SKF state from this PKI.
SKF="$WORK/skf"
check "provision-skf.py writes a state directory" "$HERE/provision-skf.py" --pki "$FX" --out "$SKF"
check "softskf.json lists two devices" test "$(json "$SKF/softskf.json" "' '.join(d['devices'])")" = "dev0 dev1"
check "HEBCA-SKF-1 holds sm2-org, rsa-org, empty" test \
  "$(json "$SKF/dev0/device.json" "d['name'] + ':' + ' '.join(c['name'] for c in d['applications'][0]['containers'])")" \
  = "HEBCA-SKF-1:sm2-org rsa-org empty"
check "sm2-org's signing certificate is sm2-sign's" cmp "$SKF/dev0/sm2-sign.sign.der" "$FX/sm2-sign.der"
check "sm2-org's encryption certificate is sm2-enc's" cmp "$SKF/dev0/sm2-enc.enc.der" "$FX/sm2-enc.der"
check_not "provision-skf.py: a PKI without the SM2 files is refused" "$HERE/provision-skf.py" --pki "$WORK/none" --out "$WORK/skf2"

# provision-token.sh refuses what it cannot do.
P="$HERE/provision-token.sh"
check_not "provision: duplicate label refused" "$P" --dir "$FX/softhsm" --label HEBCA-KEY-1
check_not "provision: unknown certificate refused" "$P" --dir "$WORK/t2" --label X --pki "$FX" no-such-cert
check_not "provision: certificate without --pki refused" "$P" --dir "$WORK/t2" --label X org-rsa
check_not "provision: 33-byte label refused" "$P" --dir "$WORK/t2" --label 123456789012345678901234567890123
check_not "make-test-pki: no OUTDIR refused" "$HERE/make-test-pki.sh"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
