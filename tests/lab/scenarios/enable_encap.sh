#!/bin/bash
# enable_encap.sh - enable-ipsec across a router that drops ESP, with
# kernel ESP: 3 lab nodes in two subnets (n1, n2 | router | n3).
#   - the probe before enabling finds ESP dropped n1 -> n3 and n2 -> n3:
#     those pairs come up UDP-encapsulated (`ip xfrm state`: encap type
#     espinudp, tcpdump: UDP-encap ESP), n1-n2 with plain ESP; every pair
#     INSTALLED, TRANSPORT, AES-GCM, the proof sees only ESP; ping and a
#     TCP transfer across the router work, and its ESP drop counter does
#     not move while they do;
#   - enable-ipsec --node n3 re-keys n3's pairs and keeps their
#     encapsulation from the records (running SAs would carry the probe);
#   - disable-ipsec: nothing of tsnet's left, cleartext flows.
NAME=tq3
. "$(dirname "$0")/enable_lib.sh"
trap '"$LAB" down --name $NAME >/dev/null 2>&1' EXIT
T0=$(date +%s)
LAB_QUIET=1 "$LAB" up 3 --name $NAME --subnets 2 --router drop-esp \
	>/dev/null || { not_ok "lab up"; finish; exit 1; }
OUT=$(mktemp)
stamp "lab up"

"$T" -c "$(inv)" enable-ipsec --timeout 300 >"$OUT" 2>&1
rc=$?
stamp "enable-ipsec done"
cat "$OUT"
assert_eq "enable-ipsec across an ESP-dropping router: exit" 0 "$rc"
row='INSTALLED +TRANSPORT +AES_GCM_16-(128|256)'
assert_match "n1 <-> n2: plain ESP, the probe says why" \
	"^n1 <-> n2 +$row +no \(probe: ESP passes both ways\) +esp on the wire .*no cleartext" \
	"$(cat "$OUT")"
for a in n1 n2; do
	assert_match "$a <-> n3: UDP-encapsulated, the probe says why" \
		"^$a <-> n3 +$row +yes \(probe: ESP dropped $a -> n3\) +esp on the wire .*no cleartext" \
		"$(cat "$OUT")"
done

# states_with NODE PEER_ADDR: "TOTAL ESPINUDP" among the node's xfrm
# states to or from the peer
states_with() {
	x "$1" ip xfrm state | awk -v p="$2" '
		/^src / { if (m) { t++; u += e } m = ($2 == p || $4 == p); e = 0 }
		/encap type espinudp/ { e = 1 }
		END { if (m) { t++; u += e } print t + 0, u + 0 }'
}
assert_eq "n1: kernel: the 2 states with n3 are espinudp" "2 2" \
	"$(states_with n1 198.18.2.3)"
assert_eq "n1: kernel: the 2 states with n2 are plain ESP" "2 0" \
	"$(states_with n1 198.18.1.2)"
assert_eq "n2: kernel: the 2 states with n3 are espinudp" "2 2" \
	"$(states_with n2 198.18.2.3)"
assert_eq "n3: kernel: the 2 states with n1 are espinudp" "2 2" \
	"$(states_with n3 198.18.1.1)"
assert_eq "n3: kernel: the 2 states with n2 are espinudp" "2 2" \
	"$(states_with n3 198.18.1.2)"
assert_match "n1: kernel: transport mode, AES-GCM" \
	'mode transport.*rfc4106\(gcm\(aes\)\)' "$(x n1 ip xfrm state | tr '\n' ' ')"
for n in n1 n2 n3; do
	assert_eq "$n: swanctl: 2 CHILD_SAs INSTALLED, TRANSPORT" 2 \
		"$(x $n swanctl --list-sas 2>&1 | grep -c 'INSTALLED, TRANSPORT')"
done
assert_match "tsnet.conf on n3: encap = yes for n1" \
	'tsnet-n1 \{[^}]*encap = yes' "$(x n3 cat /etc/swanctl/conf.d/tsnet.conf | tr '\n' ' ')"

# traffic across the router, and the wire on n3 and n2
drops() {	# the router's ESP drop counter (packets)
	x rt nft list table inet tsnet_lab | sed -n 's/.*counter packets \([0-9]*\).*drop.*/\1/p'
}
before=$(drops)
cap3=$(mktemp) cap2=$(mktemp)
x n3 timeout 12 tcpdump -n -l -i eth0 'host 198.18.1.1' >"$cap3" 2>/dev/null &
c3=$!
x n2 timeout 12 tcpdump -n -l -i eth0 'host 198.18.1.1' >"$cap2" 2>/dev/null &
c2=$!
tcp_recv n3 198.18.2.3 /tmp/tq-recv &
spid=$!
sleep 2
assert_match "n1 -> n3 ping across the router (ESP in UDP)" ' 0% packet loss' \
	"$(x n1 ping -c 3 -i 0.3 -W 3 198.18.2.3 2>&1)"
assert_match "n1 -> n2 ping (plain ESP)" ' 0% packet loss' \
	"$(x n1 ping -c 3 -i 0.3 -W 3 198.18.1.2 2>&1)"
head -c 200000 /dev/urandom >/tmp/tq-send
tcp_send n1 198.18.2.3 /tmp/tq-send
wait $spid
assert_eq "TCP transfer n1 -> n3 across the router (200 kB, same bytes)" \
	"$(sha256sum </tmp/tq-send)" "$(sha256sum </tmp/tq-recv)"
wait $c3 $c2
assert_match "tcpdump on n3: UDP-encapsulated ESP from n1" \
	'UDP-encap: ESP\(spi=' "$(cat "$cap3")"
assert_nomatch "tcpdump on n3: no cleartext ICMP/TCP from n1" 'ICMP|Flags \[' \
	"$(grep -v -E 'ESP\(|isakmp|NONESP|ARP' "$cap3")"
assert_match "tcpdump on n2: ESP from n1" '> 198\.18\.1\.2: ESP\(spi=' "$(cat "$cap2")"
assert_nomatch "tcpdump on n2: not UDP-encapsulated" 'UDP-encap' "$(cat "$cap2")"
assert_eq "the router's ESP drop counter did not move during the traffic" \
	"$before" "$(drops)"
stamp "traffic checked"

"$T" -c "$(inv)" --json enable-ipsec --node n3 --no-verify --timeout 300 \
	>"$OUT.json" 2>&1
assert_eq "enable-ipsec --node n3 exit" 0 $?
assert_match "--node n3: n1-n3 keeps its encap from the records" \
	'"a": "n1",.*"b": "n3",.*"encap": true,.*"encap_reason": "kept: ' \
	"$(tr -d '\n' <"$OUT.json")"
assert_match "--node n3: every pair ok" '"ok": true.*"ok": true' "$(tr -d '\n' <"$OUT.json")"
assert_eq "n3 after --node: the 2 states with n1 are espinudp" "2 2" \
	"$(states_with n3 198.18.1.1)"
stamp "enable --node n3 done"

"$T" -c "$(inv)" disable-ipsec >/dev/null
assert_eq "disable-ipsec exit" 0 $?
nothing_left n1 n2 n3
cleartext_ok n1 198.18.2.3
cleartext_ok n2 198.18.1.1
rm -f "$OUT" "$OUT.json" "$cap3" "$cap2" /tmp/tq-send /tmp/tq-recv
stamp "scenario done"
finish
