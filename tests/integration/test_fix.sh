#!/bin/bash
# test_fix.sh - `tsnet preflight --fix` / `--unfix` on a lab with real
# nftables: a node whose default-drop firewall (and a raw prerouting
# chain) drop ESP fails preflight naming them; --fix opens exactly the
# three flows between members in one batch, and real packets get
# through; --fix twice changes nothing; --unfix gives back the ruleset
# text as it was; a foreign table inet tsnet is refused; a member update
# keeps the rule count; the state file records what was inserted.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
need_root

[ -x "$TSNET" ] || fail_all "build tsnet first ($TSNET)"
command -v nft >/dev/null || skip_all "no nft"
command -v jq >/dev/null || skip_all "no jq"
SENDPKT=$TOP/build/helpers/sendpkt
NFTSETS=$TOP/build/helpers/nft_sets
[ -x "$SENDPKT" ] && [ -x "$NFTSETS" ] ||
	fail_all "build the helpers first (make helpers)"
L=tf2
BIN=$(mktemp -d /tmp/tf2.XXXXXX)
chmod 755 "$BIN"
cleanup() {
	"$LAB" down --name $L >/dev/null 2>&1
	rm -rf "$BIN"
}
trap cleanup EXIT
{ cp "$TSNET" "$BIN/tsnet" && cp "$SENDPKT" "$BIN/sendpkt" &&
	cp "$NFTSETS" "$BIN/nft_sets"; } ||
	fail_all "cannot copy the binaries"
cc -O1 -o "$BIN/nft_probe" "$TOP/tests/integration/nft_probe.c" ||
	fail_all "cannot build nft_probe"
"$LAB" up 3 --name $L >/dev/null || fail_all "lab up failed"
INV=$BIN/cluster.conf
sed "s|^remote_tsnet = .*|remote_tsnet = $BIN/tsnet|" \
	"$("$LAB" inventory --name $L)" >"$INV"
tf() { "$BIN/tsnet" -c "$INV" "$@"; }
x() { "$LAB" exec --name $L "$@"; }
check() {
	printf '%s' "$1" | jq -r --arg n "$2" --arg id "$3" \
		'.nodes[]|select(.node==$n)|.checks[]|select(.id==$id)|
		 .status+"|"+.detail'
}
nft_checks() {	# JSON NODE -> the statuses of the six firewall checks
	printf '%s' "$1" | jq -r --arg n "$2" '[.nodes[]|select(.node==$n)|
		.checks[]|select(.id|startswith("nft.in.") or
		startswith("nft.out."))|.status]|join(",")'
}
# got NODE-FROM NODE-TO: what of ESP, UDP 500 and UDP 4500 (IPv4) reached
# the receiver's sockets (sent by sendpkt, received by nft_probe).
got() {
	local r=$BIN/ready.$RANDOM d=$BIN/done.$RANDOM pid
	x "$2" "$BIN/nft_probe" listen 4 "$r" "$d" >"$BIN/got" &
	pid=$!
	for _ in $(seq 300); do [ -e "$r" ] && break; sleep 0.02; done
	local dst=198.18.1.${2#n}
	x "$1" "$BIN/sendpkt" esp "$dst" 0x1234 >/dev/null 2>&1
	x "$1" "$BIN/sendpkt" udp "$dst" 500 00000000 >/dev/null 2>&1
	x "$1" "$BIN/sendpkt" udp "$dst" 4500 ff >/dev/null 2>&1
	touch "$d"
	wait "$pid"
	sort "$BIN/got" | tr '\n' ' '
}

# n2: default drop without ESP, and a raw chain that drops ESP earlier
x n2 nft -f - <<'EOF'
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		iif lo accept
		udp dport { 500, 4500 } accept
		tcp dport 22 accept
	}
	chain output {
		type filter hook output priority 0; policy accept;
	}
}
table ip raw {
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		meta l4proto esp drop comment "no esp"
	}
}
EOF
before=$(x n2 nft list ruleset)

pair() {	# JSON FROM TO PROTO -> the probe's verdict
	printf '%s' "$1" | jq -r --arg f "$2" --arg t "$3" --arg p "$4" \
		'.pairs[]|select(.from==$f and .to==$t)|.[$p].verdict'
}
out=$(tf --json preflight)
assert_eq "before: preflight fails" 1 "$?"
assert_eq "before: the probe sees ESP n1 -> n2 dropped" \
	dropped-by-peer-firewall "$(pair "$out" n1 n2 esp)"
assert_eq "before: the probe sees IKE n1 -> n2 pass" ok \
	"$(pair "$out" n1 n2 udp500)"
