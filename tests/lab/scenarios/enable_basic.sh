#!/bin/bash
# enable_basic.sh - enable-ipsec on 3 host-like lab nodes, then every
# pair INSTALLED, TRANSPORT, ESP:AES_GCM_16 in swanctl --list-sas and
# `ip xfrm state` on each node; ESP on the wire and no cleartext between
# members (tcpdump); ping and a TCP transfer work; the secrets file is
# 0600 with only the node's own pairs; no key in any output, JSON or log;
# status; then disable-ipsec: cleartext works, nothing of tsnet's left.
NAME=te2
. "$(dirname "$0")/enable_lib.sh"
trap '"$LAB" down --name $NAME >/dev/null 2>&1' EXIT
T0=$(date +%s)
LAB_QUIET=1 "$LAB" up 3 --name $NAME >/dev/null || { not_ok "lab up"; finish; exit 1; }
OUT=$(mktemp)
stamp "lab up"

"$T" -c "$(inv)" enable-ipsec --timeout 300 >"$OUT" 2>&1
rc=$?
stamp "enable-ipsec done"
cat "$OUT"
assert_eq "enable-ipsec exit" 0 "$rc"
for p in "n1 <-> n2" "n1 <-> n3" "n2 <-> n3"; do
	assert_match "$p: INSTALLED TRANSPORT AES_GCM_16, esp on the wire, no cleartext" \
		"^$p +INSTALLED +TRANSPORT +AES_GCM_16-(128|256) .*esp on the wire .*no cleartext" \
		"$(cat "$OUT")"
done
"$T" -c "$(inv)" --json enable-ipsec --no-verify --node n2 --timeout 300 \
	>"$OUT.json" 2>&1
assert_eq "enable-ipsec --node n2 (re-key its pairs) exit" 0 $?
assert_match "--node n2 --json: its two pairs ok" \
	'"a": "n1",.*"b": "n2",.*"ok": true.*"a": "n2",.*"b": "n3",.*"ok": true' \
	"$(tr -d '\n' <"$OUT.json")"
stamp "enable --node done"

for n in n1 n2 n3; do
	sas=$(x $n swanctl --list-sas 2>&1)
	assert_eq "$n: swanctl: 2 CHILD_SAs INSTALLED, TRANSPORT" 2 \
		"$(grep -c 'INSTALLED, TRANSPORT' <<<"$sas")"
	assert_eq "$n: swanctl: ESP:AES_GCM_16" 2 \
		"$(grep -c 'ESP:AES_GCM_16' <<<"$sas")"
	xs=$(x $n ip xfrm state)
	assert_match "$n: kernel: ESP states in transport mode with rfc4106(gcm(aes))" \
		'proto esp .*mode transport' "$(tr '\n' ' ' <<<"$xs")"
	assert_eq "$n: kernel: 4 ESP states, all AES-GCM" \
		"$(grep -c 'proto esp' <<<"$xs")" "$(grep -c 'rfc4106(gcm(aes))' <<<"$xs")"
	assert_eq "$n: secrets file 0600" 600 \
		"$(x $n stat -c %a /etc/swanctl/conf.d/tsnet-secrets.conf)"
	assert_eq "$n: secrets hold its 2 pairs only" 2 \
		"$(x $n grep -c 'secret = 0x' /etc/swanctl/conf.d/tsnet-secrets.conf)"
done
# the n2-n3 key must not be on n1
k23=$(x n2 sed -n '/ike-tsnet-n3/,/}/s/.*secret = 0x//p' /etc/swanctl/conf.d/tsnet-secrets.conf)
assert_match "n2 holds a 32-byte n2-n3 key" '^[0-9a-f]{64}$' "$k23"
assert_eq "n1 does not hold the n2-n3 key" 0 \
	"$(x n1 grep -c "$k23" /etc/swanctl/conf.d/tsnet-secrets.conf)"

# the wire, seen from n3: n1's ping and TCP transfer to n3 are ESP
cap=$(mktemp)
x n3 timeout 12 tcpdump -n -l -i eth0 'host 198.18.1.1' >"$cap" 2>/dev/null &
cpid=$!
tcp_recv n3 198.18.1.3 /tmp/te-recv &
spid=$!
sleep 2
out=$(x n1 ping -c 3 -i 0.3 -W 3 198.18.1.3 2>&1)
assert_match "n1 -> n3 ping over IPsec" ' 0% packet loss' "$out"
head -c 300000 /dev/urandom >/tmp/te-send
tcp_send n1 198.18.1.3 /tmp/te-send
wait $spid
assert_eq "TCP transfer n1 -> n3 over IPsec (300 kB, same bytes)" \
	"$(sha256sum </tmp/te-send)" "$(sha256sum </tmp/te-recv)"
wait $cpid
assert_match "tcpdump on n3: ESP from n1" 'ESP\(spi=' "$(cat "$cap")"
assert_nomatch "tcpdump on n3: no cleartext ICMP/TCP/UDP from n1" \
	'ICMP|Flags \[|UDP' "$(grep -v -E 'ESP\(|isakmp|ARP' "$cap")"
stamp "wire checked"

if "$T" help 2>/dev/null | grep -q '^  status '; then
	"$T" -c "$(inv)" status 2>&1 | tee -a "$OUT"
	assert_eq "status after enable (exit)" 0 "${PIPESTATUS[0]}"
	"$T" -c "$(inv)" --json status >>"$OUT" 2>&1
fi
"$T" -c "$(inv)" --json enable-ipsec --no-verify --node n1 >>"$OUT" 2>&1
for n in n1 n2 n3; do
	x $n cat /run/charon.log /var/lib/tsnet/ipsec.json >>"$OUT" 2>/dev/null
	x $n "$T" agent ipsec-sas >>"$OUT" 2>&1
done
# every key each node holds now, and the n2-n3 key from before
keys=$(for n in n1 n2 n3; do
	x $n sed -n 's/.*secret = 0x//p' /etc/swanctl/conf.d/tsnet-secrets.conf
done; echo "$k23")
leaked=0
for k in $keys; do grep -q "$k" "$OUT" "$OUT.json" && leaked=$((leaked + 1)); done
assert_eq "no key ($(wc -w <<<"$keys") of them) in any output, JSON or log" 0 "$leaked"

"$T" -c "$(inv)" disable-ipsec
assert_eq "disable-ipsec exit" 0 $?
stamp "disable-ipsec done"
nothing_left n1 n2 n3
cleartext_ok n1 198.18.1.3
cleartext_ok n2 198.18.1.1
"$T" -c "$(inv)" disable-ipsec >/dev/null
assert_eq "disable-ipsec again: exit 0" 0 $?
rm -f "$OUT" "$OUT.json" "$cap" /tmp/te-send /tmp/te-recv
stamp "scenario done"
finish
