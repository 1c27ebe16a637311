#!/bin/bash
# test_unfix_ct.sh - closed means closed (issue 16, 5), on a 3-node host
# lab with real packets: n2's firewall accepts `ct state established`
# and drops IKE and ESP otherwise.  preflight --fix opens them; an IKE
# (UDP 500 to 500) and an ESP flow between n1 and n2 go both ways and
# are established in n2's conntrack (n1 has no stateful rule, so its
# namespace tracks nothing); preflight --unfix removes the rules and
# ends those flows: n2's conntrack holds none of them, and the
# next packets of the same flows from n1 meet n2's drop rules (their
# counters move), as a new flow would.
. "$(dirname "$0")/lib.sh"
need_root

NAME=tu1
WORK=$(mktemp -d /tmp/tu-unfix.XXXXXX)
chmod 755 "$WORK"
cleanup() { "$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT
command -v conntrack >/dev/null || fail_all "needs conntrack (make deps)"
PY=/usr/bin/python3
cp "$TSNET" "$WORK/tsnet" || fail_all "cannot copy $TSNET"
FLOW=$TOP/tests/helpers/ike_flow.py
LAB_QUIET=1 "$LAB" up 3 --name $NAME >/dev/null || fail_all "lab up failed"
x() { "$LAB" exec --name $NAME "$@"; }
INV=$WORK/cluster.conf
sed "s|^remote_tsnet = .*|remote_tsnet = $WORK/tsnet|" \
	"$("$LAB" inventory --name $NAME)" >"$INV"
x n2 nft -f - <<'NFT' || fail_all "n2's ruleset"
table inet tu {
	chain input {
		type filter hook input priority 0; policy accept;
		ct state established accept
		udp dport 500 counter drop comment "tu-ike"
		meta l4proto esp counter drop comment "tu-esp"
	}
}
NFT
drops() {	# the packets n2's two drop rules counted: "IKE ESP"
	x n2 nft list chain inet tu input |
		sed -n 's/.*counter packets \([0-9]*\) .*comment "tu-\(ike\|esp\)".*/\1/p' |
		paste -sd' '
}
flows() {	# NODE: its conntrack entries of IKE 500 and ESP with the peer
	x "$1" conntrack -L 2>/dev/null |
		grep -E '^(udp .*sport=500 dport=500|unknown +50 )' |
		grep -c '198\.18\.1\.[12] .*198\.18\.1\.[12]'
}
both_ways() {
	x n1 $PY "$FLOW" 198.18.1.1 198.18.1.2
	x n2 $PY "$FLOW" 198.18.1.2 198.18.1.1
}

"$WORK/tsnet" -c "$INV" preflight --fix --no-probe >/dev/null 2>&1
assert_match "preflight --fix opened IPsec on n2" 'tsnet' \
	"$(x n2 nft list ruleset)"
both_ways
assert_eq "while open: n2's drop rules saw nothing" "0 0" "$(drops)"
assert_eq "while open: n2 tracks the IKE and the ESP flow" 2 "$(flows n2)"

out=$("$WORK/tsnet" -c "$INV" --json preflight --unfix 2>&1)
assert_nomatch "preflight --unfix: no error" '"error": ?"' "$out"
assert_nomatch "--unfix removed tsnet's rules on n2" 'tsnet' \
	"$(x n2 nft list ruleset)"
assert_eq "after --unfix: n2 tracks no IKE or ESP flow with n1" 0 "$(flows n2)"
x n1 $PY "$FLOW" 198.18.1.1 198.18.1.2
assert_eq "the same flows again from n1: dropped as new by n2 (IKE ESP)" \
	"1 1" "$(drops)"
finish