assert_match "before: n2 ESP in dropped, named" \
	'^fail\|dropped by ip raw pre handle [0-9]+ "no esp" \(prerouting hook\) \(from n1, n3 over IPv4\); dropped by inet filter input policy drop \(input hook\) \(from n1, n3 over IPv6\)$' \
	"$(check "$out" n2 nft.in.esp)"
assert_eq "before: a real ESP packet n1 -> n2 is dropped" "udp4500 udp500 " \
	"$(got n1 n2)"

out=$(tf --json preflight --no-probe --fix)
assert_match "fix: n2 applied and verified" \
	'^ok\|applied: table inet tsnet, 14 rules; accepts inserted in ip raw pre, inet filter input; verified: every flow accepted$' \
	"$(check "$out" n2 nft.fix)"
assert_match "fix: n1 gets only the table" \
	'^ok\|applied: table inet tsnet, 8 rules; verified' \
	"$(check "$out" n1 nft.fix)"
assert_eq "fix: says it is not persistent (no systemd)" \
	"ok|not persistent: no systemd (files written: /etc/tsnet/nftables.nft)" \
	"$(check "$out" n2 nft.persist)"
assert_eq "fix: every firewall check passes on n2" "ok,ok,ok,ok,ok,ok" \
	"$(nft_checks "$out" n2)"
assert_eq "fix: every firewall check passes on n1" "ok,ok,ok,ok,ok,ok" \
	"$(nft_checks "$out" n1)"
out=$(tf --json preflight)
assert_eq "fix: the probe sees ESP n1 -> n2 arrive" ok "$(pair "$out" n1 n2 esp)"
assert_eq "fix: and n3 -> n2" ok "$(pair "$out" n3 n2 esp)"
assert_eq "fix: nothing fails but the kernel's missing ESP" \
	"kernel.esp kernel.gcm" "$(printf '%s' "$out" | jq -r \
	'[.nodes[].checks[]|select(.status=="fail")|.id]|unique|join(" ")')"
assert_eq "fix: a real ESP packet n1 -> n2 gets through" \
	"esp udp4500 udp500 " "$(got n1 n2)"
fixed=$(x n2 nft list ruleset)
# ip raw sees IPv4 only: 2 there, 4 in the inet chain
assert_eq "fix: two tagged accepts per family in each dropping chain" 6 \
	"$(printf '%s\n' "$fixed" | grep -c 'comment "tsnet: allow IPsec between cluster members"')"
assert_match "fix: tagged accept names the members inline" \
	'ip saddr \{ 198.18.1.1, 198.18.1.2, 198.18.1.3 \} meta l4proto esp accept comment "tsnet: allow IPsec between cluster members"' \
	"$fixed"
assert_match "fix: our table carries its comment" 'comment "tsnet"' "$fixed"
st=$(x n2 cat /var/lib/tsnet/nftables.json)
assert_eq "state: the handles of the inserted rules" \
	"$(x n2 nft -a list chain ip raw pre | grep -c 'tsnet: allow' )" \
	"$(printf '%s' "$st" | jq '[.inserted[]|select(.table=="raw")|.handles[]]|length')"
assert_eq "state file 0600" 600 "$(x n2 stat -c %a /var/lib/tsnet/nftables.json)"
# (its members in the order the coordinator sends them: the inventory's)
assert_eq "state: the members, in order, then what was inserted" \
	"198.18.1.1 fd00:7473:1::1 198.18.1.2 fd00:7473:1::2 198.18.1.3 fd00:7473:1::3|version table tag members inserted persist" \
	"$(printf '%s' "$st" | jq -r '(.members|join(" ")) + "|" + (keys_unsorted|join(" "))')"
assert_match "snapshot of the ruleset before" \
	'ip raw chain pre .*policy accept.*' \
	"$(x n2 cat /var/lib/tsnet/nftables-before.txt)"
assert_match "snapshot: the rule with its values and comment" \
	'handle [0-9]+: meta l4proto => reg 1; cmp eq reg 1 32; drop  # "no esp"' \
	"$(x n2 cat /var/lib/tsnet/nftables-before.txt)"
assert_match "snapshot: tcp dport 22, value included" \
	'cmp eq reg 1 06; payload @th,16,16 => reg 1; cmp eq reg 1 0016; accept' \
	"$(x n2 cat /var/lib/tsnet/nftables-before.txt)"
assert_match "snapshot: the anonymous set's elements" \
	$'inet filter set __set[0-9]+: 2 elements$\n^\t\t01f4$\n^\t\t1194$' \
	"$(x n2 cat /var/lib/tsnet/nftables-before.txt)"
