#!/bin/bash
# node_x509.sh - node add|remove on a cluster enabled with --auth x509
# (4 lab nodes, n4 outside the inventory at first):
#
#   - enable-ipsec --auth x509 on n1..n3;
#   - node add n4: n4 gets a key and certificate from the coordinator's
#     CA, each peer a pubkey connection to it (its own key untouched);
#     6 pairs INSTALLED, TRANSPORT, ESP:AES_GCM_16 as swanctl and the
#     kernel's xfrm states report them, authenticated with ECDSA
#     certificates (each side holds the other's); ping over every new
#     pair; enable-ipsec --auth x509 --node n4 repairs it with new
#     certificates from the same CA, and n4's charon holds only the new
#     key (VICI get-keys), the id ipsec.json records;
#   - node remove n4: n4 keeps no tsnet file, key, certificate, xfrm
#     state or policy; n1..n3 no connection, SA, policy or cached
#     certificate for it, and their own 2 pairs each still INSTALLED;
#   - enable-ipsec --node n2 without --auth x509 on these x509 nodes:
#     n1 refuses a PSK request that lacks its pair with n3, saying to use
#     --auth x509; every node rolled back, n1 keeps its key;
#   - no private key PEM in any output.
NAME=tx4
. "$(dirname "$0")/enable_lib.sh"
WORK=$(mktemp -d)
CA=$WORK/ca
trap '"$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$WORK"' EXIT
VK=$WORK/vici_keys	# get-keys through tsnet's VICI client
cp "$TOP/build/helpers/vici_keys" "$VK" || { not_ok "no vici_keys helper"; finish; exit 1; }
key_id() { x "$1" cat /var/lib/tsnet/ipsec.json | sed -n 's/.*"key_id":"\([0-9a-f]*\)".*/\1/p'; }
T0=$(date +%s)
LAB_QUIET=1 "$LAB" up 4 --name $NAME >/dev/null || { not_ok "lab up"; finish; exit 1; }
INV=$WORK/cluster.conf
OUT=$WORK/all-output
sed "s|^remote_tsnet = .*|remote_tsnet = $T|" "$(inv)" |
	awk '/^\[node n4\]/ { skip = 1; next } /^\[/ { skip = 0 } !skip' >"$INV"
ts() { TSNET_CA_DIR=$CA "$T" -c "$INV" "$@"; }
stamp "lab up"

ts enable-ipsec --auth x509 --no-verify --timeout 300 >>"$OUT" 2>&1
assert_eq "enable-ipsec --auth x509 on n1..n3 exit" 0 $?
stamp "enable-ipsec done"
own1=$(x n1 sha256sum /etc/swanctl/private/tsnet-n1.pem)

ts node add n4 198.18.1.4 --netns $NAME-n4 --timeout 300 >"$WORK/add" 2>&1
rc=$?
tee -a "$OUT" <"$WORK/add"
assert_eq "node add n4 exit" 0 "$rc"
for p in n1 n2 n3; do
	assert_match "pair n4-$p up" "pair n4-$p: up" "$(cat "$WORK/add")"
done
stamp "node add done"
assert_eq "n4: key 0600" 600 "$(x n4 stat -c %a /etc/swanctl/private/tsnet-n4.pem)"
assert_match "n4: certificate from the cluster CA" 'issuer: +"O=tsnet, CN=tsnet CA' \
	"$(x n4 pki --print --in /etc/swanctl/x509/tsnet-n4.pem 2>&1)"
assert_eq "n1: its own key untouched" "$own1" \
	"$(x n1 sha256sum /etc/swanctl/private/tsnet-n1.pem)"
for n in n1 n2 n3 n4; do
	sas=$(x $n swanctl --list-sas 2>&1)
	echo "$sas" >>"$OUT"
	assert_eq "$n: swanctl: 3 CHILD_SAs INSTALLED, TRANSPORT" 3 \
		"$(grep -c 'INSTALLED, TRANSPORT' <<<"$sas")"
	assert_eq "$n: swanctl: 3 ESP:AES_GCM_16" 3 \
		"$(grep -c 'ESP:AES_GCM_16' <<<"$sas")"
	# counted, never shown: ip xfrm state prints the keys
	st=$(x $n ip xfrm state)
	assert_eq "$n: kernel: 6 ESP states in transport mode with GCM" "6 6 6" \
		"$(grep -c '^src' <<<"$st") $(grep -c 'mode transport' <<<"$st") $(grep -c 'rfc4106(gcm(aes))' <<<"$st")"
	conns=$(x $n swanctl --list-conns 2>&1)
	assert_eq "$n: 3 connections, pubkey both ways" "3 3" \
		"$(grep -c '^tsnet-n[1-4]: ' <<<"$conns") $(grep -c 'remote public key authentication' <<<"$conns")"
done
# (charon's log is buffered: what proves the certificates were used is
# that each side holds the other's, received in IKE_AUTH and verified
# against the CA, under connections that allow nothing but pubkey)
for p in n1 n2 n3; do
	assert_match "$p holds n4's certificate (authenticated with it)" \
		'subject: +"O=tsnet, CN=n4"' "$(x $p swanctl --list-certs 2>&1)"
done
assert_eq "n4 holds its 3 peers' certificates" 3 \
	"$(x n4 swanctl --list-certs 2>&1 | grep -cE 'subject: +"O=tsnet, CN=n[123]"')"
