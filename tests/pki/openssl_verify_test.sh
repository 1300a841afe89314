#!/usr/bin/env bash
# The certificates and CRL that `tocsin pki` produces pass the stock
# `openssl verify -crl_check -x509_strict`, and a revoked one fails it.
# Usage: openssl_verify_test.sh PATH/TO/tocsin
set -euo pipefail
tocsin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
verify() {
  openssl verify -x509_strict -crl_check_all -CAfile ca/public/root.crt \
    -CRLfile ca/public/crl.pem "$@"
}

"$tocsin" pki init --ca ca >/dev/null
"$tocsin" pki enroll --ca ca --id finance-authority --role agency --sector finance --out fin >/dev/null
"$tocsin" pki enroll --ca ca --id op.alice --role operator --out op >/dev/null

for cert in fin/signing.crt fin/encryption.crt fin/transport.crt op/signing.crt; do
  verify "$cert" >/dev/null || fail "openssl rejects $cert"
done
openssl crl -in ca/public/crl.pem -CAfile ca/public/root.crt -noout 2>&1 | grep -q "verify OK" \
  || fail "openssl cannot verify the CRL signature"
openssl x509 -in fin/encryption.crt -noout -text | grep -q "X25519" || fail "encryption key is not X25519"
openssl pkey -in fin/signing.key -noout || fail "openssl cannot read our PKCS#8 key"

"$tocsin" pki revoke --ca ca --id finance-authority >/dev/null
if verify fin/signing.crt > out.txt 2>&1; then
  fail "openssl accepts a revoked certificate"
fi
grep -q "certificate revoked" out.txt || { cat out.txt; fail "unexpected openssl error"; }
verify op/signing.crt >/dev/null || fail "revoking one principal broke another"
echo "1 passed, 0 failed"
