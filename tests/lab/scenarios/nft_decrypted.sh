#!/bin/bash
# nft_decrypted.sh - a ruleset that drops decrypted traffic, judged
# before enable-ipsec and then met by real ESP (issue 18, 4 and 7; run
# by tests/integration/test_esp_vm.sh through tests/lab/esp-run):
#
#   - n2's input chain drops every packet that came through an SA
#     (meta ipsec exists drop): in clear the pair pings both ways;
#   - preflight (before enable-ipsec) fails nft.decrypted on n2 only,
#     naming that rule by handle with the peer n1, with the fix, exit 1;
#   - enable-ipsec with real ESP: exit 0 (ESP flows and n2 decrypts it);
#   - then a ping n1 -> n2 is lost while n2's SA from n1 counts the ESP
#     it decrypted and the very rule preflight named (its handle) counts
#     the packets it dropped after decryption: the static verdict is the
#     kernel's;
#   - with the rule gone the same ping passes through the same SAs.
NAME=tdc
. "$(dirname "$0")/enable_lib.sh"
WORK=$(mktemp -d)
trap '"$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$WORK"' EXIT
T0=$(date +%s)
LAB_QUIET=1 "$LAB" up 2 --name $NAME >/dev/null || { not_ok "lab up"; finish; exit 1; }
INV=$WORK/cluster.conf
# IPv4 only: enable-ipsec keys the inventory's address, not address6.
sed -e "s|^remote_tsnet = .*|remote_tsnet = $T|" -e '/^address6 /d' \
	-e 's/^subnet = \([^,]*\),.*/subnet = \1/' "$(inv)" >"$INV"
ts() { "$T" -c "$INV" "$@"; }
A1=198.18.1.1 A2=198.18.1.2
stamp "lab up"

x n2 nft -f - <<'NFT' || fail_all "cannot load n2's ruleset"
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		meta ipsec exists counter drop comment "no decrypted"
	}
}
NFT
# drops: the packets the rule of handle $1 on n2 has dropped
drops() {
	x n2 nft -a list chain inet filter input |
		sed -n "s/.* counter packets \([0-9]*\) bytes .*# handle $1\$/\1/p"
}
# decrypted: the packets n2's SA from n1 has decrypted
decrypted() {
	x n2 ip -s xfrm state list src $A1 dst $A2 proto esp |
		sed -n 's/.*(bytes), \([0-9]*\)(packets).*/\1/p' | head -n 1
}
assert_match "in clear, n1 -> n2 passes the ruleset" ' 0% packet loss' \
	"$(x n1 ping -c 2 -i 0.3 -W 3 $A2 2>&1)"
assert_match "in clear, n2 -> n1 passes too" ' 0% packet loss' \
	"$(x n2 ping -c 2 -i 0.3 -W 3 $A1 2>&1)"

echo "# preflight names the rule before enable-ipsec"
ts --json preflight --no-probe >"$WORK/pf.json" 2>"$WORK/pf.err"
rc=$?
assert_eq "preflight: exit 1" 1 "$rc"
st=$(jq -r '[.nodes[] | .node as $n | .checks[] |
	select(.id == "nft.decrypted") | "\($n):\(.status)"] | join(" ")' "$WORK/pf.json")
assert_eq "preflight: nft.decrypted fails on n2 only" "n1:ok n2:fail" "$st"
detail=$(jq -r '.nodes[] | select(.node == "n2") | .checks[] |
	select(.id == "nft.decrypted") | .detail' "$WORK/pf.json")
echo "  n2 nft.decrypted: $detail"
assert_match "preflight: the rule by handle, as nft prints it, from n1" \
	'^the members.* traffic is dropped after decryption, where as cleartext it is not: .*\(from n1: dropped by inet filter input handle [0-9]+ "no decrypted" \(input hook\): meta ipsec exists .*drop comment "no decrypted"' \
	"$detail"
handle=$(sed -n 's/.*from n1: dropped by inet filter input handle \([0-9]*\) .*/\1/p' \
	<<<"$detail")
assert_match "preflight: the fix accepts decrypted member traffic" \
	'^nft\.decrypted .*meta ipsec exists ip saddr \{ MEMBERS \} accept' \
	"$(jq -r '.problems[] | "\(.id) \(.fix)"' "$WORK/pf.json")"
ts preflight --no-probe >"$WORK/pf.txt" 2>&1
assert_match "preflight (text): nft.decrypted named on n2" 'nft\.decrypted' \
	"$(grep -i n2 "$WORK/pf.txt")"
stamp "preflight"

echo "# enable-ipsec with real ESP"
ts enable-ipsec --timeout 300 >"$WORK/enable" 2>&1
rc=$?
cat "$WORK/enable"
assert_eq "enable-ipsec: exit 0 (ESP flows; n2 decrypts it)" 0 "$rc"
stamp "enable-ipsec done"

echo "# a real packet: decrypted by n2's SA, then dropped by that rule"
d0=$(decrypted) r0=$(drops "${handle:-none}")
out=$(x n1 ping -c 4 -i 0.3 -W 1 $A2 2>&1)
d1=$(decrypted) r1=$(drops "${handle:-none}")
echo "  n2's SA from n1: ${d0:-?} -> ${d1:-?} packets; rule handle ${handle:-?}: ${r0:-?} -> ${r1:-?} drops"
assert_match "n1 -> n2 after enable-ipsec: every ping lost" ' 100% packet loss' "$out"
assert_eq "n2's SA from n1 decrypted the 4 pings" yes \
	"$([ "${d1:-0}" -ge $((${d0:-0} + 4)) ] && echo yes || echo "no (${d0:-?} -> ${d1:-?})")"
assert_eq "the rule preflight named (handle ${handle:-?}) dropped them after decryption" yes \
	"$([ -n "$r0" ] && [ "${r1:-0}" -ge $((r0 + 4)) ] && echo yes || echo "no (${r0:-?} -> ${r1:-?})")"
assert_match "n1 sent them as ESP (n1's SA to n2 counted them)" '[1-9][0-9]*\(packets\)' \
	"$(x n1 ip -s xfrm state list src $A1 dst $A2 proto esp)"

echo "# without the rule the same SAs carry the ping"
x n2 nft flush ruleset
out=$(x n1 ping -c 2 -i 0.3 -W 3 $A2 2>&1)
assert_match "n1 -> n2 through ESP once the rule is gone" ' 0% packet loss' "$out"
d2=$(decrypted)
assert_eq "n2's SA from n1 decrypted those too" yes \
	"$([ "${d2:-0}" -ge $((${d1:-0} + 2)) ] && echo yes || echo "no (${d1:-?} -> ${d2:-?})")"
ts disable-ipsec >"$WORK/disable" 2>&1
assert_eq "disable-ipsec: exit 0" 0 $?
nothing_left n1 n2
stamp "scenario done"
finish
