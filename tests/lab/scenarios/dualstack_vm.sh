#!/bin/bash
# dualstack_vm.sh - enable-ipsec on a dual-stack cluster with kernel ESP
# (run by tests/integration/test_dualstack_vm.sh through
# tests/lab/esp-run): the lab's nodes keep their address6.
#
#   - enable-ipsec: each pair gets its IPv4 and its IPv6 connection
#     (tsnet-PEER, tsnet-PEER_v6), both INSTALLED in transport mode: 4
#     CHILD_SAs and 8 ESP states (4 of them between fd00:7473:: addresses)
#     on each of n1..n3, and a secret entry per connection;
#   - live `tsnet verify`: all 6 rows (3 pairs x 2 families) encrypted,
#     ESP both ways, every SPI a live SA's, no LEAK, exit 0;
#   - status: exit 0, the IPv6 SAs in its table; with n1's inbound IPv6
#     SA from n2 deleted by hand, status names that pair's IPv6 states
#     (exit 1) while its IPv4 ones stay fine;
#   - disable-ipsec removes both connections: nothing of tsnet's left.
NAME=tv6
. "$(dirname "$0")/enable_lib.sh"
WORK=$(mktemp -d)
trap '"$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$WORK"' EXIT
T0=$(date +%s)
LAB_QUIET=1 "$LAB" up 3 --name $NAME >/dev/null || { not_ok "lab up"; finish; exit 1; }
INV=$(inv)
ts() { "$T" -c "$INV" "$@"; }
B1=fd00:7473:1::1 B2=fd00:7473:1::2
assert_eq "the inventory is dual-stack (3 address6)" 3 \
	"$(grep -c '^address6 = fd00:7473:' "$INV")"
stamp "lab up"

ts enable-ipsec --no-verify --timeout 300 >"$WORK/enable.out" 2>&1
rc=$?
cat "$WORK/enable.out"
assert_eq "enable-ipsec on the dual-stack n1..n3 exit" 0 "$rc"
stamp "enable-ipsec done"

for n in n1 n2 n3; do
	sas=$(x $n swanctl --list-sas 2>&1)
	assert_eq "$n: 4 CHILD_SAs INSTALLED, TRANSPORT (2 peers x 2 families)" 4 \
		"$(grep -c 'INSTALLED, TRANSPORT' <<<"$sas")"
	assert_eq "$n: 2 of them on the IPv6 connections" 2 \
		"$(grep -c '^tsnet-n[0-9]_v6: .*IKEv2' <<<"$sas")"
	xs=$(x $n ip xfrm state)
	assert_eq "$n: 8 ESP states" 8 "$(grep -c 'proto esp' <<<"$xs")"
	assert_eq "$n: 4 of them between fd00:7473:: addresses" 4 \
		"$(grep -c '^src fd00:7473:.* dst fd00:7473:' <<<"$xs")"
	assert_eq "$n: a secret entry per connection (4)" 4 \
		"$(x $n grep -c 'secret = 0x' /etc/swanctl/conf.d/tsnet-secrets.conf)"
done

echo "# live verify"
js=$(ts verify --duration 4 --json 2>"$WORK/err")
assert_eq "dual-stack cluster: verify exit" 0 "$?"
bad=$(printf '%s' "$js" | python3 -c '
import json, sys
d = json.load(sys.stdin)
ps = d["pairs"]
if len(ps) != 6 or sum(":" in p["a"] for p in ps) != 3:
    print("rows: %d, IPv6 %d" % (len(ps), sum(":" in p["a"] for p in ps)))
for p in ps:
    name = "%s-%s %s" % (p["a_node"], p["b_node"], p["a"])
    if p["verdict"] != "encrypted" or p["cleartext"] or p["leaks"]:
        print("%s: %s, cleartext %d" % (name, p["verdict"], p["cleartext"]))
    dirs = set((s["src_node"], s["dst_node"]) for s in p["spis"])
    if len(dirs) != 2:
        print("%s: SPIs in directions %s" % (name, sorted(dirs)))
    for s in p["spis"]:
        if s["sa"] != "matched":
            print("%s: SPI %s %s" % (name, s["spi"], s["sa"]))
    if p["esp"] == 0:
        print("%s: no ESP" % name)
' 2>&1)
assert_eq "6 rows (3 pairs x 2 families) encrypted, ESP both ways, every SPI matched" "" "$bad"
out=$(ts verify --duration 3 2>&1)
assert_nomatch "no LEAK" "LEAK|unknown SPI" "$out"
assert_match "the text verdict: 6 rows" "^encrypted: every pair is encrypted.*\(6 pairs" "$out"
stamp "verify"

echo "# status"
out=$(ts status 2>&1)
assert_eq "status exit" 0 "$?"
assert_match "status lists n1's IPv6 SA with n2" \
	"n1 +n2 IPv6 +ESTABLISHED +INSTALLED +TRANSPORT" "$out"
spis=$(x n1 ip xfrm state list src $B2 dst $B1 proto esp | sed -n 's/.* spi \(0x[0-9a-f]*\) .*/\1/p')
[ -n "$spis" ]
assert_eq "n1 holds an inbound IPv6 SA from n2" 0 "$?"
for s in $spis; do
	x n1 ip xfrm state delete src $B2 dst $B1 proto esp spi "$s"
done
out=$(ts status 2>&1)
assert_eq "an IPv6 SA deleted: status exit" 1 "$?"
assert_match "status counts n1's IPv6 states with n2 (0 in, 1 out)" \
	"n1: 1 ESP state with n2 over IPv6 \(0 in, 1 out\)" "$out"
assert_nomatch "... and not its IPv4 ones" "n1: [0-9]+ ESP states? with n2 \(" "$out"
stamp "status"

ts disable-ipsec >"$WORK/disable.out" 2>&1
rc=$?
cat "$WORK/disable.out"
assert_eq "disable-ipsec exit" 0 "$rc"
nothing_left n1 n2 n3
cleartext_ok n1 $B2
stamp "disable-ipsec"
finish
