#!/bin/bash
# test_enable.sh - enable-ipsec / disable-ipsec on a host lab (no kernel
# ESP here: enable-ipsec's kernel checks stop it before any change; the
# agent actions run on their own, where IKE completes and CHILD_SAs
# cannot install; the rollouts, their failures and rollbacks run with
# kernel ESP in test_enable_vm.sh).  Real charon in every lab node, real
# VICI.
#
#   - ipsec-apply with known keys: the connections file (transport,
#     AES-GCM, start_action), the secrets file 0600 with only the node's
#     own pairs, ipsec.json 0600 without keys; charon started and the
#     tsnet-* connections loaded; no key in any output, JSON or log;
#   - ipsec-rollback puts the node back (files gone, charon stopped);
#   - enable-ipsec on this kernel without ESP: exit 1, preflight's
#     kernel.esp words and fix with every node named once, "no node was
#     changed", and nothing changed anywhere (no file, no charon); the
#     same error in --json;
#   - an unreachable node: exit 3, named once, nothing changed anywhere;
#   - disable-ipsec twice: exit 0 both times, nothing left;
#   - auth x509: ipsec-apply with a key and certificates from a test CA
#     writes private/ 0600, x509/ and x509ca/ 0644, pubkey connections,
#     no PSK; charon holds the key; rollback removes them; enable-ipsec
#     --auth x509 stopped by the kernel checks makes no CA; no private
#     key PEM in any output or log;
#   - node add|remove and enable-ipsec --auth x509 --node where the
#     records say x509: refused (exit 2, one line, inventory untouched,
#     no CA made) without the CA or with another (before the kernel
#     checks: a usage error comes first); with it
#     the new node gets a key and certificate from it, its peers keep
#     theirs and get a pubkey connection to it; remove leaves the node no
#     key, certificate or file and the others no connection to it;
#   - --legacy: a re-apply rolled back restores ipsec.conf/ipsec.secrets
#     and charon holds what they say again (connections, trap policies,
#     and the restored key authenticates IKE);
#   - state import (agent ipsec-import) of a --legacy node and of an
#     x509 node loads their files, key and certificates through VICI;
#   - usage errors: --auth foo, --auth x509 --legacy, --legacy on a
#     dual-stack cluster, --node unknown, a cluster of mixed address
#     families (n1 IPv4, n2 IPv6 only).
. "$(dirname "$0")/lib.sh"
need_root

