#!/bin/bash
# test_preflight_ipsec.sh - preflight's verdict on what IPsec brings
# besides IKE and ESP, from each node's real nftables ruleset (the
# evaluator is static: no ESP needed): (a) an open cluster passes both
# checks; (b) ICMP fragmentation-needed dropped by a rule, and by a
# stateful policy that accepts established but not related, each named
# (nft.icmp.ptb), and accepted once related is; (c) a ruleset that drops
# the members' decrypted traffic (meta ipsec exists, ipsec in ip saddr)
# named with its rule and peers (nft.decrypted), while one that drops
# the same traffic as cleartext too is no IPsec problem.
. "$(dirname "$0")/lib.sh"
need_root
L=tpi1

cleanup() { "$LAB" down --name $L >/dev/null 2>&1; }
trap cleanup EXIT
command -v jq >/dev/null || skip_all "needs jq"
"$LAB" up 3 --name $L >/dev/null || fail_all "cannot start the lab"
INV=$("$LAB" inventory --name $L)
in_node() { "$LAB" exec --name $L "$@"; }
pf() { "$TSNET" -c "$INV" preflight --json --no-probe 2>/dev/null; }
# check ID -> "node:status" for every node
status() { jq -r --arg id "$2" '[.nodes[] | .node as $n | .checks[] | select(.id == $id) | "\($n):\(.status)"] | join(" ")' <<<"$1"; }
detail() { jq -r --arg n "$2" --arg id "$3" '.nodes[] | select(.node == $n) | .checks[] | select(.id == $id) | .detail' <<<"$1"; }

echo "# (a) no ruleset anywhere"
out=$(pf)
assert_eq "(a) nft.icmp.ptb ok on every node" "n1:ok n2:ok n3:ok" "$(status "$out" nft.icmp.ptb)"
assert_eq "(a) nft.decrypted ok on every node" "n1:ok n2:ok n3:ok" "$(status "$out" nft.decrypted)"

echo "# (b) n2 drops ICMP fragmentation-needed"
in_node n2 nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		icmp type destination-unreachable icmp code frag-needed drop comment "no pmtu"
	}
}
NFT
out=$(pf)
assert_eq "(b) nft.icmp.ptb fails on n2 only" "n1:ok n2:fail n3:ok" "$(status "$out" nft.icmp.ptb)"
assert_match "(b) it names the rule as nft prints it, and both peers" \
	'^ICMP fragmentation-needed \(ICMPv6 packet-too-big\) is dropped: path MTU discovery breaks under ESP, which makes packets larger \(from n1: dropped by inet filter input handle [0-9]+ "no pmtu" \(input hook\): icmp type destination-unreachable icmp code frag-needed drop comment "no pmtu"; from n3: ' \
	"$(detail "$out" n2 nft.icmp.ptb)"
assert_match "(b) and it is a problem of the report, with the fix" \
	'^nft.icmp.ptb .*ct state related accept' \
	"$(jq -r '.problems[] | "\(.id) \(.fix)"' <<<"$out")"
in_node n2 nft flush ruleset
in_node n2 nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		ct state established accept
		udp dport { 500, 4500 } accept
		meta l4proto esp accept
		meta l4proto tcp accept
	}
}
NFT
out=$(pf)
assert_match "(b) a policy drop with established but not related accepted: dropped by the policy" \
	'is dropped: .*from n1: dropped by inet filter input policy drop' "$(detail "$out" n2 nft.icmp.ptb)"
in_node n2 nft insert rule inet filter input ct state related accept
out=$(pf)
assert_eq "(b) with ct state related accepted: ok" "n1:ok n2:ok n3:ok" "$(status "$out" nft.icmp.ptb)"
assert_eq "(b) that ruleset accepts decrypted traffic as it does cleartext" "n2:ok" \
	"$(status "$out" nft.decrypted | tr ' ' '\n' | grep n2)"
in_node n2 nft flush ruleset

echo "# (c) n3 drops the members' traffic after decryption"
in_node n3 nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		meta ipsec exists drop comment "no decrypted"
	}
}
NFT
out=$(pf)
assert_eq "(c) nft.decrypted fails on n3 only" "n1:ok n2:ok n3:fail" "$(status "$out" nft.decrypted)"
assert_match "(c) named with its rule, from both peers" \
	'^the members.* traffic is dropped after decryption, where as cleartext it is not: .*\(from n1: dropped by inet filter input handle [0-9]+ "no decrypted" \(input hook\): meta ipsec exists drop comment "no decrypted"(;.*)?; from n2: ' \
	"$(detail "$out" n3 nft.decrypted)"
assert_match "(c) the problem's fix: accept decrypted member traffic" \
	'^nft.decrypted .*meta ipsec exists ip saddr \{ MEMBERS \} accept' \
	"$(jq -r '.problems[] | "\(.id) \(.fix)"' <<<"$out")"
assert_eq "(c) ICMP is not affected (an ICMP error is no decrypted packet)" "n1:ok n2:ok n3:ok" \
	"$(status "$out" nft.icmp.ptb)"
in_node n3 nft flush ruleset
in_node n3 nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		ipsec in ip saddr 198.18.1.1 drop comment "not from n1's SA"
	}
}
NFT
out=$(pf)
assert_match "(c) ipsec in ip saddr (nft_xfrm): the SA from n1 only" \
	'\(from n1: dropped by inet filter input handle [0-9]+ "not from n1.s SA" \(input hook\)[^;]*\)$' \
	"$(detail "$out" n3 nft.decrypted)"
in_node n3 nft flush ruleset
in_node n3 nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		meta l4proto tcp drop comment "no tcp at all"
	}
}
NFT
out=$(pf)
assert_eq "(c) a rule that drops the same traffic as cleartext too: no IPsec problem" \
	"n1:ok n2:ok n3:ok" "$(status "$out" nft.decrypted)"
in_node n3 nft flush ruleset
finish
