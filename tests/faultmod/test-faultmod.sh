#!/usr/bin/env bash
# test-faultmod.sh FAULTMODULE PROBE PKITOOLS
# CTest test of the fault-injecting PKCS#11 module: drives it with pkcs11-tool (and the probe
# for cabridge_fault_get_pin_retries) against private SoftHSM tokens FAULT-KEY and OTHER-KEY.
set -uo pipefail
if [ $# -ne 3 ]; then echo "usage: $0 FAULTMODULE PROBE PKITOOLS" >&2; exit 2; fi
M=$1 PROBE=$2 PKI_TOOLS=$3
WORK=$(mktemp -d /tmp/cabridge-faultmod-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect() { # expect DESCRIPTION EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok: $1"; else fail "$1: expected [$2], got [$3]"; fi
}
expect_match() { # expect_match DESCRIPTION REGEX TEXT
  if grep -Eq -- "$2" <<<"$3"; then echo "ok: $1"; else fail "$1: /$2/ not in [$3]"; fi
}
expect_no_match() {
  if grep -Eq -- "$2" <<<"$3"; then fail "$1: /$2/ found in [$3]"; else echo "ok: $1"; fi
}

"$PKI_TOOLS/make-test-pki.sh" "$WORK/pki" >/dev/null || { echo "FAIL: make-test-pki.sh" >&2; exit 1; }
export SOFTHSM2_CONF
SOFTHSM2_CONF=$("$PKI_TOOLS/provision-token.sh" --dir "$WORK/tok" --label FAULT-KEY --pki "$WORK/pki" org-rsa org-ec)
"$PKI_TOOLS/provision-token.sh" --dir "$WORK/tok" --label OTHER-KEY --pki "$WORK/pki" org-ec384 >/dev/null
export CABRIDGE_FAULT_CONTROL="$WORK/control" CABRIDGE_FAULT_STATE="$WORK/state"
control() { printf '%s\n' "$@" >"$CABRIDGE_FAULT_CONTROL"; }

# Under scripts/sanitize.sh the module is built with AddressSanitizer + UBSan, and pkcs11-tool
# (OpenSC, not instrumented) can load it only with the ASan runtime preloaded. Most output here
# is captured and matched, so every sanitizer report goes to $WORK/sanitizer.<pid> instead,
# and any such file fails the test at the end. In pkcs11-tool, memory errors and UB in the
# module are still caught, but LeakSanitizer is off: at exit it reports pkcs11-tool's own
# OpenSSL objects (CRYPTO_zalloc, ASN1_STRING_set, BUF_MEM_grow called from pkcs11-tool after
# -O), not ours. The module's leaks are checked where instrumented programs load it: the probe
# below, the host in tests/login, cabridge_pkcs11_fault_tests.
P11TOOL=(pkcs11-tool)
asan_runtime=$(ldd "$M" | awk '$1 ~ /^libasan\.so/ { print $3 }')
if [ -n "$asan_runtime" ]; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$WORK/sanitizer"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$WORK/sanitizer"
  P11TOOL=(env LD_PRELOAD="$asan_runtime" ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" pkcs11-tool)
fi

retries() { "$PROBE" "$M" "$1" retries; }
p11() { "${P11TOOL[@]}" --module "$M" "$@" 2>&1; }
login() { p11 --token-label "$1" --login --pin "$2" -O; }
flags_of() { p11 -L | grep -A10 "token label *: $1\$" | grep -m1 "token flags"; }
RSA_ID=$(printf org-rsa | od -An -tx1 | tr -d ' \n')
head -c 100 /dev/urandom >"$WORK/data"
sign() { rm -f "$WORK/sig"; p11 --token-label FAULT-KEY --login --pin 123456 --sign --id "$RSA_ID" \
  -m SHA256-RSA-PKCS -i "$WORK/data" -o "$WORK/sig"; }
sig_verifies() {
  openssl x509 -in "$WORK/pki/org-rsa.pem" -noout -pubkey >"$WORK/pub" &&
  openssl dgst -sha256 -verify "$WORK/pub" -signature "$WORK/sig" "$WORK/data" >/dev/null 2>&1 && echo yes || echo no
}

# 1. No control file: a transparent forwarder.
rm -f "$CABRIDGE_FAULT_CONTROL"
expect_match "no faults: both tokens listed" "FAULT-KEY" "$(p11 -L)"
expect_match "no faults: right PIN lists the private keys" "Private Key Object" "$(login FAULT-KEY 123456)"
sign >/dev/null
expect "no faults: a signature through the module verifies" yes "$(sig_verifies)"
expect "no counter configured: get_pin_retries says CKR_FUNCTION_NOT_SUPPORTED" "rv=0x54" "$(retries FAULT-KEY)"

# 2. PIN retry counter, on FAULT-KEY only.
control pin_max_retries=3 only_label=FAULT-KEY
expect "counter starts at 3" 3 "$(retries FAULT-KEY)"
expect "OTHER-KEY has no counter" "rv=0x54" "$(retries OTHER-KEY)"
expect_no_match "fresh token: no PIN flags" "count low|final|locked" "$(flags_of FAULT-KEY)"
expect_match "wrong PIN 1: CKR_PIN_INCORRECT" "CKR_PIN_INCORRECT" "$(login FAULT-KEY 000000)"
expect "wrong PIN 1: 2 left" 2 "$(retries FAULT-KEY)"
expect_match "wrong PIN 1: count low" "user PIN count low" "$(flags_of FAULT-KEY)"
expect_no_match "wrong PIN 1: not final try" "final user PIN try" "$(flags_of FAULT-KEY)"
expect_match "OTHER-KEY wrong PIN: CKR_PIN_INCORRECT" "CKR_PIN_INCORRECT" "$(login OTHER-KEY 000000)"
expect "OTHER-KEY wrong PIN does not count on FAULT-KEY" 2 "$(retries FAULT-KEY)"
for _ in 1 2 3; do login OTHER-KEY 000000 >/dev/null; done
expect_match "OTHER-KEY: four wrong PINs do not lock it (no counter there)" "Private Key Object" "$(login OTHER-KEY 123456)"
expect_match "right PIN after a failure: logged in" "Private Key Object" "$(login FAULT-KEY 123456)"
expect "right PIN resets the counter" 3 "$(retries FAULT-KEY)"
expect_no_match "right PIN clears count low" "count low" "$(flags_of FAULT-KEY)"
login FAULT-KEY 000000 >/dev/null
login FAULT-KEY 000000 >/dev/null
expect "two wrong PINs: 1 left" 1 "$(retries FAULT-KEY)"
expect_match "1 left: final try" "user PIN count low, final user PIN try" "$(flags_of FAULT-KEY)"
expect_match "wrong PIN 3: still CKR_PIN_INCORRECT" "CKR_PIN_INCORRECT" "$(login FAULT-KEY 000000)"
expect "wrong PIN 3: 0 left" 0 "$(retries FAULT-KEY)"
expect_match "0 left: locked flag" "user PIN locked" "$(flags_of FAULT-KEY)"
expect_match "locked: even the right PIN gets CKR_PIN_LOCKED" "CKR_PIN_LOCKED" "$(login FAULT-KEY 123456)"
expect "state file records the lock (survives restarts)" "retries_left=0 removed=0" "$(tr '\n' ' ' <"$CABRIDGE_FAULT_STATE" | sed 's/ $//')"
printf 'retries_left=3\nremoved=0\n' >"$CABRIDGE_FAULT_STATE"
expect_match "unlock by rewriting the state file" "Private Key Object" "$(login FAULT-KEY 123456)"
for _ in 1 2 3; do login FAULT-KEY 000000 >/dev/null; done
expect_match "locked again" "CKR_PIN_LOCKED" "$(login FAULT-KEY 123456)"
control pin_max_retries=3 only_label=FAULT-KEY unlock=1
expect_match "unlock=1 in the control file unlocks" "Private Key Object" "$(login FAULT-KEY 123456)"
expect "unlock=1: counter back to 3" 3 "$(retries FAULT-KEY)"
rm -f "$CABRIDGE_FAULT_STATE"

# 3. Device error on C_Sign. (pkcs11-tool retries a failed C_Sign as C_SignUpdate/C_SignFinal,
# so the probe makes the single-part call itself.)
expect "no faults: probe signs twice" "sign1=0x0 init2=0x0 sign2=0x0" "$("$PROBE" "$M" FAULT-KEY sign 123456)"
control device_error_on=C_Sign
expect "device_error_on=C_Sign: CKR_DEVICE_ERROR (0x30), and it ended the operation" \
  "sign1=0x30 init2=0x0 sign2=0x30" "$("$PROBE" "$M" FAULT-KEY sign 123456)"
control device_error_on=C_Sign,C_SignFinal
out=$(sign)
expect_match "device_error_on=C_Sign,C_SignFinal: pkcs11-tool gets CKR_DEVICE_ERROR" "C_SignFinal.*CKR_DEVICE_ERROR" "$out"
expect "device error: no signature written" no "$( [ -s "$WORK/sig" ] && echo yes || echo no)"
control device_error_on=C_SignInit
expect_match "device_error_on=C_SignInit: CKR_DEVICE_ERROR" "C_SignInit.*CKR_DEVICE_ERROR" "$(sign)"
rm -f "$CABRIDGE_FAULT_CONTROL"
sign >/dev/null
expect "fault cleared while the same tools keep running: signing works again" yes "$(sig_verifies)"

# 4. Removal before C_Login, FAULT-KEY only.
control remove_before=C_Login only_label=FAULT-KEY
expect_match "removed at C_Login: CKR_DEVICE_REMOVED" "C_Login.*CKR_DEVICE_REMOVED" "$(login FAULT-KEY 123456)"
slots=$(p11 -L)
expect_no_match "removed: FAULT-KEY no longer listed" "FAULT-KEY" "$slots"
expect_match "removed: OTHER-KEY still listed" "OTHER-KEY" "$slots"
expect_match "removed: opening a session says CKR_TOKEN_NOT_PRESENT" "CKR_TOKEN_NOT_PRESENT|not present" \
  "$(p11 --slot-index 0 -O; p11 --slot-index 1 -O; p11 --slot-index 2 -O)"
expect_match "removed: OTHER-KEY still works" "Private Key Object" "$(login OTHER-KEY 123456)"
expect_no_match "removal persists in a new process" "FAULT-KEY" "$(p11 -L)"
rm -f "$CABRIDGE_FAULT_CONTROL" "$CABRIDGE_FAULT_STATE"
expect_match "re-inserted (state and control cleared): listed again" "FAULT-KEY" "$(p11 -L)"

# 5. Latency on every call.
t0=$(date +%s%N); p11 -L >/dev/null; base=$(( ($(date +%s%N) - t0) / 1000000 ))
control latency_ms=200
t0=$(date +%s%N); p11 -L >/dev/null; slow=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "pkcs11-tool -L: ${base} ms without latency, ${slow} ms with latency_ms=200"
expect "latency_ms=200 slows pkcs11-tool -L by over 1 s (many calls)" yes \
  "$( [ $((slow - base)) -gt 1000 ] && echo yes || echo no)"

# 6. Hang on C_Login: the call never returns.
control hang_on=C_Login
t0=$(date +%s%N)
timeout 3 "${P11TOOL[@]}" --module "$M" --token-label FAULT-KEY --login --pin 123456 -O >/dev/null 2>&1
rc=$?
expect "hang_on=C_Login: killed by timeout 3 (124)" 124 "$rc"
echo "hung for $(( ($(date +%s%N) - t0) / 1000000 )) ms"
control hang_on=C_Login only_label=OTHER-KEY
timeout 10 "${P11TOOL[@]}" --module "$M" --token-label FAULT-KEY --login --pin 123456 -O >/dev/null 2>&1
expect "hang only on OTHER-KEY: FAULT-KEY login returns" 0 "$?"

# 7. A control file with a mistake fails every call loudly instead of injecting nothing.
control pin_max_retrys=3
out=$(p11 -L)
expect_match "typo in control: calls fail" "CKR_GENERAL_ERROR" "$out"
expect_match "typo in control: stderr names the key" "unknown key 'pin_max_retrys'" "$out"
control latency_ms=abc
expect_match "bad number: calls fail" "bad value for 'latency_ms'" "$(p11 -L)"

# 8. Bad target module.
rm -f "$CABRIDGE_FAULT_CONTROL"
expect_match "missing target module: C_Initialize fails with a message" "cannot load target /nonexistent.so" \
  "$(CABRIDGE_FAULT_TARGET=/nonexistent.so p11 -L)"

# 9. No sanitizer report from any process above (sanitizer build only).
for report in "$WORK"/sanitizer.*; do
  [ -e "$report" ] || continue
  fail "sanitizer report in $report:"
  cat "$report" >&2
done

if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed" >&2; exit 1; fi
echo "all checks passed"