NAME=te1
WORK=$(mktemp -d /tmp/te-enable.XXXXXX)
cleanup() { "$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT
[ -x /usr/lib/ipsec/charon ] || skip_all "no charon"
command -v nsenter >/dev/null || skip_all "no nsenter"
# Other engineers rebuild ./tsnet at any time: run a private copy.
cp "$TSNET" "$WORK/tsnet" || fail_all "cannot copy $TSNET"
T=$WORK/tsnet
VK=$WORK/vici_keys	# get-keys / load-key through tsnet's VICI client
cp "$(dirname "$0")/../../build/helpers/vici_keys" "$VK" ||
	fail_all "no vici_keys helper (make helpers)"
LAB_QUIET=1 "$LAB" up 3 --name $NAME >/dev/null || fail_all "lab up failed"
INV=$WORK/cluster.conf
sed "s|^remote_tsnet = .*|remote_tsnet = $T|" \
	"$("$LAB" inventory --name $NAME)" >"$INV"
x() { "$LAB" exec --name $NAME "$@"; }
K12=$(printf '12%.0s' $(seq 32)) K13=$(printf '13%.0s' $(seq 32))
K23=$(printf '23%.0s' $(seq 32))
ALL_OUT=$WORK/all-output

req() {	# req NODE KEYS_JSON INITIATE_JSON TRAP [SNAPSHOT]
	python3 -c 'import json,sys
print(json.dumps({"inventory": open(sys.argv[1]).read(), "node": sys.argv[2],
  "keys": json.loads(sys.argv[3]), "encap": [], "trap": sys.argv[5] == "1",
  "legacy": False, "initiate": json.loads(sys.argv[4]),
  "plan_hash": "0"*64, "timeout_ms": 5000,
  "snapshot": len(sys.argv) < 7 or sys.argv[6] == "1"}))' "$INV" "$@"
}

echo "# ipsec-apply on n1 with known keys"
out=$(req n1 "{\"n2\":\"$K12\",\"n3\":\"$K13\"}" '[]' 1 |
	x n1 "$T" agent ipsec-apply 2>&1)
rc=$?
echo "$out" >>"$ALL_OUT"
assert_eq "apply exit" 0 "$rc"
assert_match "apply ok" '"ok":true' "$out"
# the lab's nodes are dual-stack: each peer's IPv6 connection too
assert_match "loaded both peers, both families" \
	'"loaded":\["tsnet-n2","tsnet-n2_v6","tsnet-n3","tsnet-n3_v6"\]' "$out"
assert_match "charon started directly" '"service":"charon"' "$out"
conf=$(x n1 cat /etc/swanctl/conf.d/tsnet.conf)
assert_match "transport mode" 'mode = transport' "$conf"
assert_match "AES-GCM ESP" 'esp_proposals = aes256gcm16' "$conf"
assert_match "trap policies" 'start_action = trap' "$conf"
assert_nomatch "no key in the connections file" "$K12|$K13|secret" "$conf"
assert_eq "secrets mode" 600 "$(x n1 stat -c %a /etc/swanctl/conf.d/tsnet-secrets.conf)"
sec=$(x n1 cat /etc/swanctl/conf.d/tsnet-secrets.conf)
assert_match "secrets hold n1-n2" "$K12" "$sec"
assert_match "secrets hold n1-n3" "$K13" "$sec"
assert_nomatch "secrets lack n2-n3" "$K23" "$sec"
assert_eq "state mode" 600 "$(x n1 stat -c %a /var/lib/tsnet/ipsec.json)"
st=$(x n1 cat /var/lib/tsnet/ipsec.json)
echo "$st" >>"$ALL_OUT"
assert_match "state records both files" 'tsnet.conf.*tsnet-secrets.conf' "$st"
assert_match "state records the service" '"service":"charon"' "$st"
conns=$(x n1 swanctl --list-conns 2>&1)
assert_match "charon holds tsnet-n2" 'tsnet-n2:.*IKEv2' "$conns"
sas=$(x n1 "$T" agent ipsec-sas)
echo "$sas" >>"$ALL_OUT"
assert_match "ipsec-sas: running" '"running":true' "$sas"

echo "# ipsec-apply again without n3's key keeps the n1-n3 key (--node)"
out=$(req n1 "{\"n2\":\"$K12\"}" '[]' 1 0 | x n1 "$T" agent ipsec-apply 2>&1)
echo "$out" >>"$ALL_OUT"
assert_match "re-apply ok" '"ok":true' "$out"
assert_match "kept n1-n3 key" "$K13" \
	"$(x n1 cat /etc/swanctl/conf.d/tsnet-secrets.conf)"
assert_match "re-apply remembers tsnet started charon" '"service":"charon"' \
	"$(x n1 cat /var/lib/tsnet/ipsec.json)"

echo "# ipsec-rollback on n1: back to nothing"
out=$(x n1 "$T" agent ipsec-rollback 2>&1)
echo "$out" >>"$ALL_OUT"
assert_match "rollback ok" '"ok":true' "$out"
assert_match "rollback stopped charon" '"stopped":"charon"' "$out"
assert_eq "no files after rollback" "" \
	"$(x n1 find /etc/swanctl/conf.d /var/lib/tsnet -mindepth 1)"
assert_exit "charon stopped" 1 x n1 test -e /run/charon.pid
x n1 cat /run/charon.log >>"$ALL_OUT" 2>/dev/null

echo "# enable-ipsec on this kernel (no ESP): the kernel checks stop it before any change"
"$T" -c "$INV" enable-ipsec --timeout 10 >"$WORK/out" 2>"$WORK/err"
rc=$?
cat "$WORK/out" "$WORK/err" >>"$ALL_OUT"
assert_eq "no ESP: exit 1" 1 "$rc"
err=$(cat "$WORK/err")
assert_match "no ESP: preflight's kernel.esp words and fix, every node named once" \
	'^tsnet: enable-ipsec: n1, n2, n3: kernel\.esp: the kernel refused an ESP transport state in a scratch namespace: .* \(fix: boot a kernel with CONFIG_INET_ESP' "$err"
assert_match "no ESP: the last line says nothing changed and where to see every check" \
	'^tsnet: enable-ipsec: no node was changed: IPsec needs ESP with AES-GCM in every node.s kernel \(tsnet preflight' "$(tail -n 1 "$WORK/err")"
assert_nomatch "no ESP: no CHILD_SA failure, no rollback" 'CHILD_SA|rolled back' "$err"
assert_eq "no ESP: nothing on stdout" "" "$(cat "$WORK/out")"
for n in n1 n2 n3; do
	assert_eq "$n: no tsnet file" "" \
		"$(x $n find /etc/swanctl/conf.d /var/lib/tsnet -mindepth 1)"
	assert_exit "$n: charon not running" 1 x $n test -e /run/charon.pid
	assert_eq "$n: no xfrm policy" "" "$(x $n ip xfrm policy)"
done
for n in n2 n3; do	# n1's charon ran above, for the agent tests
	assert_exit "$n: charon never started (no log)" 1 x $n test -e /run/charon.log
done
out=$("$T" -c "$INV" --json enable-ipsec --timeout 10 2>/dev/null)
echo "$out" >>"$ALL_OUT"
assert_match "--json: the kernel check's words" \
	'"error": "n1, n2, n3: kernel\.esp: the kernel refused .*; no node was changed"' "$out"
assert_match "--json: exit 1" '"exit": 1' "$out"

echo "# an unreachable node"
sed 's/^netns = te1-n3$/netns = te1-gone/' "$INV" >"$WORK/gone.conf"
"$T" -c "$WORK/gone.conf" enable-ipsec --timeout 5 >/dev/null 2>"$WORK/err"
rc=$?
err=$(cat "$WORK/err")
echo "$err" >>"$ALL_OUT"
assert_eq "unreachable: exit 3" 3 "$rc"
assert_match "unreachable: names the node and why" \
	"^tsnet: enable-ipsec: n3: unreachable: network namespace 'te1-gone' does not exist" "$err"
assert_eq "unreachable: n3 named once" 1 "$(grep -c 'n3' <<<"$err")"
assert_match "unreachable: nothing changed" '^tsnet: enable-ipsec: no node was changed' "$err"
for n in n1 n2; do
	assert_eq "unreachable: $n untouched" "" \
		"$(x $n find /etc/swanctl/conf.d /var/lib/tsnet -mindepth 1)"
done

echo "# disable-ipsec twice"
for i in 1 2; do
	out=$("$T" -c "$INV" disable-ipsec 2>&1)
	rc=$?
	echo "$out" >>"$ALL_OUT"
	assert_eq "disable #$i exit" 0 "$rc"
	assert_match "disable #$i: every node" 'n1 .*ok.*n2 .*ok.*n3 .*ok' \
		"$(echo "$out" | tr '\n' ' ')"
done

echo "# auth x509: ipsec-apply with a test CA's key and certificates"
mkdir -p "$WORK/tca"
# sans NODE: "--san" and each of its addresses, a line each, as tsnet
# issues them (its address6 too: the IPv6 connections' identity)
sans() {
	awk -v n="[node $1]" '$0 == n { s = 1; next } /^\[/ { s = 0 }
		s && ($1 == "address" || $1 == "address6") { print "--san"; print $3 }' "$INV"
}
mapfile -t SAN1 < <(sans n1)
pki --gen --type ecdsa --size 256 --outform pem >"$WORK/tca/ca.key" 2>/dev/null
pki --self --ca --in "$WORK/tca/ca.key" --type ecdsa --dn "CN=test CA" \
	--outform pem >"$WORK/tca/ca.pem" 2>/dev/null
pki --gen --type ecdsa --size 256 --outform pem >"$WORK/tca/n1.key" 2>/dev/null
pki --issue --type priv --cacert "$WORK/tca/ca.pem" --cakey "$WORK/tca/ca.key" \
	--dn "CN=n1" "${SAN1[@]}" \
	--outform pem <"$WORK/tca/n1.key" >"$WORK/tca/n1.pem" 2>/dev/null
pki --gen --type ecdsa --size 256 --outform pem >"$WORK/tca/n1b.key" 2>/dev/null
pki --issue --type priv --cacert "$WORK/tca/ca.pem" --cakey "$WORK/tca/ca.key" \
	--dn "CN=n1" "${SAN1[@]}" \
	--outform pem <"$WORK/tca/n1b.key" >"$WORK/tca/n1b.pem" 2>/dev/null
pki --gen --type ecdsa --size 256 --outform pem >"$WORK/tca/other.key" 2>/dev/null
KEYBODY1=$(sed -n 2p "$WORK/tca/n1.key")
sed 's/^auth = .*//; s/^\[cluster\]$/[cluster]\nauth = x509/' "$INV" >"$WORK/x509.conf"
xreq() {	# xreq KEYNAME: n1's x509 ipsec-apply request with tca/KEYNAME.*
	python3 -c 'import json,sys
d=sys.argv[1]
print(json.dumps({"inventory": open(sys.argv[2]).read(), "node": "n1",
  "keys": {}, "encap": [], "trap": True, "legacy": False, "initiate": [],
  "plan_hash": "0"*64, "timeout_ms": 5000, "snapshot": True,
  "key": open(d+"/"+sys.argv[3]+".key").read(),
  "cert": open(d+"/"+sys.argv[3]+".pem").read(),
  "cacert": open(d+"/ca.pem").read()}))' "$WORK/tca" "$WORK/x509.conf" "$1"
}
state_key_id() { x n1 cat /var/lib/tsnet/ipsec.json 2>/dev/null |
	sed -n 's/.*"key_id":"\([0-9a-f]*\)".*/\1/p'; }
charon_start() {	# charon_start NODE: charon up, its VICI answering
	x "$1" sh -c 'setsid /usr/lib/ipsec/charon </dev/null >/dev/null 2>&1 &'
	for _ in $(seq 100); do
		x "$1" swanctl --version >/dev/null 2>&1 && break
		sleep 0.1
	done
}
charon_stop() {		# charon_stop NODE: killed, its pid file gone
	x "$1" sh -c 'kill "$(cat /run/charon.pid)"'
	for _ in $(seq 100); do
		x "$1" test -e /run/charon.pid || break
		sleep 0.1
	done
}
# n1's charon runs before tsnet (not tsnet's to stop: the key it loads
# must be unloaded), and holds a key someone else loaded over VICI
charon_start n1
OTHER=$(x n1 "$VK" load "$WORK/tca/other.key")
assert_match "x509: someone else's key loaded over VICI" '^[0-9a-f]{40}$' "$OTHER"
out=$(xreq n1 | x n1 "$T" agent ipsec-apply 2>&1)
rc=$?
echo "$out" >>"$ALL_OUT"
assert_eq "x509 apply exit" 0 "$rc"
assert_match "x509 apply: charon ran before, not tsnet's" '"service":"none"' "$out"
assert_match "x509 apply loaded both peers, both families" \
	'"loaded":\["tsnet-n2","tsnet-n2_v6","tsnet-n3","tsnet-n3_v6"\]' "$out"
conf=$(x n1 cat /etc/swanctl/conf.d/tsnet.conf)
assert_match "x509: pubkey auth" 'auth = pubkey' "$conf"
assert_match "x509: own certificate" 'certs = tsnet-n1.pem' "$conf"
assert_match "x509: peers checked against the CA" 'cacerts = tsnet-ca.pem' "$conf"
assert_nomatch "x509: no psk" 'auth = psk' "$conf"
assert_nomatch "x509: no secret in the secrets file" 'secret =' \
	"$(x n1 cat /etc/swanctl/conf.d/tsnet-secrets.conf)"
assert_eq "x509: key 0600" 600 "$(x n1 stat -c %a /etc/swanctl/private/tsnet-n1.pem)"
assert_eq "x509: cert 0644" 644 "$(x n1 stat -c %a /etc/swanctl/x509/tsnet-n1.pem)"
assert_eq "x509: CA cert 0644" 644 "$(x n1 stat -c %a /etc/swanctl/x509ca/tsnet-ca.pem)"
assert_eq "x509: the key as sent" "$(cat "$WORK/tca/n1.key")" \
	"$(x n1 cat /etc/swanctl/private/tsnet-n1.pem)"
# swanctl prints "ECDSA 256 bits" for any certificate; ", has private
# key" only when charon holds the key that goes with it
assert_match "x509: charon holds the key of n1's certificate" \
	'^ +pubkey: +ECDSA [0-9]+ bits, has private key$' \
	"$(x n1 swanctl --list-certs 2>&1 | awk '/subject:/ { on = /CN=n1"/ } on')"
