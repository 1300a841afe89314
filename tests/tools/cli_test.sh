#!/usr/bin/env bash
# End-to-end checks of the `tocsin` command line: exit codes, messages an
# operator can act on, --json output, and the directive seal/open path.
# Usage: cli_test.sh PATH/TO/tocsin
set -euo pipefail
tocsin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
passed=0

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { passed=$((passed + 1)); }
# expect_fail EXPECTED_TEXT COMMAND...: the command exits 1 and says EXPECTED_TEXT.
expect_fail() {
  local expected=$1; shift
  set +e; "$@" >out.txt 2>err.txt; local rc=$?; set -e
  [ "$rc" -eq 1 ] || fail "expected exit 1 from '$*', got $rc"
  grep -qF -- "$expected" err.txt || { cat err.txt; fail "'$*' did not say: $expected"; }
  ok
}

"$tocsin" pki init --ca ca >/dev/null || fail "check at line $LINENO"; ok
expect_fail "exists and is not empty" "$tocsin" pki init --ca ca
"$tocsin" pki enroll --ca ca --id op.alice --role operator --out op >/dev/null || fail "check at line $LINENO"; ok
"$tocsin" pki enroll --ca ca --id op.bob --role operator --out op2 >/dev/null || fail "check at line $LINENO"; ok
"$tocsin" pki enroll --ca ca --id gw --role gateway --out gw >/dev/null || fail "check at line $LINENO"; ok
for s in finance energy; do
  "$tocsin" pki enroll --ca ca --id $s-authority --role agency --sector $s --out $s --json > $s.json
  python3 -c "import json,sys; d=json.load(open('$s.json')); assert len(d['certificates'])==3" || fail "check at line $LINENO"; ok
done
expect_fail "unknown sector 'space'" "$tocsin" pki enroll --ca ca --id x --role agency --sector space --out x
expect_fail "--role must be" "$tocsin" pki enroll --ca ca --id x --role root --out x
if "$tocsin" pki enroll --ca ca >/dev/null 2>&1; then fail "missing options accepted"; fi; ok
# A wrong command line: exit 2 and one convention, for every program.
for cmd in "$tocsin pki enroll --ca ca" "$tocsin no-such-command" "$tocsin status --bogus" \
           "$(dirname "$tocsin")/tocsin-client run" "$(dirname "$tocsin")/tocsin-gateway --bogus"; do
  set +e; $cmd >out.txt 2>err.txt; rc=$?; set -e
  [ "$rc" -eq 2 ] || fail "'$cmd' exited $rc, not 2"
  grep -q "^tocsin[a-z-]*: usage: " err.txt || fail "'$cmd' said: $(cat err.txt)"; ok
done
"$tocsin" --help >out.txt && grep -q "SUBCOMMAND" out.txt || fail "check at line $LINENO"; ok

chmod 644 op/signing.key
expect_fail "run chmod 600" "$tocsin" directive seal --bundle op --directory ca/public \
  --gateway gw --sector finance --title t --body b --out d0.msg
chmod 600 op/signing.key

printf '{"id":"aa' > op/issued-titles.jsonl  # a line torn by a crash must not swallow the next
"$tocsin" directive seal --bundle op --directory ca/public --gateway gw --sector finance \
  --sector energy --severity critical --tlp RED --title "Ransomware" --body "Isolate B" \
  --out d1.msg --json > seal.json || fail "check at line $LINENO"; ok
grep -q '^{"id":"[0-9a-f]\{32\}","sealed_at":"[^"]*","title":"Ransomware"}$' op/issued-titles.jsonl \
  || { cat op/issued-titles.jsonl; fail "the sealed title is not kept on a line of its own"; }; ok
python3 - <<'PY' || fail "check at line $LINENO"; ok
import json
d = json.load(open("seal.json"))
assert d["recipients"] == ["energy-authority", "finance-authority"], d
assert d["sequence"] == 1 and len(d["id"]) == 32
PY
"$tocsin" directive open --bundle finance --directory ca/public --gateway gw --in d1.msg --json > open.json
python3 - <<'PY' || fail "check at line $LINENO"; ok
import json
d = json.load(open("open.json"))
assert d["title"] == "Ransomware" and d["body"] == "Isolate B", d
assert d["tlp"] == "RED" and d["severity"] == "critical" and d["issuer"] == "op.alice"
PY
expect_fail "not addressed to" "$tocsin" directive open --bundle op2 --directory ca/public --gateway gw --in d1.msg
expect_fail "for gateway gw, not gw2" "$tocsin" directive open --bundle energy --directory ca/public --gateway gw2 --in d1.msg
expect_fail "2 are required" "$tocsin" directive open --bundle energy --directory ca/public --gateway gw --in d1.msg --min-signatures 2

