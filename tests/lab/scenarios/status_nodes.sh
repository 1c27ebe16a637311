#!/bin/bash
# status_nodes.sh - tsnet status and node add/remove with kernel ESP (run
# by tests/integration/test_esp_vm.sh through tests/lab/esp-run):
#
#   - enable-ipsec on n1..n3, a ping per pair, then status: every pair
#     "ok" with both sides INSTALLED, TRANSPORT, AES_GCM_16, packets in
#     and out non-zero, one plan hash on every node, exit 0;
#   - node add n4: 6 pairs, all ok, four equal plan hashes;
#   - node remove n4: back to 3 pairs, all ok; n4 has no tsnet file, no
#     xfrm state or policy, no nft rule left;
#   - no key in any output.
NAME=tb3
. "$(dirname "$0")/enable_lib.sh"
WORK=$(mktemp -d)
trap '"$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$WORK"' EXIT
T0=$(date +%s)
LAB_QUIET=1 "$LAB" up 4 --name $NAME >/dev/null || { not_ok "lab up"; finish; exit 1; }
INV=$WORK/cluster.conf
OUT=$WORK/all-output
sed "s|^remote_tsnet = .*|remote_tsnet = $T|" "$(inv)" |
	awk '/^\[node n4\]/ { skip = 1; next } /^\[/ { skip = 0 } !skip' >"$INV"
ts() { "$T" -c "$INV" "$@"; }
stamp "lab up"

# pings PAIR...: one ping each way per pair "a b" (node numbers)
pings() {
	local p a b
	for p in "$@"; do
		read -r a b <<<"$p"
		x "n$a" ping -c 2 -i 0.3 -W 3 "198.18.1.$b" >/dev/null 2>&1
		x "n$b" ping -c 2 -i 0.3 -W 3 "198.18.1.$a" >/dev/null 2>&1
	done
}

# check_status NPAIRS: status --json judged by python: prints one line
# per failed expectation, nothing when every pair is right.
check_status() {
	python3 -c '
import json, sys
s = json.load(sys.stdin)
want = int(sys.argv[1])
nodes = [n for n in s["nodes"]]
if len(s["pairs"]) != want:
    print("pairs: %d, want %d" % (len(s["pairs"]), want))
for p in s["pairs"]:
    if p["state"] != "ok":
        print("pair %s-%s: %s %s" % (p["a"], p["b"], p["state"], p["detail"]))
for n in nodes:
    sas = {sa["peer"]: sa for sa in (n["sas"] or [])
           if sa.get("child_state") == "INSTALLED"}
    for m in nodes:
        if m is n:
            continue
        sa = sas.get(m["node"])
        if not sa:
            print("%s: no INSTALLED SA with %s" % (n["node"], m["node"]))
            continue
        if sa["mode"] != "TRANSPORT" or sa["encr_alg"] != "AES_GCM_16":
            print("%s-%s: %s %s" % (n["node"], m["node"], sa["mode"], sa["encr_alg"]))
        if not (sa["packets_in"] > 0 and sa["packets_out"] > 0 and sa["bytes_in"] > 0):
            print("%s-%s: no packets counted" % (n["node"], m["node"]))
        if not sa.get("rekey_time", 0) > 0:
            print("%s-%s: no rekey time" % (n["node"], m["node"]))
hashes = set(n["plan_hash"] for n in nodes)
if len(hashes) != 1 or None in hashes or not s["plan_consistent"]:
    print("plan hashes: %s" % sorted(map(str, hashes)))
if s["exit"] != 0:
    print("exit %d: %s" % (s["exit"], s["problems"]))
' "$1"
}

ts enable-ipsec --no-verify --timeout 300 >>"$OUT" 2>&1
assert_eq "enable-ipsec on n1..n3 exit" 0 $?
stamp "enable-ipsec done"
pings "1 2" "1 3" "2 3"
js=$(ts --json status 2>&1)
rc=$?
echo "$js" >>"$OUT"
assert_eq "status exit, 3 nodes" 0 "$rc"
assert_eq "status: 3 pairs INSTALLED TRANSPORT AES_GCM_16, packets, one plan" "" \
	"$(check_status 3 <<<"$js")"
tbl=$(ts status 2>&1)
echo "$tbl" >>"$OUT"
echo "$tbl"
assert_match "table: n1-n2 ok" 'n1-n2 +ok' "$tbl"
assert_match "table: n1's SA with n2" 'n1 +n2 +ESTABLISHED +INSTALLED +TRANSPORT +AES_GCM_16-(128|256) +[1-9]' "$tbl"
stamp "status done"

ts node add n4 198.18.1.4 --netns $NAME-n4 --timeout 300 >>"$WORK/add" 2>&1
rc=$?
tee -a "$OUT" <"$WORK/add"
assert_eq "node add n4 exit" 0 "$rc"
assert_match "n4 brought its 3 pairs up" 'pair n4-n1: up' "$(cat "$WORK/add")"
stamp "node add done"
pings "1 4" "2 4" "3 4"
js=$(ts --json status 2>&1)
rc=$?
echo "$js" >>"$OUT"
assert_eq "status exit, 4 nodes" 0 "$rc"
assert_eq "status: 6 pairs INSTALLED TRANSPORT AES_GCM_16, packets, one plan" "" \
	"$(check_status 6 <<<"$js")"
for n in n1 n2 n3 n4; do
	assert_eq "$n: swanctl: 3 CHILD_SAs INSTALLED, TRANSPORT" 3 \
		"$(x $n swanctl --list-sas 2>&1 | grep -c 'INSTALLED, TRANSPORT')"
done
keys=$(for n in n1 n2 n3 n4; do
	x $n sed -n 's/.*secret = 0x//p' /etc/swanctl/conf.d/tsnet-secrets.conf
done)

ts node remove n4 --timeout 300 >>"$WORK/rm" 2>&1
rc=$?
tee -a "$OUT" <"$WORK/rm"
assert_eq "node remove n4 exit" 0 "$rc"
stamp "node remove done"
nothing_left n4
assert_eq "n4: no nft rule" "" "$(x n4 nft list ruleset 2>/dev/null | grep -v '^$')"
pings "1 2" "1 3" "2 3"
js=$(ts --json status 2>&1)
rc=$?
echo "$js" >>"$OUT"
assert_eq "status exit, back to 3" 0 "$rc"
assert_eq "status: 3 pairs again, all right" "" "$(check_status 3 <<<"$js")"
for n in n1 n2 n3; do
	assert_eq "$n: no connection to n4 left" "" \
		"$(x $n swanctl --list-conns 2>&1 | grep tsnet-n4)"
	assert_eq "$n: no key for n4 left" 0 \
		"$(x $n grep -c 'ike-tsnet-n4' /etc/swanctl/conf.d/tsnet-secrets.conf)"
done
leaked=0
for k in $keys; do grep -q "$k" "$OUT" && leaked=$((leaked + 1)); done
assert_eq "no key ($(wc -w <<<"$keys") of them) in any output" 0 "$leaked"
ts disable-ipsec >/dev/null 2>&1
stamp "scenario done"
finish