st=$(x n1 cat /var/lib/tsnet/ipsec.json)
assert_match "x509: state records the key file" 'private/tsnet-n1.pem' "$st"
echo "$st" >>"$ALL_OUT"
KID=$(state_key_id)
assert_match "x509: state records the key's id" '^[0-9a-f]{40}$' "$KID"
keys=$(x n1 "$VK" list)
assert_match "x509: get-keys lists the recorded id" "$KID" "$keys"
assert_match "x509: get-keys lists the other key" "$OTHER" "$keys"
# repair with new certificates: the old key goes, the new one is recorded
out=$(xreq n1b | x n1 "$T" agent ipsec-apply 2>&1)
assert_eq "x509 re-apply with a new key exit" 0 $?
echo "$out" >>"$ALL_OUT"
KID2=$(state_key_id)
assert_match "x509 new key: its id recorded" '^[0-9a-f]{40}$' "$KID2"
assert_nomatch "x509 new key: another id" "^$KID\$" "$KID2"
keys=$(x n1 "$VK" list)
assert_match "x509 new key: loaded" "$KID2" "$keys"
assert_nomatch "x509 new key: the replaced key unloaded" "$KID" "$keys"
assert_match "x509 new key: the other key stays" "$OTHER" "$keys"
# its rollback: the first key back in charon and in the record
out=$(x n1 "$T" agent ipsec-rollback 2>&1)
echo "$out" >>"$ALL_OUT"
assert_match "x509 new key rollback ok" '"ok":true' "$out"
assert_eq "x509 new key rollback: the first id recorded again" "$KID" "$(state_key_id)"
keys=$(x n1 "$VK" list)
assert_match "x509 new key rollback: the first key loaded again" "$KID" "$keys"
assert_nomatch "x509 new key rollback: the new key unloaded" "$KID2" "$keys"
assert_match "x509 new key rollback: the other key stays" "$OTHER" "$keys"
# disable-ipsec's ipsec-remove on a charon tsnet did not start
out=$(x n1 "$T" agent ipsec-remove 2>&1)
echo "$out" >>"$ALL_OUT"
assert_match "x509 remove ok, charon not stopped" '"ok":true.*"stopped":null' "$out"
keys=$(x n1 "$VK" list)
assert_nomatch "x509 remove: the key unloaded" "$KID" "$keys"
assert_match "x509 remove: the other key stays" "$OTHER" "$keys"
assert_eq "x509 remove: no key or cert left" "" \
	"$(x n1 find /etc/swanctl/private /etc/swanctl/x509 /etc/swanctl/x509ca /etc/swanctl/conf.d /var/lib/tsnet -mindepth 1)"