assert_exit "the reboot file is valid nft" 0 x n2 nft -c -f /etc/tsnet/nftables.nft
# As nft's own, the accepts' anonymous sets declare their size, so the
# kernel builds a hash of that size (nft list does not show it)
sets=$(x n2 "$BIN/nft_sets")
assert_match "fix: the members' anonymous sets say their size (3)" \
	'^ip raw __set[0-9]+ anonymous size 3 keylen 4$' "$sets"
assert_eq "fix: no anonymous set without its size" 0 \
	"$(printf '%s\n' "$sets" | grep -c 'anonymous size 0 ')"

out=$(tf --json preflight --no-probe --fix)
assert_match "fix twice: nothing changed" '^ok\|already in place, nothing changed' \
	"$(check "$out" n2 nft.fix)"
assert_eq "fix twice: identical ruleset" "$fixed" "$(x n2 nft list ruleset)"

# node add: a fourth member; the rule count stays, the sets grow
req='{"members":["198.18.1.1","198.18.1.2","198.18.1.3","198.18.1.4",
 "fd00:7473:1::1","fd00:7473:1::2","fd00:7473:1::3"],"update_only":true}'
rules_before=$(x n2 nft -a list ruleset | grep -c 'handle [0-9]*$')
r=$(echo "$req" | x n2 "$BIN/tsnet" agent nft-fix)
assert_eq "update: changed" true "$(printf '%s' "$r" | jq .changed)"
assert_eq "update: same number of rules" "$rules_before" \
	"$(x n2 nft -a list ruleset | grep -c 'handle [0-9]*$')"
assert_match "update: the set holds the new member" '198.18.1.4' \
	"$(x n2 nft list set inet tsnet members4)"
assert_eq "update: the state's members, in order" \
	"198.18.1.1 198.18.1.2 198.18.1.3 198.18.1.4 fd00:7473:1::1 fd00:7473:1::2 fd00:7473:1::3" \
	"$(x n2 jq -r '.members|join(" ")' /var/lib/tsnet/nftables.json)"
r=$(echo "$req" | x n1 sh -c "nft delete table inet tsnet; rm -f /var/lib/tsnet/nftables.json; $BIN/tsnet agent nft-fix")
assert_eq "update without a fix in place: nothing" false \
	"$(printf '%s' "$r" | jq .changed)"
assert_eq "update without a fix in place: no table" "" \
	"$(x n1 nft list tables | grep tsnet)"
assert_eq "update without a fix in place: says so" \
	"no fix in place: nothing to update" "$(printf '%s' "$r" | jq -r .persist)"

out=$(tf --json preflight --unfix)
assert_eq "unfix: exit 0" 0 "$?"
assert_match "unfix: n2 removed" '^ok\|removed \(14 rules\)' \
	"$(check "$out" n2 nft.unfix)"
assert_eq "unfix: the ruleset text is what it was" "$before" \
	"$(x n2 nft list ruleset)"
assert_eq "unfix: state file gone" no \
	"$(x n2 sh -c 'test -e /var/lib/tsnet/nftables.json && echo yes || echo no')"
assert_eq "unfix: reboot file gone" no \
	"$(x n2 sh -c 'test -e /etc/tsnet/nftables.nft && echo yes || echo no')"
assert_eq "unfix: ESP is dropped again" "udp4500 udp500 " "$(got n1 n2)"
out=$(tf --json preflight --unfix)
assert_match "unfix twice: nothing to remove" '^ok\|nothing to remove' \
	"$(check "$out" n2 nft.unfix)"

# a table inet tsnet that tsnet did not create is never touched
x n3 nft add table inet tsnet
x n3 nft add chain inet tsnet mine
foreign=$(x n3 nft list ruleset)
out=$(tf --json preflight --no-probe --fix 2>/dev/null)
assert_eq "foreign table: exit 1" 1 "$?"
assert_match "foreign table: refused with why" \
	'^fail\|table inet tsnet exists and tsnet did not create it' \
	"$(check "$out" n3 nft.fix)"
assert_eq "foreign table: untouched" "$foreign" "$(x n3 nft list ruleset)"
out=$(tf --json preflight --unfix --node n3)
assert_eq "foreign table: unfix leaves it" "$foreign" "$(x n3 nft list ruleset)"
assert_match "foreign table: unfix says so" 'left alone' \
	"$(check "$out" n3 nft.table)"