# The two-person rule: sealed for two signatures, read by the co-signer, signed.
expect_fail "needs at least 1 --cosigner" "$tocsin" directive seal --bundle op --directory ca/public \
  --gateway gw --agency finance-authority --title t --body b --signatures 2 --out d2p.msg
"$tocsin" directive seal --bundle op --directory ca/public --gateway gw --agency finance-authority \
  --agency energy-authority --title "Two-person" --body "Shut down gateway X" --severity critical \
  --signatures 2 --cosigner op.bob --out d2p.msg --json > seal2.json || fail "check at line $LINENO"; ok
[ -f d2p.msg.key-for-op.bob ] || fail "no key file for the co-signer"; ok
expect_fail "requires 2 operators' signatures" "$tocsin" directive open --bundle finance \
  --directory ca/public --gateway gw --in d2p.msg
expect_fail "is for op.bob" "$tocsin" directive cosign --bundle op --directory ca/public --gateway gw \
  --in d2p.msg --key d2p.msg.key-for-op.bob --out d2x.msg
echo no | "$tocsin" directive cosign --bundle op2 --directory ca/public --gateway gw --in d2p.msg \
  --key d2p.msg.key-for-op.bob --out d2x.msg >show.txt 2>err.txt && fail "signed without a yes"; ok
grep -q "title:   Two-person" show.txt && grep -q "Shut down gateway X" show.txt \
  && grep -q "to 2 agencies: energy-authority, finance-authority" show.txt || fail "$(cat show.txt)"; ok
[ ! -e d2x.msg ] || fail "a refused co-signature wrote a file"; ok
echo yes | "$tocsin" directive cosign --bundle op2 --directory ca/public --gateway gw --in d2p.msg \
  --key d2p.msg.key-for-op.bob --out d2b.msg | grep -q "co-signed by op.bob (2 of 2 signatures)" || fail "check at line $LINENO"; ok
"$tocsin" directive open --bundle energy --directory ca/public --gateway gw --in d2b.msg >/dev/null || fail "check at line $LINENO"; ok
expect_fail "has signed it already" "$tocsin" directive cosign --bundle op2 --directory ca/public \
  --gateway gw --in d2b.msg --key d2p.msg.key-for-op.bob --out d2c.msg --yes
# Another directive's key, or a key for the wrong content, opens nothing.
"$tocsin" directive seal --bundle op --directory ca/public --gateway gw --agency finance-authority \
  --title other --body other --signatures 2 --cosigner op.bob --out d3p.msg >/dev/null || fail "check at line $LINENO"; ok
expect_fail "is for op.bob and directive" "$tocsin" directive cosign --bundle op2 --directory ca/public \
  --gateway gw --in d2p.msg --key d3p.msg.key-for-op.bob --out d2d.msg --yes