# a first apply rolled back
xreq n1 | x n1 "$T" agent ipsec-apply >>"$ALL_OUT" 2>&1
assert_eq "x509 apply again exit" 0 $?
assert_match "x509 apply again: the key loaded" "$KID" "$(x n1 "$VK" list)"
x n1 cat /run/charon.log >>"$ALL_OUT" 2>/dev/null
out=$(x n1 "$T" agent ipsec-rollback 2>&1)
echo "$out" >>"$ALL_OUT"
assert_match "x509 rollback ok" '"ok":true' "$out"
assert_eq "x509: no key or cert left" "" \
	"$(x n1 find /etc/swanctl/private /etc/swanctl/x509 /etc/swanctl/x509ca /etc/swanctl/conf.d /var/lib/tsnet -mindepth 1)"
keys=$(x n1 "$VK" list)
assert_nomatch "x509 rollback: the key unloaded" "$KID" "$keys"
assert_match "x509 rollback: the other key stays" "$OTHER" "$keys"
# a key already gone (charon restarted) is no error
charon_stop n1
charon_start n1
xreq n1 | x n1 "$T" agent ipsec-apply >>"$ALL_OUT" 2>&1
charon_stop n1
charon_start n1
out=$(x n1 "$T" agent ipsec-remove 2>&1)
echo "$out" >>"$ALL_OUT"
assert_match "x509 remove after charon restarted: ok" '"ok":true' "$out"
charon_stop n1

echo "# enable-ipsec --auth x509 on this kernel: stopped before the CA is made"
TSNET_CA_DIR=$WORK/ca "$T" -c "$INV" enable-ipsec --auth x509 --timeout 10 \
	>"$WORK/out" 2>"$WORK/err"
