#!/bin/bash
# test_probe_size.sh - the probe's size probes and what a NAT means for
# transport mode, in a two-subnet netns lab: (a) an open path: every
# 2600-byte datagram and every DF probe arrives, no problem, over IPv4
# and IPv6; (b) a router that drops IP fragments: path.fragments names
# exactly the crossing pairs (probe and preflight), the matrix stays ok;
# (c) a router link whose MTU is below the nodes' (1400, and 1480: between
# the MTU less ESP's 45 bytes and the MTU): path.mtu names the pairs into
# it, the DF probe being of the full MTU, the largest ESP packet; (f) a
# route with mtu 1400 from n1 to n3 over that 1400 link: n1's DF probe is
# the route's MTU (what ESP fits its packets to), so n1 -> n3 passes where
# the other crossing pairs do not; (e) jumbo
# frames (16000 bytes): the DF probe follows the MTU past 9000 bytes;
# (d) a router that masquerades: nat.transport (RFC 3948's limits) and
# nat.shared (two nodes behind one address, connmark), and with encap =
# no in the inventory nat.encap.
. "$(dirname "$0")/lib.sh"
need_root
L=tsz1

cleanup() { "$LAB" down --name $L >/dev/null 2>&1; rm -f "${INO:-}"; }
trap cleanup EXIT
command -v jq >/dev/null || skip_all "needs jq"
"$LAB" up 4 --name $L --subnets 2 >/dev/null || fail_all "cannot start a 2-subnet lab"
INV=$("$LAB" inventory --name $L)
probe() { "$TSNET" -c "$1" probe --json --timeout 2 "${@:2}"; }
ids() { jq -r '[.problems[].id] | join(" ")' <<<"$1"; }
pairs_of() { jq -r --arg id "$2" '.problems[] | select(.id == $id) | [.scope.pairs[] | "\(.from)>\(.to)"] | sort | join(" ")' <<<"$1"; }
CROSS="n1>n3 n1>n4 n2>n3 n2>n4 n3>n1 n3>n2 n4>n1 n4>n2"
ALLOK=$'ok ok ok\nok ok ok\nok ok ok\nok ok ok\nok ok ok\nok ok ok\nok ok ok\nok ok ok\nok ok ok\nok ok ok\nok ok ok\nok ok ok'
verdicts() { jq -r '.pairs[] | "\(.udp500.verdict) \(.udp4500.verdict) \(.esp.verdict)"' <<<"$1"; }

echo "# (a) an open path"
out=$(probe "$INV")
assert_eq "(a) no problem, exit 0" "0 " "$(jq -r .exit <<<"$out") $(ids "$out")"
assert_eq "(a) the matrix is all ok" "$ALLOK" "$(verdicts "$out")"
out=$(probe "$INV" --ipv6)
assert_eq "(a) over IPv6 (fragmented by the sender, DF as IPV6_DONTFRAG): no problem" \
	"0 " "$(jq -r .exit <<<"$out") $(ids "$out")"

echo "# (b) the router drops IP fragments"
"$LAB" router --name $L drop-frag >/dev/null
out=$(probe "$INV")
assert_eq "(b) the matrix is still all ok (small probes pass)" "$ALLOK" "$(verdicts "$out")"
assert_eq "(b) exactly one problem: path.fragments" "path.fragments" "$(ids "$out")"
assert_eq "(b) its pairs are exactly the 8 crossing ones" "$CROSS" "$(pairs_of "$out" path.fragments)"
assert_match "(b) it says which ports and why it matters" \
	"^IP fragments are lost on n1 -> n3 \(UDP 500 and UDP 4500\), .*: a 2600-byte UDP datagram without DF never arrived whole where small ones did; IKE_AUTH with certificates is that large, so PSK would work and certificates time out$" \
	"$(jq -r '.problems[0].what' <<<"$out")"
assert_match "(b) the fix: let fragments through; IKEv2 fragmentation" \
	"^let IP fragments through on that path .*fragmentation = yes" "$(jq -r '.problems[0].fix' <<<"$out")"