# A flipped byte anywhere in the sealed file is refused.
python3 - <<'PY'
data = bytearray(open("d1.msg", "rb").read())
data[len(data) // 2] ^= 0x01
open("d1-tampered.msg", "wb").write(bytes(data))
PY
set +e; "$tocsin" directive open --bundle finance --directory ca/public --gateway gw --in d1-tampered.msg >/dev/null 2>&1; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "tampered directive accepted"; ok

"$tocsin" pki revoke --ca ca --id energy-authority >/dev/null || fail "check at line $LINENO"; ok
expect_fail "is revoked" "$tocsin" directive seal --bundle op --directory ca/public --gateway gw \
  --agency energy-authority --title t --body b --out d2.msg
"$tocsin" directive seal --bundle op --directory ca/public --gateway gw --sector finance \
  --title t --body b --out d3.msg 2>warn.txt >/dev/null || fail "check at line $LINENO"; ok
grep -q "skipped energy-authority" warn.txt || fail "no warning for a skipped revoked agency"; ok
# The record of certificates verified before (kept since d1; the revocation
# above was still refused): a damaged one is said, dropped, and rewritten.
grep -q "^trust " op/verified-certificates || fail "no record of verified certificates"; ok
printf 'x' >> op/verified-certificates
"$tocsin" directive seal --bundle op --directory ca/public --gateway gw --sector finance \
  --title t --body b --out d3b.msg 2>warn.txt >/dev/null || fail "check at line $LINENO"; ok
grep -q "the record of those verified before is unusable" warn.txt || fail "$(cat warn.txt)"; ok
tail -c 1 op/verified-certificates | od -c | grep -q '\\n' || fail "the record was not rewritten"; ok
# A sector nobody active is in (unknown, or every member revoked) is an error.
expect_fail "no active agency in sector 'energy' (sectors with one: finance)" "$tocsin" directive seal \
  --bundle op --directory ca/public --gateway gw --sector finance --sector energy --title t --body b --out d4.msg
expect_fail "no active agency in sector 'agriculture'" "$tocsin" directive seal \
  --bundle op --directory ca/public --gateway gw --sector agriculture --title t --body b --out d4.msg
"$tocsin" pki list --ca ca --json | python3 -c "
import json,sys; rows={r['id']: r['state'] for r in json.load(sys.stdin)}
assert rows['energy-authority']=='revoked' and rows['finance-authority']=='active', rows" || fail "check at line $LINENO"; ok

# Keys made where they are used: the CA certifies public keys only.
cp ca/public/root.crt pinned-root.crt
"$tocsin" pki request --id health-authority --role agency --sector health --root pinned-root.crt \
  --bundle health --json > request.json || fail "check at line $LINENO"; ok
[ -f health/signing.key ] && [ ! -f health/signing.crt ] || fail "request made no keys, or certificates"; ok
python3 - <<'PY' || fail "check at line $LINENO"; ok
import json, re
r = json.load(open("request.json"))
text = open("health/request.toml").read()
fields = {line.split(" = ")[0] for line in text.splitlines() if " = " in line and not line.startswith("#")}
assert fields == {"format", "id", "role", "sector", "signing_key", "encryption_key",
                  "transport_key", "signed_by_signing_key"}, fields  # public keys only
assert re.fullmatch(r"([0-9a-f]{4} ){7}[0-9a-f]{4}", r["fingerprint"]), r
assert r["fingerprint"] in text
PY
# A request whose keys were changed after signing is refused, and certifies nothing.
sed 's/^transport_key = "\(..\)/transport_key = "00/' health/request.toml > forged.toml
cmp -s forged.toml health/request.toml && sed -i 's/^transport_key = "00/transport_key = "11/' forged.toml
expect_fail "the signing key's proof of possession" "$tocsin" pki certify --ca ca --request forged.toml --out forged-certs
[ ! -e ca/public/principals/health-authority ] || fail "a forged request was published"; ok
"$tocsin" pki certify --ca ca --request health/request.toml --out health-certs --json > certify.json || fail "check at line $LINENO"; ok
python3 -c "
import json; c=json.load(open('certify.json')); r=json.load(open('request.json'))
assert c['fingerprint']==r['fingerprint'] and len(c['certificates'])==3, c" || fail "check at line $LINENO"; ok
ls health-certs | grep -q '\.key$' && fail "the CA wrote a private key"; ok
# Certificates for another bundle's keys are refused at install.
"$tocsin" pki request --id health-authority --role agency --sector health --root pinned-root.crt \
  --bundle health-twin >/dev/null || fail "check at line $LINENO"; ok
expect_fail "not this bundle's" "$tocsin" pki install --bundle health-twin --certs health-certs
"$tocsin" pki install --bundle health --certs health-certs >/dev/null || fail "check at line $LINENO"; ok
"$tocsin" directive seal --bundle op --directory ca/public --gateway gw --agency health-authority \
  --title t --body "for health" --out dh.msg >/dev/null || fail "check at line $LINENO"; ok
"$tocsin" directive open --bundle health --directory ca/public --gateway gw --in dh.msg --json \
  | grep -q '"body": "for health"' || fail "check at line $LINENO"; ok

# The CRL's expiry, said before anything else (a stale CRL fails every check).
"$tocsin" pki crl-status --ca ca --json | python3 -c "
import json,sys; c=json.load(sys.stdin)
assert c['state']=='fresh' and c['number']>=2 and 23*3600 < c['seconds_left'] <= 24*3600, c" || fail "check at line $LINENO"; ok
"$tocsin" pki list --ca ca 2>err.txt | head -1 | grep -q "is valid until" || fail "check at line $LINENO"; ok
[ ! -s err.txt ] || fail "pki list warned of a fresh CRL: $(cat err.txt)"; ok
sed -i 's/^crl_validity_hours = .*/crl_validity_hours = 1/' ca/ca.toml
"$tocsin" pki crl --ca ca >/dev/null || fail "check at line $LINENO"; ok
"$tocsin" pki list --ca ca --json >/dev/null 2>err.txt || fail "check at line $LINENO"; ok
grep -q "warning: the CRL in ca/public/crl.pem expires at .* publish a fresh one" err.txt \
  || fail "no expiry warning from pki list: $(cat err.txt)"; ok
"$tocsin" pki crl-status --ca ca --json | python3 -c "
import json,sys; assert json.load(sys.stdin)['state']=='expiring'" || fail "check at line $LINENO"; ok
set +e
ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" faketime -f '+2h' \
  "$tocsin" pki crl-status --ca ca >out.txt 2>&1; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "an expired CRL gave exit $rc: $(cat out.txt)"; ok
grep -q "expired at .* every certificate check fails closed" out.txt || fail "$(cat out.txt)"; ok
sed -i 's/^crl_validity_hours = .*/crl_validity_hours = 24/' ca/ca.toml
"$tocsin" pki crl --ca ca >/dev/null || fail "check at line $LINENO"; ok

# CRL freshness (docs/pki.md): a 14-day CRL kept current by a delegated signer.
faked() { ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" faketime -f "$@"; }
expect_fail "freshness_crl_validity_days" "$tocsin" pki delegate-freshness --ca ca --out signer
echo 'freshness_crl_validity_days = 14' >> ca/ca.toml
"$tocsin" pki delegate-freshness --ca ca --out signer --json >delegated.json || fail "check at line $LINENO"; ok
[ "$(stat -c %a signer/crl-freshness.key)" = 600 ] || fail "the signer's key is not 0600"; ok
set +e; faked '+30h' "$tocsin" pki crl-status --ca ca --json >st.json 2>/dev/null; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "a 30 h old long-lived CRL with no statement gave exit $rc"; ok
python3 -c "
import json; c=json.load(open('st.json')); d=json.load(open('delegated.json'))
assert c['state']=='expired' and c['long_lived'] and c['statement_until'] is None, c
assert c['number']==d['crl_number'] and c['next_update']==d['crl_next_update'], (c, d)" \
  || fail "check at line $LINENO"; ok
mv ca/private root-offline  # the signer needs nothing of the root's
faked '+30h' "$tocsin" pki refresh --signer signer --public ca/public --json >refreshed.json \
  || fail "check at line $LINENO"; ok
mv root-offline ca/private
faked '+30h' "$tocsin" pki crl-status --ca ca --json >st.json || fail "check at line $LINENO"; ok
python3 -c "
import json; c=json.load(open('st.json')); r=json.load(open('refreshed.json'))
assert c['state']=='fresh' and c['statement_until']==r['valid_until'] and c['statement_problem'] is None, (c, r)" \
  || fail "check at line $LINENO"; ok
sed -i 's/^valid_until_ms = \(.*\)$/valid_until_ms = 1\1/' ca/public/crl-freshness.toml
"$tocsin" pki crl-status --ca ca >/dev/null 2>err.txt || fail "check at line $LINENO"; ok
grep -q "freshness statement is not used: .*signature" err.txt || fail "$(cat err.txt)"; ok
"$tocsin" pki revoke --ca ca --freshness-signer >/dev/null || fail "check at line $LINENO"; ok
expect_fail "revoked" "$tocsin" pki refresh --signer signer --public ca/public
set +e; "$tocsin" pki revoke --ca ca >/dev/null 2>err.txt; rc=$?; set -e
[ "$rc" -eq 2 ] && grep -q "Exactly 1 option" err.txt || fail "revoke with no one to revoke: $rc"; ok
"$tocsin" pki crl-status --ca ca --json | python3 -c "
import json,sys; c=json.load(sys.stdin); assert not c['long_lived'] and c['state']=='fresh', c" \
  || fail "check at line $LINENO"; ok

# The CA's signature rule, signed into every CRL: shown, changed, applied offline.
"$tocsin" pki signature-rule --ca ca --json | python3 -c "
import json,sys; r=json.load(sys.stdin); assert r['signature_rule']['critical'] == 1, r" \
  || fail "check at line $LINENO"; ok
expect_fail "--set takes NAME=COUNT" "$tocsin" pki signature-rule --ca ca --set critical=9
expect_fail "--set takes NAME=COUNT" "$tocsin" pki signature-rule --ca ca --set urgent=2
"$tocsin" pki signature-rule --ca ca --set critical=2 --set downgrade=2 >out.txt \
  || fail "check at line $LINENO"; ok
grep -q "carries the signature rule: low 1, moderate 1, high 1, critical 2, cancel 1, downgrade 2" \
  out.txt || fail "signature-rule said: $(cat out.txt)"; ok
grep -q "^signatures = {.*critical = 2" ca/ca.toml || fail "ca.toml: $(grep signatures ca/ca.toml)"; ok
expect_fail "a critical directive needs 2 distinct operators' signatures under the CA's signature rule; it carries 1" \
  "$tocsin" directive open --bundle finance --directory ca/public --gateway gw --in d1.msg
expect_fail "propose it instead (tocsin propose" "$tocsin" directive seal --bundle op \
  --directory ca/public --gateway gw --agency finance-authority --title t --body b \
  --severity critical --out d3.msg
"$tocsin" pki signature-rule --ca ca --set critical=1 --set downgrade=1 >/dev/null \
  || fail "check at line $LINENO"; ok
"$tocsin" pki revoke --ca ca --id op.alice >/dev/null || fail "check at line $LINENO"; ok
expect_fail "op.alice (signing) is revoked" "$tocsin" directive open --bundle finance --directory ca/public --gateway gw --in d1.msg
# tocsin init: a deployment folder, completed (never overwritten) on a second run.
printf 'id,sector\nenergy-authority,energy\n' > agencies.csv
"$tocsin" init --dir deploy --agency finance-authority:finance --agencies agencies.csv >/dev/null \
  || fail "check at line $LINENO"; ok
for f in gateway.toml client-finance-authority.toml client-energy-authority.toml \
         operator-op.duty-1.toml keys/gw.national/principal.toml ca/ca.toml; do
  [ -e "deploy/$f" ] || fail "tocsin init wrote no deploy/$f"; ok
done
echo "# edited by hand" >> deploy/gateway.toml
printf 'health-authority,health\n' >> agencies.csv
"$tocsin" init --dir deploy --agencies agencies.csv --json | python3 -c "
import json,sys; r=json.load(sys.stdin); assert r['enrolled']==1, r
actions={f['path']: f['action'] for f in r['files']}
assert actions['keys/health-authority']=='created' and actions['keys/energy-authority']=='kept', actions
assert actions['gateway.toml']=='kept', actions" || fail "check at line $LINENO"; ok
grep -q "edited by hand" deploy/gateway.toml || fail "tocsin init overwrote gateway.toml"; ok
printf 'transport-authority,space\n' > bad.csv
expect_fail 'bad.csv:1: unknown sector "space" (this CA knows: finance' "$tocsin" init --dir deploy --agencies bad.csv
expect_fail 'agency finance-authority is listed twice' "$tocsin" init --dir deploy --agency finance-authority:finance --agency finance-authority:energy
expect_fail 'expected ID:SECTOR' "$tocsin" init --dir deploy --agency finance-authority
[ ! -e deploy/keys/transport-authority ] || fail "a refused init enrolled someone"; ok
expect_fail 'keys/energy-authority: holds agency of sector energy, not agency of sector health' "$tocsin" init --dir deploy --agency energy-authority:health
expect_fail 'is listed twice, or is the gateway' "$tocsin" init --dir deploy --agency op.duty-1:finance
"$tocsin" init --dir named --host gw.example.org --agency finance-authority:finance >/dev/null || fail "check at line $LINENO"; ok
grep -q '^client_endpoint = "tcp://0.0.0.0:7701"' named/gateway.toml || fail "a host name was bound: $(grep endpoint named/gateway.toml)"; ok
grep -q '^gateway_endpoint = "tcp://gw.example.org:7701"' named/client-finance-authority.toml || fail "check at line $LINENO"; ok
# tocsin init --crisis-cell: a policy with the CSV's duty officers, checked before anything is written.
printf 'id,sector,officer,phone,email\nenergy-authority,energy,Ana Costa,+33611111111,ana@energy.example\nhealth-authority,health\n' > contacts.csv
"$tocsin" init --dir laddered --agencies contacts.csv --crisis-cell "Duty desk,+33100000001,desk@centre.example" \
  >/dev/null || fail "check at line $LINENO"; ok
"$tocsin" policy check laddered/policy.toml | grep -q "valid; 1 agencies with contacts, 2 rules" \
  || fail "the policy tocsin init wrote: $("$tocsin" policy check laddered/policy.toml 2>&1)"; ok
grep -q '^duty_officer = { name = "Ana Costa", phone = "+33611111111", email = "ana@energy.example" }' \
  laddered/policy.toml || fail "check at line $LINENO"; ok
grep -q '^policy = "policy.toml"' laddered/gateway.toml || fail "gateway.toml names no policy"; ok
printf 'transport-authority,transport,Tom,0612,\n' > badphone.csv
expect_fail "contacts.transport-authority.duty_officer.phone: must be E.164" \
  "$tocsin" init --dir notwritten --agencies badphone.csv --crisis-cell "Desk,,desk@centre.example"
[ ! -e notwritten ] || fail "a refused init wrote notwritten/"; ok
expect_fail "expected NAME,PHONE,EMAIL" "$tocsin" init --dir notwritten --agency a.b:finance --crisis-cell "Desk"
printf 'transport-authority,transport,Tom,+33622222222,\n' >> contacts.csv
"$tocsin" init --dir laddered --agencies contacts.csv --crisis-cell "Duty desk,+33100000001," --json | python3 -c "
import json,sys; r=json.load(sys.stdin)
d={f['path']: f for f in r['files']}
assert d['policy.toml']['action']=='kept' and 'add the contacts of transport-authority by hand' in d['policy.toml']['detail'], d" \
  || fail "check at line $LINENO"; ok
# tocsin init --smtp, --kannel: each bridge enrolled with its channel, its configuration
# (0600, a fresh callback secret) passing the bridge's own --check-config.
"$tocsin" init --dir bridged --agency finance-authority:finance \
  --smtp "smtp://127.0.0.1:2525,tocsin@centre.example" \
  --kannel "http://127.0.0.1:13013/cgi-bin/sendsms,tocsin,kannel-password" >/dev/null || fail "check at line $LINENO"; ok
for channel in email sms; do
  [ "$(stat -c %a bridged/bridge-$channel.toml)" = 600 ] || fail "bridge-$channel.toml is not 0600"; ok
  "$(dirname "$tocsin")/tocsin-bridge-$channel" --check-config --config bridged/bridge-$channel.toml >out.txt 2>&1 \
    || { cat out.txt; fail "tocsin-bridge-$channel --check-config refused what tocsin init wrote"; }; ok
done
grep -q '^bridge_endpoint = "tcp://127.0.0.1:7703"' bridged/gateway.toml || fail "gateway.toml has no bridge endpoint"; ok
grep -q '^callback_secret = "[0-9a-f]\{48\}"$' bridged/bridge-sms.toml || fail "no callback secret"; ok
# A secret Kannel's get-url would mangle (a '+' reads back as a space) is refused.
sed 's/^callback_secret = .*/callback_secret = "abc+def0123456789012345678901234567"/' \
  bridged/bridge-sms.toml > bridged/bad-secret.toml && chmod 600 bridged/bad-secret.toml
expect_fail "callback_secret: at least 32 of A-Z a-z 0-9" \
  "$(dirname "$tocsin")/tocsin-bridge-sms" --check-config --config bridged/bad-secret.toml
expect_fail 'expected URL,FROM' "$tocsin" init --dir notbridged --agency a.b:finance --smtp "smtp://x"
[ ! -e notbridged ] || fail "a refused init wrote notbridged/"; ok
echo "$passed passed, 0 failed"