rc=$?
cat "$WORK/out" "$WORK/err" >>"$ALL_OUT"
assert_eq "x509 enable exit" 1 "$rc"
assert_match "x509: the kernel checks stop it" \
	'^tsnet: enable-ipsec: n1, n2, n3: kernel\.esp: ' "$(cat "$WORK/err")"
assert_eq "x509: no CA made (nothing changes before the kernel checks pass)" "" \
	"$(ls -d "$WORK/ca" 2>/dev/null)"
for n in n1 n2 n3; do
	assert_eq "$n: no key, cert or tsnet file" "" \
		"$(x $n find /etc/swanctl/private /etc/swanctl/x509 /etc/swanctl/x509ca /etc/swanctl/conf.d /var/lib/tsnet -mindepth 1)"
done
# a CA that is not the one the nodes below trust (theirs is tca)
mkdir -m 700 "$WORK/ca"
pki --gen --type ecdsa --size 256 --outform pem >"$WORK/ca/ca.key" 2>/dev/null
pki --self --ca --in "$WORK/ca/ca.key" --type ecdsa --dn "O=tsnet, CN=another CA" \
	--outform pem >"$WORK/ca/ca.pem" 2>/dev/null
CABODY=$(sed -n 2p "$WORK/ca/ca.key")

echo "# node add|remove on a cluster enabled with x509 (the records say so)"
# n1 and n2 hold certificates from the test CA; the inventory file does
# not say auth = x509 (enable-ipsec --auth x509 does not write it).
X2=$WORK/x2.conf
awk '/^\[node n3\]/ { skip = 1; next } /^\[/ { skip = 0 } !skip' "$INV" >"$X2"
N3ADDR=$(awk '/^\[node n3\]/ { s = 1 } s && /^address = / { print $3; exit }' "$INV")
awk '/^\[node n3\]/ { skip = 1; next } /^\[/ { skip = 0 } !skip' \
	"$WORK/x509.conf" >"$WORK/x2-x509.conf"
xissue() {	# xissue NODE: its key and certificate from the test CA
	local san
	mapfile -t san < <(sans "$1")
	pki --gen --type ecdsa --size 256 --outform pem >"$WORK/tca/$1.key" 2>/dev/null
	pki --issue --type priv --cacert "$WORK/tca/ca.pem" --cakey "$WORK/tca/ca.key" \
		--dn "CN=$1" "${san[@]}" \
		--outform pem <"$WORK/tca/$1.key" >"$WORK/tca/$1.pem" 2>/dev/null
}
xissue n2
for n in n1 n2; do
	python3 -c 'import json,sys
d=sys.argv[1]; n=sys.argv[3]
print(json.dumps({"inventory": open(sys.argv[2]).read(), "node": n,
  "keys": {}, "encap": [], "trap": True, "legacy": False, "initiate": [],
  "plan_hash": "0"*64, "timeout_ms": 5000, "snapshot": True,
  "key": open(d+"/"+n+".key").read(), "cert": open(d+"/"+n+".pem").read(),
  "cacert": open(d+"/ca.pem").read()}))' "$WORK/tca" "$WORK/x2-x509.conf" $n |
		x $n "$T" agent ipsec-apply >>"$ALL_OUT" 2>&1
	assert_match "$n: record says auth x509" '"auth":"x509"' \
		"$(x $n cat /var/lib/tsnet/ipsec.json)"
done
# (enable-ipsec --node n2 without --auth x509 on these x509 nodes is
# refused by n1 mid-rollout and rolled back: past the kernel checks, so
# in the VM, tests/lab/scenarios/node_x509.sh)
# --auth x509 --node: the peers trust the CA they hold; none is made
TSNET_CA_DIR=$WORK/noca "$T" -c "$INV" enable-ipsec --auth x509 --node n2 \
	--no-probe --timeout 6 >/dev/null 2>"$WORK/err"
rc=$?
cat "$WORK/err" >>"$ALL_OUT"
assert_eq "--auth x509 --node, no CA here: exit 2" 2 "$rc"
assert_match "--auth x509 --node, no CA here: one line, where it looked" \
	"^tsnet: enable-ipsec: the cluster's x509 CA is not on this host \(looked for $WORK/noca/ca.key and $WORK/noca/ca.pem: .*\): run this on the coordinator" \
	"$(cat "$WORK/err")"
assert_eq "--auth x509 --node, no CA here: no CA made" "" \
	"$(ls -d "$WORK/noca" 2>/dev/null)"
assert_eq "--auth x509 --node, no CA here: n1 kept its key" \
	"$(cat "$WORK/tca/n1.key")" "$(x n1 cat /etc/swanctl/private/tsnet-n1.pem)"
TSNET_CA_DIR=$WORK/ca "$T" -c "$INV" enable-ipsec --auth x509 --node n2 \
	--no-probe --timeout 6 >/dev/null 2>"$WORK/err"
assert_eq "--auth x509 --node, another CA: exit 2" 2 "$?"
assert_match "--auth x509 --node, another CA: not the one trusted" \
	"^tsnet: enable-ipsec: $WORK/ca/ca.pem is not the CA the cluster trusts \(n1 holds another\)" \
	"$(cat "$WORK/err")"
cp "$X2" "$WORK/x2.before"
TSNET_CA_DIR=$WORK/noca "$T" -c "$X2" node add n3 "$N3ADDR" --netns te1-n3 \
	>"$WORK/out" 2>"$WORK/err"
