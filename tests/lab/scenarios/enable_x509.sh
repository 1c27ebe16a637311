#!/bin/bash
# enable_x509.sh - enable-ipsec --auth x509 on 2 lab nodes: a cluster CA
# made on the coordinator (0700 dir, 0600 key, never shipped), each node
# its own key 0600 and certificate 0644 under swanctl's private/, x509/
# and x509ca/; the pair INSTALLED, TRANSPORT, ESP:AES_GCM_16 with pubkey
# (ECDSA) authentication on both sides; ping works over ESP; no private
# key PEM in any output, JSON or log; disable-ipsec leaves no key or
# certificate file.
NAME=tx1
. "$(dirname "$0")/enable_lib.sh"
CA=$(mktemp -d /tmp/tx-ca.XXXXXX)
rmdir "$CA"
trap '"$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$CA"' EXIT
T0=$(date +%s)
LAB_QUIET=1 "$LAB" up 2 --name $NAME >/dev/null || { not_ok "lab up"; finish; exit 1; }
OUT=$(mktemp)
stamp "lab up"

TSNET_CA_DIR=$CA "$T" -c "$(inv)" enable-ipsec --auth x509 --timeout 300 \
	>"$OUT" 2>&1
rc=$?
stamp "enable-ipsec --auth x509 done"
cat "$OUT"
assert_eq "enable-ipsec --auth x509 exit" 0 "$rc"
assert_match "n1 <-> n2: INSTALLED TRANSPORT AES_GCM_16" \
	"^n1 <-> n2 +INSTALLED +TRANSPORT +AES_GCM_16-(128|256) " "$(cat "$OUT")"
assert_eq "CA dir 0700" 700 "$(stat -c %a "$CA")"
assert_eq "CA key 0600" 600 "$(stat -c %a "$CA/ca.key")"
for n in n1 n2; do
	sas=$(x $n swanctl --list-sas 2>&1)
	assert_eq "$n: swanctl: 1 CHILD_SA INSTALLED, TRANSPORT" 1 \
		"$(grep -c 'INSTALLED, TRANSPORT' <<<"$sas")"
	assert_eq "$n: swanctl: ESP:AES_GCM_16" 1 \
		"$(grep -c 'ESP:AES_GCM_16' <<<"$sas")"
	conns=$(x $n swanctl --list-conns 2>&1)
	assert_match "$n: pubkey auth both ways" \
		'local public key authentication:.*remote public key authentication:' \
		"$(tr '\n' ' ' <<<"$conns")"
	assert_match "$n: peers checked against the cluster CA" \
		'cacerts = tsnet-ca.pem' "$(x $n cat /etc/swanctl/conf.d/tsnet.conf)"
	assert_match "$n: charon holds the cluster CA certificate" \
		'subject: +"O=tsnet, CN=tsnet CA' "$(x $n swanctl --list-certs 2>/dev/null)"
	assert_eq "$n: key 0600" 600 \
		"$(x $n stat -c %a /etc/swanctl/private/tsnet-$n.pem)"
	assert_eq "$n: cert 0644" 644 \
		"$(x $n stat -c %a /etc/swanctl/x509/tsnet-$n.pem)"
	assert_eq "$n: CA cert 0644" 644 \
		"$(x $n stat -c %a /etc/swanctl/x509ca/tsnet-ca.pem)"
	assert_eq "$n: no CA private key on the node" "" \
		"$(x $n grep -rlF -- "$(sed -n 2p "$CA/ca.key")" /etc/swanctl /var/lib/tsnet)"
	assert_nomatch "$n: no PSK" 'secret = ' \
		"$(x $n cat /etc/swanctl/conf.d/tsnet-secrets.conf)"
done
# (charon's file log is buffered: holding the peer's certificate, sent in
# IKE_AUTH and verified against the CA under pubkey-only connections, is
# what shows the certificates authenticated the pair)
assert_match "n1 holds n2's certificate" 'subject: +"O=tsnet, CN=n2"' \
	"$(x n1 swanctl --list-certs 2>&1)"
assert_match "n2 holds n1's certificate" 'subject: +"O=tsnet, CN=n1"' \
	"$(x n2 swanctl --list-certs 2>&1)"
out=$(x n1 ping -c 3 -i 0.3 -W 3 198.18.1.2 2>&1)
assert_match "n1 -> n2 ping over IPsec" ' 0% packet loss' "$out"

"$T" -c "$(inv)" --json status >>"$OUT" 2>&1
for n in n1 n2; do
	x $n cat /run/charon.log /var/lib/tsnet/ipsec.json >>"$OUT" 2>/dev/null
	x $n "$T" agent ipsec-sas >>"$OUT" 2>&1
done
bodies=$(for n in n1 n2; do
	x $n sed -n 2p /etc/swanctl/private/tsnet-$n.pem
done; sed -n 2p "$CA/ca.key")
leaked=0
for k in $bodies; do grep -qF -- "$k" "$OUT" && leaked=$((leaked + 1)); done
assert_eq "no private key PEM ($(wc -w <<<"$bodies")) in any output, JSON or log" 0 "$leaked"

"$T" -c "$(inv)" disable-ipsec
assert_eq "disable-ipsec exit" 0 $?
stamp "disable-ipsec done"
for n in n1 n2; do
	assert_eq "$n: no key or certificate file left" "" \
		"$(x $n find /etc/swanctl/private /etc/swanctl/x509 /etc/swanctl/x509ca -mindepth 1)"
done
nothing_left n1 n2
cleartext_ok n1 198.18.1.2
rm -f "$OUT"
stamp "scenario done"
finish
