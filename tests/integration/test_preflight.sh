#!/bin/bash
# test_preflight.sh - `tsnet preflight` on a lab of real namespaces with
# real nftables rulesets loaded by nft: a default-drop firewall that
# blocks ESP is found and named, an iptables-nft xt match is reported as
# undecidable, a huge set, a deep jump chain and an empty ruleset are
# read, a node that cannot be reached gets its own row while the others
# complete (exit 3), and without CAP_NET_ADMIN the agents say so.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
need_root

[ -x "$TSNET" ] || fail_all "build tsnet first ($TSNET)"
command -v nft >/dev/null || skip_all "no nft"
command -v jq >/dev/null || skip_all "no jq"
L=tf3
BIN=$(mktemp -d /tmp/tf3.XXXXXX)
chmod 755 "$BIN"
cleanup() {
	"$LAB" down --name $L >/dev/null 2>&1
	rm -rf "$BIN"
}
trap cleanup EXIT
cp "$TSNET" "$BIN/tsnet" || fail_all "cannot copy $TSNET"
# shellcheck disable=SC2046
cc -O1 -o "$BIN/nft_xt" "$TOP/tests/integration/nft_xt.c" \
	$(pkg-config --cflags --libs libnftnl libmnl) ||
	fail_all "cannot build nft_xt"
"$LAB" up 4 --name $L >/dev/null || fail_all "lab up failed"
INV=$BIN/cluster.conf
sed "s|^remote_tsnet = .*|remote_tsnet = $BIN/tsnet|" \
	"$("$LAB" inventory --name $L)" >"$INV"
tf() { "$BIN/tsnet" -c "$INV" "$@"; }
x() { "$LAB" exec --name $L "$@"; }

# check JSON NODE ID -> "status|detail"
check() {
	printf '%s' "$1" | jq -r --arg n "$2" --arg id "$3" \
		'.nodes[]|select(.node==$n)|.checks[]|select(.id==$id)|
		 .status+"|"+.detail'
}

# n2: a default-drop host firewall that forgot ESP
x n2 nft -f - <<'EOF'
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		iif lo accept
		udp dport { 500, 4500 } accept
		tcp dport 22 accept
	}
}
EOF
# n3: what iptables-nft leaves: an xt conntrack match before the drop
x n3 "$BIN/nft_xt" || not_ok "nft_xt in n3"
# n4: a 100,000-element set and ESP dropped 15 jumps deep
{
	echo "table ip big {"
	echo " set many { type ipv4_addr; flags interval; elements = {"
	for i in $(seq 0 390); do
		printf ' 10.%d.0.0/24, 10.%d.1.0/24,' $((i / 256)) $((i % 256))
	done
	echo " 11.0.0.0/8 } }"
	echo " chain input { type filter hook input priority 0; policy accept;"
	echo "  ip saddr @many drop"
	echo "  jump j1; }"
	for i in $(seq 1 14); do echo " chain j$i { jump j$((i + 1)); }"; done
	echo " chain j15 { meta l4proto esp drop comment \"deep\"; }"
	echo "}"
	echo "table ip6 many {"
	echo " set s { type ipv6_addr; elements = {"
	seq 1 100000 | awk '{ printf "fd00:7473:99::%x:%x%s", int($1 / 65536), $1 % 65536,
		(NR < 100000 ? (NR % 1000 ? ", " : ",\n") : " } }\n") }'
	echo " chain input { type filter hook input priority 0; ip6 saddr @s drop; }"
	echo "}"
} >"$BIN/n4.nft"
x n4 nft -f "$BIN/n4.nft" 2>"$BIN/n4.err" ||
	not_ok "loading n4's ruleset: $(head -c 300 "$BIN/n4.err")"

out=$(tf --json preflight --no-probe 2>"$BIN/err")
rc=$?
assert_eq "a dropped flow makes preflight fail" 1 "$rc"
assert_eq "n2 input ESP: names the policy" \
	"fail|dropped by inet filter input policy drop (input hook) (from n1, n3, n4)" \
	"$(check "$out" n2 nft.in.esp)"
assert_eq "n2 input IKE accepted" "ok|accepted (from n1, n3, n4)" \
	"$(check "$out" n2 nft.in.udp500)"
assert_eq "n1 (empty ruleset) accepts ESP in" "ok|accepted (from n2, n3, n4)" \
	"$(check "$out" n1 nft.in.esp)"
assert_eq "n1 accepts ESP out" "ok|accepted (to n2, n3, n4)" \
	"$(check "$out" n1 nft.out.esp)"
assert_match "n3 ESP: the xt match is undecidable" \
	'^warn\|undecidable: xt match conntrack \(ip filter INPUT handle [0-9]+\) \(from n1, n2, n4 over IPv4\); accepted \(from n1, n2, n4 over IPv6\)$' \
	"$(check "$out" n3 nft.in.esp)"
assert_match "n3 IKE 500: the native drop before the xt match decides" \
	'^fail\|dropped by ip filter INPUT handle [0-9]+ \(input hook\)' \
	"$(check "$out" n3 nft.in.udp500)"
assert_eq "n4 ESP: dropped 15 jumps deep" \
	"fail|dropped by ip big j15 handle 19 \"deep\" (input hook) (from n1, n2, n3 over IPv4); accepted (from n1, n2, n3 over IPv6)" \
	"$(check "$out" n4 nft.in.esp | sed -E 's/handle [0-9]+/handle 19/')"