rc=$?
cat "$WORK/out" "$WORK/err" >>"$ALL_OUT"
assert_eq "no CA here: node add refused, exit 2" 2 "$rc"
assert_eq "no CA here: one line" 1 "$(wc -l <"$WORK/err")"
assert_match "no CA here: says where it looked and what to do" \
	"^tsnet: node: the cluster's x509 CA is not on this host \(looked for $WORK/noca/ca.key and $WORK/noca/ca.pem: .*\): run this on the coordinator that ran enable-ipsec --auth x509, or set TSNET_CA_DIR" \
	"$(cat "$WORK/err")"
assert_eq "no CA here: inventory untouched" "" "$(cmp "$X2" "$WORK/x2.before")"
TSNET_CA_DIR=$WORK/ca "$T" -c "$X2" node add n3 "$N3ADDR" --netns te1-n3 \
	>/dev/null 2>"$WORK/err"
assert_eq "another CA: refused, exit 2" 2 "$?"
assert_match "another CA: not the one the cluster trusts" \
	"^tsnet: node: $WORK/ca/ca.pem is not the CA the cluster trusts \(n1 holds another\)" \
	"$(cat "$WORK/err")"
assert_eq "another CA: inventory untouched" "" "$(cmp "$X2" "$WORK/x2.before")"
for n in n1 n2; do
	x $n cat /run/charon.log >>"$ALL_OUT" 2>/dev/null
	x $n sh -c ': >/run/charon.log'
done
TSNET_CA_DIR=$WORK/tca "$T" -c "$X2" node add n3 "$N3ADDR" --netns te1-n3 \
	--timeout 6 >"$WORK/out" 2>&1
rc=$?
cat "$WORK/out" >>"$ALL_OUT"
# (no ESP in this kernel: IKE authenticates, the CHILD_SAs cannot install)
assert_eq "node add n3 (x509): exit 1, the pairs cannot install here" 1 "$rc"
for n in n1 n2 n3; do
	assert_match "node add: $n configured" "^$n: configured" "$(cat "$WORK/out")"
done
assert_eq "n3: key 0600" 600 "$(x n3 stat -c %a /etc/swanctl/private/tsnet-n3.pem)"
assert_eq "n3: cert 0644" 644 "$(x n3 stat -c %a /etc/swanctl/x509/tsnet-n3.pem)"
assert_match "n3: certificate issued by the cluster's CA" 'issuer: +"CN=test CA"' \
	"$(x n3 pki --print --in /etc/swanctl/x509/tsnet-n3.pem 2>&1)"
assert_eq "n3: the cluster's CA certificate" "$(cat "$WORK/tca/ca.pem")" \
	"$(x n3 cat /etc/swanctl/x509ca/tsnet-ca.pem)"
conf=$(x n3 cat /etc/swanctl/conf.d/tsnet.conf)
assert_match "n3: pubkey connections to n1 and n2" \
	'tsnet-n1 \{.*auth = pubkey.*tsnet-n2 \{.*auth = pubkey' "$(tr '\n' ' ' <<<"$conf")"
assert_nomatch "n3: no psk" 'auth = psk' "$conf"
for n in n1 n2; do
	assert_match "$n: a pubkey connection to n3" 'tsnet-n3 \{.*auth = pubkey' \
		"$(x $n cat /etc/swanctl/conf.d/tsnet.conf | tr '\n' ' ')"
	assert_eq "$n: kept its own key" "$(cat "$WORK/tca/$n.key")" \
		"$(x $n cat /etc/swanctl/private/tsnet-$n.pem)"
	assert_match "$n: charon holds tsnet-n3" '^tsnet-n3:' \
		"$(x $n swanctl --list-conns 2>&1)"
done
# only what this node add logged (the lab's charon log is flushed line
# by line; n1 and n2 were emptied before it)
log=$(for n in n1 n2 n3; do x $n cat /run/charon.log 2>/dev/null; done)
echo "$log" >>"$ALL_OUT"
assert_match "IKE authenticated n3 with its ECDSA certificate" \
	"authentication of '${N3ADDR//./\\.}' with ECDSA.* successful" "$log"
N3BODY=$(x n3 sed -n 2p /etc/swanctl/private/tsnet-n3.pem)
"$T" -c "$X2" node remove n3 --timeout 6 >"$WORK/out" 2>&1
rc=$?
cat "$WORK/out" >>"$ALL_OUT"
assert_eq "node remove n3 (x509) exit" 0 "$rc"
assert_eq "n3: no key, certificate, CA or tsnet file left" "" \
	"$(x n3 find /etc/swanctl/private /etc/swanctl/x509 /etc/swanctl/x509ca /etc/swanctl/conf.d /var/lib/tsnet -mindepth 1)"
for n in n1 n2; do
	assert_nomatch "$n: no connection to n3 in its file" 'tsnet-n3' \
		"$(x $n cat /etc/swanctl/conf.d/tsnet.conf)"
	assert_nomatch "$n: charon holds no tsnet-n3" '^tsnet-n3:' \
		"$(x $n swanctl --list-conns 2>&1)"
	assert_nomatch "$n: charon holds no certificate of n3" 'CN=n3' \
		"$(x $n swanctl --list-certs 2>&1)"
	assert_eq "$n: still its own key" "$(cat "$WORK/tca/$n.key")" \
		"$(x $n cat /etc/swanctl/private/tsnet-$n.pem)"