assert_eq "(b) exit 1" 1 "$(jq .exit <<<"$out")"
drops=$("$LAB" exec --name $L rt nft list table inet "$(
	"$LAB" exec --name $L rt nft list tables | awk '$2 == "inet" { print $3; exit }')" |
	sed -n 's/.*packets \([0-9]*\).*/\1/p')
assert_match "(b) the router really dropped fragments ($drops)" '^[1-9]' "$drops"
text=$("$TSNET" -c "$INV" probe --timeout 2 2>&1)
assert_match "(b) text: the problem is said" "IP fragments are lost on n1 -> n3" "$text"
pf=$("$TSNET" -c "$INV" preflight --json 2>/dev/null)
assert_eq "(b) preflight carries path.fragments with the same pairs" "$CROSS" \
	"$(pairs_of "$pf" path.fragments)"
"$LAB" router --name $L none >/dev/null

echo "# (c) the router's link into subnet 2 has MTU 1400 (the nodes' is 1500)"
"$LAB" exec --name $L rt ip link set dev eth2 mtu 1400
out=$(probe "$INV")
assert_eq "(c) the matrix is all ok" "$ALLOK" "$(verdicts "$out")"
assert_eq "(c) path.mtu names every crossing pair" "$CROSS" "$(pairs_of "$out" path.mtu)"
assert_match "(c) with the DF probe's size (the interface MTU, the largest ESP packet)" \
	"^a packet with DF set .* never arrived on n1 -> n3 \(1500 bytes\)" \
	"$(jq -r '.problems[] | select(.id == "path.mtu") | .what' <<<"$out")"
# between the MTU less ESP's 45 bytes and the MTU: full-size ESP packets
# (1500 bytes) are lost, a probe of 1455 bytes would pass
"$LAB" exec --name $L rt ip link set dev eth2 mtu 1480
out=$(probe "$INV")
# the 2600-byte datagram's 1500-byte fragments are lost there too: the
# router reassembles (conntrack) and forwards no fragment larger than the
# largest it got (frag_max_size 1500 > 1480: ICMP fragmentation-needed)
assert_eq "(c) router link MTU 1480 (between 1455 and 1500): path.mtu (and path.fragments), exit 1" \
	"1 path.fragments path.mtu" \
	"$(jq -r '"\(.exit) \([.problems[].id] | sort | join(" "))"' <<<"$out")"
assert_eq "(c) MTU 1480: path.mtu names exactly the crossing pairs" "$CROSS" \
	"$(pairs_of "$out" path.mtu)"
assert_match "(c) MTU 1480: named with 1500 bytes" \
	"never arrived on n1 -> n3 \(1500 bytes\), n1 -> n4 \(1500 bytes\)" \
	"$(jq -r '.problems[] | select(.id == "path.mtu") | .what' <<<"$out")"

echo "# (f) n1's route to n3 says mtu 1400, the router's link into subnet 2 is 1400"
N3=$(awk '/^\[node n3\]/ { f = 1 } f && $1 == "address" { print $3; exit }' "$INV")
GW=$("$LAB" exec --name $L n1 ip -4 route get "$N3" | sed -n 's/.* via \([0-9.]*\).*/\1/p')
"$LAB" exec --name $L rt ip link set dev eth2 mtu 1400
"$LAB" exec --name $L n1 ip route add "$N3/32" via "$GW" dev eth0 mtu 1400
out=$(probe "$INV")
assert_eq "(f) path.mtu names every crossing pair but n1 -> n3 (its DF probe is the route's 1400 bytes)" \
	"n1>n4 n2>n3 n2>n4 n3>n1 n3>n2 n4>n1 n4>n2" "$(pairs_of "$out" path.mtu)"
"$LAB" exec --name $L n1 ip route del "$N3/32"

"$LAB" exec --name $L rt ip link set dev eth2 mtu 1500
out=$(probe "$INV")
assert_eq "(c) MTU back to 1500: no problem" "0 " "$(jq -r .exit <<<"$out") $(ids "$out")"