assert_eq "n4 IKE over IPv6: the 100,000-element set does not hold them" \
	"ok" "$(check "$out" n4 nft.in.udp500 | cut -d'|' -f1)"
assert_match "every node has host checks" "^ok\|" "$(check "$out" n4 kernel.xfrm)"
assert_match "clock offset judged" '^ok\|offset [-+][0-9]+ ms' \
	"$(check "$out" n3 clock)"
assert_match "cloud detected" '^ok\|none' "$(check "$out" n1 cloud)"
assert_eq "four rows" 4 "$(printf '%s' "$out" | jq '.nodes|length')"

# the full table (-v) names the same thing
txt=$(tf -v preflight --no-probe --node n2)
assert_match "table: n2 ESP row" \
	'n2 +nft.in.esp +fail +dropped by inet filter input policy drop' "$txt"
assert_eq "--node: one node only" 0 \
	"$(printf '%s\n' "$txt" | grep -c '^n[134] ')"

# a node that cannot be reached: its row says so, the others complete
cp "$INV" "$BIN/gone.conf"
printf '\n[node n9]\naddress = 198.18.1.9\nnetns = %s-n9\n' $L >>"$BIN/gone.conf"
out=$("$BIN/tsnet" -c "$BIN/gone.conf" --json preflight --no-probe 2>/dev/null)
rc=$?
assert_eq "unreachable node: exit 3" 3 "$rc"
assert_eq "unreachable row" "true" \
	"$(printf '%s' "$out" | jq -r '.nodes[]|select(.node=="n9")|.unreachable')"
assert_match "unreachable row says why" "tf3-n9|namespace|netns" \
	"$(printf '%s' "$out" | jq -r '.nodes[]|select(.node=="n9")|.error')"
assert_eq "the others completed" "fail|dropped by inet filter input policy drop (input hook) (from n1, n3, n4, n9)" \
	"$(check "$out" n2 nft.in.esp)"
# ... and with the probe: the nodes that answer are probed all the same
# (preflight runs probe/'s mesh itself; `tsnet --json probe` as a child
# exited 3 and the whole matrix was lost, as "could not run: ")
out=$("$BIN/tsnet" -c "$BIN/gone.conf" --json preflight 2>/dev/null)
assert_eq "unreachable node, probe: exit 3" 3 "$?"
assert_eq "unreachable node, probe: n1 -> n4 probed" "ok|ok" \
	"$(jq -r '.pairs[]|select(.from=="n1" and .to=="n4")|
		.udp500.verdict+"|"+.udp4500.verdict' <<<"$out")"
# its pairs name it; why is said once, in its row (not once per pair)
assert_match "unreachable node, probe: n9's pairs name it" \
	'^error\|n9 could not run the probe$' \
	"$(jq -r '.pairs[]|select(.from=="n1" and .to=="n9")|
		.esp.verdict+"|"+.esp.detail' <<<"$out")"
assert_match "unreachable node, probe: n9's row says why" "tf3-n9|namespace|netns" \
	"$(jq -r '.nodes[]|select(.node=="n9")|.error' <<<"$out")"
assert_eq "unreachable node, probe: no 'could not run' problem" "" \
	"$(jq -r '.problems[]|select(.what|test("matrix could not run"))|.what' <<<"$out")"

# no CAP_NET_ADMIN: the agent says which capability
noprv() { x n1 setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all "$@"; }
err=$(noprv "$BIN/tsnet" agent nft-eval 198.18.1.2 2>&1 >/dev/null)
assert_eq "nft-eval as nobody: exit 3" 3 "$?"
assert_match "nft-eval names CAP_NET_ADMIN" \
	'cannot read ruleset: Operation not permitted \(run as root or with CAP_NET_ADMIN\)' "$err"
err=$(echo '{"members":["198.18.1.1","198.18.1.2"]}' |
	noprv "$BIN/tsnet" agent nft-fix 2>&1 >/dev/null)
assert_eq "nft-fix as nobody: exit 3" 3 "$?"
assert_match "nft-fix names CAP_NET_ADMIN" 'CAP_NET_ADMIN' "$err"
err=$(noprv "$BIN/tsnet" agent nft-unfix 2>&1 >/dev/null)
assert_eq "nft-unfix as nobody: exit 3" 3 "$?"

# usage errors
assert_exit "--fix with --unfix" 2 tf preflight --fix --unfix
assert_exit "--node unknown" 2 tf preflight --node n7
assert_exit "stray argument" 2 tf preflight extra
# inside a lab node: a regression here must never reach the host's ruleset
assert_exit "nft-fix: bad member" 2 x n1 sh -c \
	"echo '{\"members\":[\"300.1.1.1\"]}' | $BIN/tsnet agent nft-fix"
assert_exit "nft-fix: no members" 2 x n1 sh -c \
	"echo '{\"members\":[]}' | $BIN/tsnet agent nft-fix"
assert_exit "nft-fix: not JSON" 2 x n1 sh -c "echo nope | $BIN/tsnet agent nft-fix"
# without the privilege to change the node, nft-fix refuses before it
# reads the request or the ruleset (agent.c's node lock): one line, exit 3
err=$(echo '{"members":[]}' | noprv "$BIN/tsnet" agent nft-fix 2>&1 >/dev/null)
assert_eq "nft-fix: as nobody: exit 3" 3 "$?"
assert_match "nft-fix: as nobody: one line, the privilege it needs" \
	'^tsnet: agent nft-fix: needs root or CAP_NET_ADMIN [^;]*; nothing was changed$' "$err"
finish