# The snapshot is written before the change.  When it cannot be (here a
# full disk), --fix stops there with the ruleset untouched and says
# which file and why.  In a mount namespace of its own, so the small
# /var/lib/tsnet goes with it.
x n1 nft flush ruleset
"$TOP/tests/data/nft/many-rules.sh" 1000 | x n1 nft -f -
before1=$(x n1 nft list ruleset)
r=$(echo '{"members":["198.18.1.1","198.18.1.2"],"no_persist":true}' |
	x n1 unshare -m sh -c '
	mount -t tmpfs -o size=64k tf2-full /var/lib/tsnet || exit 9
	"$1/tsnet" agent nft-fix >"$1/full.json" 2>"$1/full.err"
	echo "rc=$?"
	echo "files=$(ls -A /var/lib/tsnet | wc -l)"
	echo "accepts=$(nft list ruleset | grep -c "tsnet: allow")"' sh "$BIN")
assert_eq "disk full: exit 3, no file left, no accept inserted" \
	"rc=3 files=0 accepts=0" "$(printf '%s' "$r" | tr '\n' ' ' | sed 's/ $//')"
assert_match "disk full: one line, which file and why" \
	'^tsnet: agent nft-fix: cannot write /var/lib/tsnet/nftables-before.txt: No space left on device$' \
	"$(cat "$BIN/full.err")"
assert_eq "disk full: the reply says unchanged" false \
	"$(jq .changed "$BIN/full.json")"
assert_eq "disk full: the ruleset untouched" "$before1" \
	"$(x n1 nft list ruleset)"
# Nor can a read-only /var/lib/tsnet hold it: no change either.
r=$(echo '{"members":["198.18.1.1","198.18.1.2"],"no_persist":true}' |
	x n1 unshare -m sh -c '
	mount -t tmpfs -o ro tf2-ro /var/lib/tsnet || exit 9
	"$1/tsnet" agent nft-fix >/dev/null 2>"$1/ro.err"
	echo "rc=$?"
	nft list ruleset | grep -c "tsnet: allow"' sh "$BIN")
assert_eq "read-only state dir: exit 3, no accept inserted" "rc=3 0" \
	"$(printf '%s' "$r" | tr '\n' ' ' | sed 's/ $//')"
assert_match "read-only state dir: one line, which file and why" \
	'^tsnet: agent nft-fix: cannot write /var/lib/tsnet/nftables-before.txt: Read-only file system$' \
	"$(cat "$BIN/ro.err")"
assert_eq "read-only state dir: no table inet tsnet" "" \
	"$(x n1 nft list tables | grep tsnet)"
# With no thread to be had (one process for the user), the reader parses
# the rules itself, and the rest is as ever.  CAP_DAC_READ_SEARCH: the
# node lock is root's, 0600; with it the user opens it for reading,
# which is enough to flock it.
r=$(echo '{"members":["198.18.1.1","198.18.1.2"],"no_persist":true}' |
	x n1 unshare -m sh -c '
	mount -t tmpfs -o uid=65534,gid=65534 tf2-nt /var/lib/tsnet || exit 9
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=+net_admin,+dac_read_search \
		--ambient-caps=+net_admin,+dac_read_search \
		bash -c "ulimit -u 1 && exec \"\$0\" agent nft-fix" "$1/tsnet" \
		>"$1/nt.json" 2>"$1/nt.err"
	echo "rc=$?"
	head -1 /var/lib/tsnet/nftables-before.txt
	grep -c "^		handle [0-9]*: " /var/lib/tsnet/nftables-before.txt
	"$1/tsnet" agent nft-unfix >/dev/null 2>&1
	echo "unfix=$?"' sh "$BIN")
assert_eq "no thread: exit 0, the snapshot whole, unfix 0" \
	"rc=0 # ruleset before tsnet preflight --fix: 1 tables, 1 chains, 1000 rules, 0 sets 1000 unfix=0" \
	"$(printf '%s' "$r" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "no thread: nothing on stderr" "" "$(cat "$BIN/nt.err")"
assert_eq "no thread: unfix gives the ruleset back" "$before1" \
	"$(x n1 nft list ruleset)"
# 6,000 members: a batch of some 330 KB, past the batch buffer's first
# size and past the socket's default send buffer (208 KiB: EMSGSIZE)
python3 -c '
import json
m = ["198.18.1.1"] + ["198.18.%d.%d" % (10 + i // 250, i % 250 + 1)
                      for i in range(5999)]
print(json.dumps({"members": m, "no_persist": True}))' >"$BIN/big.json"
r=$(x n1 sh -c '"$1/tsnet" agent nft-fix <"$1/big.json"; echo "rc=$?"' sh "$BIN")
assert_match "6,000 members: exit 0, changed" '"changed":true.*rc=0' \
	"$(printf '%s' "$r" | tr -d '\n ')"
assert_eq "6,000 members: all in the set" 6000 \
	"$(x n1 nft -j list set inet tsnet members4 |
		jq '[.nftables[].set.elem // empty] | .[0] | length')"
x n1 "$BIN/tsnet" agent nft-unfix >/dev/null
assert_eq "6,000 members: unfix gives the ruleset back" "$before1" \
	"$(x n1 nft list ruleset)"
finish