echo "# (e) jumbo frames: every link 16000 bytes, then the router's into subnet 2 12000"
# jumbo MTU MTU2: every link of the lab at MTU, the router's eth2 at MTU2
jumbo() {
	local i
	for i in 1 2 3 4; do "$LAB" exec --name $L n$i ip link set dev eth0 mtu "$1"; done
	for i in n1 n2 n3 n4 rt1 rt2; do
		"$LAB" exec --name $L sw ip link set dev $i mtu "$1"
	done
	"$LAB" exec --name $L rt ip link set dev eth1 mtu "$1"
	"$LAB" exec --name $L rt ip link set dev eth2 mtu "$2"
}
jumbo 16000 16000
out=$(probe "$INV")
assert_eq "(e) MTU 16000 on every link: the 16000-byte DF probe arrives, no problem" \
	"0 " "$(jq -r .exit <<<"$out") $(ids "$out")"
jumbo 16000 12000
out=$(probe "$INV")
assert_eq "(e) the router's link at 12000: path.mtu names exactly the crossing pairs" \
	"$CROSS" "$(pairs_of "$out" path.mtu)"
assert_match "(e) ... with the 16000-byte DF probe (above the old 9000-byte buffer)" \
	"never arrived on n1 -> n3 \(16000 bytes\)" \
	"$(jq -r '.problems[] | select(.id == "path.mtu") | .what' <<<"$out")"
jumbo 1500 1500

echo "# (d) the router masquerades"
"$LAB" router --name $L masquerade >/dev/null
out=$(probe "$INV")
assert_match "(d) nat.transport: RFC 3948's limits, a warning over the crossing pairs" \
	"^warn $CROSS transport mode through a NAT \(RFC 3948\) works only UDP-encapsulated" \
	"$(jq -r '.problems[] | select(.id == "nat.transport") | "\(.severity) \([.scope.pairs[] | "\(.from)>\(.to)"] | sort | join(" ")) \(.what)"' <<<"$out")"
assert_eq "(d) nat.shared: each node reaches the other subnet's from one address with its neighbour" \
	"fail n1 reaches n3 from 198.18.2.254, as does n2; n1 reaches n4 from 198.18.2.254, as does n2; n3 reaches n1 from 198.18.1.254, as does n4; n3 reaches n2 from 198.18.1.254, as does n4" \
	"$(jq -r '.problems[] | select(.id == "nat.shared") | "\(.severity) \(.where | split("; ") | sort | join("; "))"' <<<"$out")"
assert_match "(d) nat.shared's fix names the connmark plugin" "connmark plugin" \
	"$(jq -r '.problems[] | select(.id == "nat.shared") | .fix' <<<"$out")"
assert_eq "(d) no nat.encap while encap is auto" "" \
	"$(jq -r '.problems[] | select(.id == "nat.encap") | .id' <<<"$out")"
INO=$(mktemp /tmp/tsz-inv.XXXXXX)
sed 's/^\[cluster\]$/[cluster]\nencap = no/' "$INV" >"$INO"
out=$(probe "$INO")
assert_match "(d) encap = no: nat.encap fails, naming the inventory" \
	"^fail $INO the inventory sets encap = no, but a NAT sits between nodes" \
	"$(jq -r '.problems[] | select(.id == "nat.encap") | "\(.severity) \(.where) \(.what)"' <<<"$out")"
pf=$("$TSNET" -c "$INO" preflight --json 2>/dev/null)
assert_eq "(d) preflight carries nat.transport, nat.shared and nat.encap" \
	"nat.encap nat.shared nat.transport" \
	"$(jq -r '[.problems[].id | select(startswith("nat."))] | sort | join(" ")' <<<"$pf")"
assert_match "(d) preflight's nat.shared says what charon on each node it names has (none runs)" \
	"; cannot tell whether charon on n3 has the connmark plugin \(charon not running\)" \
	"$(jq -r '.problems[] | select(.id == "nat.shared") | .what' <<<"$pf")"
finish