for p in 1 2 3; do
	out=$(x n4 ping -c 2 -i 0.3 -W 3 198.18.1.$p 2>&1)
	assert_match "n4 -> n$p ping over IPsec" ' 0% packet loss' "$out"
done
bodies=$(for n in n1 n2 n3 n4; do
	x $n sed -n 2p /etc/swanctl/private/tsnet-$n.pem
done; sed -n 2p "$CA/ca.key")

# repair of one node (what node add suggests for a node it could not
# reach): new certificates from the same CA, the pairs up again
cert4=$(x n4 sha256sum /etc/swanctl/x509/tsnet-n4.pem)
kid4=$(key_id n4)
assert_match "n4: its key's id recorded" '^[0-9a-f]{40}$' "$kid4"
assert_match "n4: that key loaded (get-keys)" "$kid4" "$(x n4 "$VK" list)"
ts enable-ipsec --auth x509 --node n4 --no-verify --timeout 300 >>"$OUT" 2>&1
assert_eq "enable-ipsec --auth x509 --node n4 (repair) exit" 0 $?
stamp "repair done"
assert_nomatch "n4: a new certificate" "$cert4" \
	"$(x n4 sha256sum /etc/swanctl/x509/tsnet-n4.pem)"
assert_match "n4: still from the cluster CA" 'issuer: +"O=tsnet, CN=tsnet CA' \
	"$(x n4 pki --print --in /etc/swanctl/x509/tsnet-n4.pem 2>&1)"
keys=$(x n4 "$VK" list)
new4=$(key_id n4)
assert_match "n4: the new key's id recorded" '^[0-9a-f]{40}$' "$new4"
assert_match "n4: the new key loaded" "$new4" "$keys"
assert_nomatch "n4: the replaced key unloaded" "$kid4" "$keys"
for n in n1 n2 n3 n4; do
	assert_eq "$n: after the repair, 3 CHILD_SAs INSTALLED, TRANSPORT" 3 \
		"$(x $n swanctl --list-sas 2>&1 | grep -c 'INSTALLED, TRANSPORT')"
done
bodies="$bodies $(for n in n1 n2 n3 n4; do
	x $n sed -n 2p /etc/swanctl/private/tsnet-$n.pem
done)"

ts node remove n4 --timeout 300 >"$WORK/rm" 2>&1
rc=$?
tee -a "$OUT" <"$WORK/rm"
assert_eq "node remove n4 exit" 0 "$rc"
stamp "node remove done"
nothing_left n4
assert_eq "n4: no key, certificate or CA left" "" \
	"$(x n4 find /etc/swanctl/private /etc/swanctl/x509 /etc/swanctl/x509ca -mindepth 1)"
for n in n1 n2 n3; do
	assert_nomatch "$n: no connection to n4" '^tsnet-n4:' \
		"$(x $n swanctl --list-conns 2>&1)"
	assert_nomatch "$n: no SA with n4" 'tsnet-n4' "$(x $n swanctl --list-sas 2>&1)"
	assert_eq "$n: no xfrm state or policy with n4" "0 0" \
		"$(x $n ip xfrm state | grep -c '198\.18\.1\.4') $(x $n ip xfrm policy | grep -c '198\.18\.1\.4')"
	assert_nomatch "$n: no certificate of n4 held" 'CN=n4' \
		"$(x $n swanctl --list-certs 2>&1)"
	assert_eq "$n: its 2 pairs still INSTALLED, TRANSPORT" 2 \
		"$(x $n swanctl --list-sas 2>&1 | grep -c 'INSTALLED, TRANSPORT')"
done
cleartext_ok n4 198.18.1.1

own1=$(x n1 sha256sum /etc/swanctl/private/tsnet-n1.pem)
"$T" -c "$INV" enable-ipsec --node n2 --no-probe --no-verify --timeout 60 \
	>/dev/null 2>"$WORK/err"
rc=$?
tee -a "$OUT" <"$WORK/err"
stamp "enable-ipsec --node n2 without --auth x509 done"
assert_eq "--node without --auth x509 on x509 nodes: exit 1" 1 "$rc"
assert_match "--node without --auth x509: says to use it, rolled back" \
	'^tsnet: enable-ipsec: n1: no key for the pair n1 <-> n3 \(this node uses x509 certificates: run enable-ipsec with --auth x509\) \(rolled back on all nodes\)$' \
	"$(cat "$WORK/err")"
assert_eq "--node rolled back: n1 kept its key" "$own1" \
	"$(x n1 sha256sum /etc/swanctl/private/tsnet-n1.pem)"
assert_match "--node rolled back: n1's connections are pubkey again" \
	'tsnet-n3 \{.*auth = pubkey' "$(x n1 cat /etc/swanctl/conf.d/tsnet.conf | tr '\n' ' ')"

"$T" -c "$INV" --json status >>"$OUT" 2>&1
for n in n1 n2 n3 n4; do
	x $n cat /run/charon.log /var/lib/tsnet/ipsec.json >>"$OUT" 2>/dev/null
done
leaked=0
for k in $bodies; do grep -qF -- "$k" "$OUT" && leaked=$((leaked + 1)); done
assert_eq "no private key PEM ($(wc -w <<<"$bodies")) in any output or log" 0 "$leaked"
ts disable-ipsec >/dev/null 2>&1
assert_eq "disable-ipsec exit" 0 $?
nothing_left n1 n2 n3
stamp "scenario done"
finish