done
# state import of an x509 node: its key and certificates loaded too
x n1 "$T" agent ipsec-export >"$WORK/n1.exp" 2>>"$ALL_OUT"
assert_eq "x509: ipsec-export on n1 exit" 0 $?
EXID=$(python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))["state"].get("key_id", ""))' "$WORK/n1.exp")
assert_match "x509: the exported record has the key's id" '^[0-9a-f]{40}$' "$EXID"
# imported as a record older than key_id: the id charon answers recorded
python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); del d["state"]["key_id"]
open(sys.argv[1], "w").write(json.dumps(d))' "$WORK/n1.exp"
x n1 "$T" agent ipsec-remove >>"$ALL_OUT" 2>&1
assert_exit "x509: n1's charon stopped by ipsec-remove" 1 x n1 test -e /run/charon.pid
out=$(x n1 "$T" agent ipsec-import <"$WORK/n1.exp" 2>&1)
echo "$out" >>"$ALL_OUT"
assert_match "x509: ipsec-import loaded" '"loaded":true' "$out"
assert_eq "x509 import: the key's id recorded" "$EXID" "$(state_key_id)"
assert_match "x509 import: get-keys lists it" "$EXID" "$(x n1 "$VK" list)"
assert_match "x509 import: charon holds n1's certificate with its private key" \
	'subject: +"CN=n1".*has private key' "$(x n1 swanctl --list-certs 2>&1 | tr '\n' ' ')"
assert_match "x509 import: charon holds tsnet-n2" '^tsnet-n2:' \
	"$(x n1 swanctl --list-conns 2>&1)"
"$T" -c "$X2" disable-ipsec >>"$ALL_OUT" 2>&1
assert_eq "disable after the x509 node tests" 0 $?
KEYBODY2=$(sed -n 2p "$WORK/tca/n2.key")

echo "# --legacy: a failed re-apply rolled back puts the files back and charon loads them"
# --legacy refuses a dual-stack cluster (below): this part is IPv4 only
INV4=$WORK/cluster4.conf
sed '/^address6 /d' "$INV" >"$INV4"
lreq() {	# lreq NODE KEYS_JSON TRAP: a --legacy ipsec-apply request
	python3 -c 'import json,sys
print(json.dumps({"inventory": open(sys.argv[1]).read(), "node": sys.argv[2],
  "keys": json.loads(sys.argv[3]), "encap": [], "trap": sys.argv[4] == "1",
  "legacy": True, "initiate": [], "plan_hash": "0"*64, "timeout_ms": 5000,
  "snapshot": True}))' "$INV4" "$@"
}
K12B=$(printf 'b2%.0s' $(seq 32))
N2ADDR=$(awk '/^\[node n2\]/ { s = 1 } s && /^address = / { print $3; exit }' "$INV")
# n1's charon runs under the real starter (ipsec start: the starter/stroke
# stack a --legacy host has, with the files included); n2's is tsnet's.
x n1 sh -c 'sed -i "s/load = /load = stroke /" /etc/strongswan.conf
	printf "config setup\ninclude /etc/ipsec.d/tsnet.conf\n" >/etc/ipsec.conf
	printf "include /etc/ipsec.d/tsnet.secrets\n" >/etc/ipsec.secrets
	ipsec start' >/dev/null 2>&1
for _ in $(seq 100); do
	x n1 swanctl --version >/dev/null 2>&1 && break
	sleep 0.1
done
assert_exit "n1: charon started by the starter answers" 0 x n1 sh -c \
	'kill -0 "$(cat /run/starter.charon.pid)" && swanctl --version'
# the working state: n1 and n2 with the n1-n2 key K12, trap policies
out=$(lreq n1 "{\"n2\":\"$K12\",\"n3\":\"$K13\"}" 1 | x n1 "$T" agent ipsec-apply 2>&1)
assert_eq "legacy apply on n1 exit" 0 $?
echo "$out" >>"$ALL_OUT"
assert_match "legacy apply on n1 uses the starter's charon" '"service":"none"' "$out"
lreq n2 "{\"n1\":\"$K12\",\"n3\":\"$K23\"}" 1 | x n2 "$T" agent ipsec-apply >>"$ALL_OUT" 2>&1
assert_eq "legacy apply on n2 exit" 0 $?
assert_match "legacy: ipsec.conf syntax, trap (auto=route)" 'conn tsnet-n2.*auto=route' \
	"$(x n1 cat /etc/ipsec.d/tsnet.conf | tr '\n' ' ')"
assert_eq "legacy: ipsec.secrets 0600" 600 "$(x n1 stat -c %a /etc/ipsec.d/tsnet.secrets)"
before=$(x n1 sha256sum /etc/ipsec.d/tsnet.conf /etc/ipsec.d/tsnet.secrets)
# a rollout that then fails: n1 re-applied with another key, no trap
lreq n1 "{\"n2\":\"$K12B\",\"n3\":\"$K13\"}" 0 | x n1 "$T" agent ipsec-apply >>"$ALL_OUT" 2>&1
assert_match "legacy re-apply changed the files" 'auto=add' \
	"$(x n1 cat /etc/ipsec.d/tsnet.conf)"
out=$(x n1 "$T" agent ipsec-rollback 2>&1)
echo "$out" >>"$ALL_OUT"
assert_match "legacy rollback ok" '"ok":true' "$out"
assert_eq "legacy rollback: the previous files back" "$before" \
	"$(x n1 sha256sum /etc/ipsec.d/tsnet.conf /etc/ipsec.d/tsnet.secrets)"
conns=$(x n1 swanctl --list-conns 2>&1)
assert_eq "legacy rollback: charon holds tsnet-n2 and tsnet-n3 again" 2 \
	"$(grep -c '^tsnet-n[23]: ' <<<"$conns")"
assert_eq "legacy rollback: their trap policies are back" 2 \
	"$(x n1 swanctl --list-pols 2>&1 | grep -c '^tsnet-n[23]/tsnet-n[23]')"
# the restored key is the one loaded: a fresh IKE_SA from n1 to n2
# authenticates with K12 (n2's key; K12B would fail); swanctl streams
# charon's log of the exchange
x n1 swanctl --terminate --ike tsnet-n2 --force >/dev/null 2>&1
out=$(x n1 swanctl --initiate --child tsnet-n2 --timeout 8 2>&1 | grep -v plugin)
echo "$out" >>"$ALL_OUT"
assert_match "legacy rollback: IKE with n2 authenticates with the restored key" \
	"authentication of '${N2ADDR//./\\.}' with pre-shared key successful" "$out"
assert_exit "legacy rollback: the starter still runs" 0 x n1 sh -c \
	'kill -0 "$(cat /run/starter.charon.pid)"'
# state import of a --legacy node: the files loaded through VICI too
x n2 "$T" agent ipsec-export >"$WORK/n2.exp" 2>>"$ALL_OUT"
assert_eq "legacy: ipsec-export on n2 exit" 0 $?
x n2 "$T" agent ipsec-remove >>"$ALL_OUT" 2>&1
assert_exit "legacy: n2's charon stopped by ipsec-remove" 1 x n2 test -e /run/charon.pid
out=$(x n2 "$T" agent ipsec-import <"$WORK/n2.exp" 2>&1)
echo "$out" >>"$ALL_OUT"
assert_match "legacy: ipsec-import loaded" '"loaded":true' "$out"
assert_eq "legacy import: charon holds tsnet-n1 and tsnet-n3" 2 \
	"$(x n2 swanctl --list-conns 2>&1 | grep -c '^tsnet-n[13]: ')"
assert_eq "legacy import: with their trap policies" 2 \
	"$(x n2 swanctl --list-pols 2>&1 | grep -c '^tsnet-n[13]/tsnet-n[13]')"
x n1 cat /run/charon.log >>"$ALL_OUT"
"$T" -c "$INV" disable-ipsec >>"$ALL_OUT" 2>&1
assert_eq "legacy: disable-ipsec exit" 0 $?
for n in n1 n2; do
	assert_eq "$n: no legacy file left" "" \
		"$(x $n find /etc/ipsec.d /var/lib/tsnet -mindepth 1 -maxdepth 1 \( -name 'tsnet*' -o -name ipsec.json \))"
done
assert_nomatch "n1: the starter's charon holds no tsnet connection" '^tsnet-' \
	"$(x n1 swanctl --list-conns 2>&1)"
x n1 ipsec stop >/dev/null 2>&1

echo "# usage"
assert_exit "--auth foo" 2 "$T" -c "$INV" enable-ipsec --auth foo
assert_exit "--auth x509 --legacy" 2 "$T" -c "$INV" enable-ipsec --auth x509 --legacy
out=$("$T" -c "$INV" enable-ipsec --legacy 2>&1)
assert_eq "--legacy on a dual-stack cluster: exit" 2 $?
assert_match "... says why, in one line" \
	'^tsnet: enable-ipsec: --legacy: n1 and another node both have address6 \(dual-stack\): the legacy stack would leave their IPv6 traffic in the clear; use swanctl \(without --legacy\)$' "$out"
assert_exit "--node unknown" 2 "$T" -c "$INV" enable-ipsec --node n9
# n2's address IPv6 (its address6), n1's and n3's IPv4: mixed families
A6N2=$(awk '$0 == "[node n2]" { f = 1; next } /^\[/ { f = 0 }
	f && $1 == "address6" { print $3; exit }' "$INV")
awk -v a6="$A6N2" '/^\[/ { f = ($0 == "[node n2]") }
	f && $1 == "address6" { next }
	f && $1 == "address" { $0 = "address = " a6 } { print }' "$INV" >"$WORK/mixed.conf"
MIXED_LINE="$WORK/mixed.conf: nodes n1 and n2 have addresses of different families \(every address IPv4 or every one IPv6; IPv6 beside IPv4 goes in address6\)$"
out=$("$T" -c "$WORK/mixed.conf" enable-ipsec --no-probe 2>&1)
assert_eq "a cluster of mixed address families: exit" 2 $?
assert_match "... says which nodes, in one line" "^tsnet: enable-ipsec: $MIXED_LINE" "$out"
assert_exit "--timeout 0" 2 "$T" -c "$INV" enable-ipsec --timeout 0

echo "# no key anywhere"
for k in "$KEYBODY1" "$KEYBODY2" "$N3BODY" "$CABODY"; do
	assert_eq "private key PEM ${k:0:8}... in no output, JSON or log" 0 \
		"$(grep -cF -- "$k" "$ALL_OUT")"
done
for k in $K12 $K13 $K23 $K12B; do
	assert_eq "key ${k:0:4}... in no output, JSON or log" 0 \
		"$(grep -c "$k" "$ALL_OUT")"
done
finish
