#!/bin/bash
# dualstack_vm.sh - enable-ipsec on a dual-stack cluster with kernel ESP
# (run by tests/integration/test_dualstack_vm.sh through
# tests/lab/esp-run): the lab's nodes keep their address6.
#
#   - enable-ipsec (with its proof): each pair gets its IPv4 and its IPv6
#     connection (tsnet-PEER, tsnet-PEER_v6), both INSTALLED in transport
#     mode: 4 CHILD_SAs and 8 ESP states (4 of them between fd00:7473::
#     addresses) on each of n1..n3, a secret entry per connection, the
#     peers' address6 in the state record; the proof's pairs clean;
#   - live `tsnet verify`: all 6 rows (3 pairs x 2 families) encrypted,
#     ESP both ways, every SPI a live SA's, no LEAK, exit 0;
#   - status: exit 0, the IPv6 SAs in its table;
#   - node remove n3: n1 and n2 drop both of its connections, keep both of
#     theirs; node add n3 --address6: both connections back, verify clean;
#   - with n1's inbound IPv6 SA from n2 deleted by hand, status names that
#     pair's IPv6 states (exit 1) while its IPv4 ones stay fine;
#   - disable-ipsec removes both connections: nothing of tsnet's left;
#   - --auth x509: each certificate names the node's address6 too, and the
#     IPv6 connections authenticate with it (4 CHILD_SAs per node).
NAME=tv6
. "$(dirname "$0")/enable_lib.sh"
WORK=$(mktemp -d)
trap '"$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$WORK"' EXIT
T0=$(date +%s)
LAB_QUIET=1 "$LAB" up 3 --name $NAME >/dev/null || { not_ok "lab up"; finish; exit 1; }
INV=$WORK/cluster.conf	# the lab's own, address6 kept (not inv())
sed "s|^remote_tsnet = .*|remote_tsnet = $T|" \
	"$("$LAB" inventory --name "$NAME")" >"$INV"
ts() { "$T" -c "$INV" "$@"; }
B1=fd00:7473:1::1 B2=fd00:7473:1::2
assert_eq "the inventory is dual-stack (3 address6)" 3 \
	"$(grep -c '^address6 = fd00:7473:' "$INV")"
stamp "lab up"

ts enable-ipsec --timeout 300 >"$WORK/enable.out" 2>&1
rc=$?
cat "$WORK/enable.out"
assert_eq "enable-ipsec on the dual-stack n1..n3 exit" 0 "$rc"
for p in "n1 <-> n2" "n1 <-> n3" "n2 <-> n3"; do
	assert_match "$p: proved over both families: esp on the wire, no cleartext" \
		"^$p +INSTALLED +TRANSPORT .*esp on the wire .*no cleartext" \
		"$(cat "$WORK/enable.out")"
done
assert_eq "n1's record keeps its peers' address6" \
	"fd00:7473:1::2 fd00:7473:1::3" "$(x n1 cat /var/lib/tsnet/ipsec.json |
		python3 -c 'import json, sys
print(" ".join(p["address6"] for p in json.load(sys.stdin)["peers"]))')"
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

# verify_clean WHAT: a live verify of all 6 rows, judged by python
verify_clean() {
	local js bad
	js=$(ts verify --duration 4 --json 2>"$WORK/err")
	assert_eq "$1: verify exit" 0 "$?"
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
	assert_eq "$1: 6 rows (3 pairs x 2 families) encrypted, ESP both ways, every SPI matched" "" "$bad"
}

echo "# live verify"
verify_clean "dual-stack cluster"
out=$(ts verify --duration 3 2>&1)
assert_nomatch "no LEAK" "LEAK|unknown SPI" "$out"
assert_match "the text verdict: 6 rows" "^encrypted: every pair is encrypted.*\(6 pairs" "$out"
stamp "verify"

echo "# status"
out=$(ts status 2>&1)
assert_eq "status exit" 0 "$?"
assert_match "status lists n1's IPv6 SA with n2" \
	"n1 +n2 IPv6 +ESTABLISHED +INSTALLED +TRANSPORT" "$out"
stamp "status"

echo "# node remove n3, node add n3 back"
ts node remove n3 --timeout 300 >"$WORK/node.out" 2>&1
assert_eq "node remove n3 exit" 0 "$?"
for n in n1 n2; do
	conns=$(x $n swanctl --list-conns 2>&1)
	assert_eq "$n: n3's two connections gone" 0 "$(grep -c '^tsnet-n3' <<<"$conns")"
	assert_eq "$n: its pair's two CHILD_SAs stay INSTALLED" 2 \
		"$(x $n swanctl --list-sas 2>&1 | grep -c 'INSTALLED, TRANSPORT')"
done
nothing_left n3
ts node add n3 198.18.1.3 --address6 fd00:7473:1::3 --netns $NAME-n3 \
	--timeout 300 >>"$WORK/node.out" 2>&1
rc=$?
cat "$WORK/node.out"
assert_eq "node add n3 --address6 exit" 0 "$rc"
for n in n1 n2 n3; do
	assert_eq "$n: 4 CHILD_SAs INSTALLED again" 4 \
		"$(x $n swanctl --list-sas 2>&1 | grep -c 'INSTALLED, TRANSPORT')"
done
verify_clean "after node remove and add"
stamp "node remove, add"

echo "# an IPv6 SA deleted by hand"
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
stamp "status after delete"

ts disable-ipsec >"$WORK/disable.out" 2>&1
rc=$?
cat "$WORK/disable.out"
assert_eq "disable-ipsec exit" 0 "$rc"
nothing_left n1 n2 n3
cleartext_ok n1 $B2
stamp "disable-ipsec"

echo "# --auth x509"
TSNET_CA_DIR=$WORK/ca ts enable-ipsec --auth x509 --no-verify --timeout 300 \
	>"$WORK/x509.out" 2>&1
rc=$?
cat "$WORK/x509.out"
assert_eq "enable-ipsec --auth x509 exit" 0 "$rc"
assert_match "n1's certificate names its address6" "fd00:7473:1::1" \
	"$(x n1 pki --print --in /etc/swanctl/x509/tsnet-n1.pem 2>&1)"
for n in n1 n2 n3; do
	assert_eq "$n: x509: 4 CHILD_SAs INSTALLED, TRANSPORT" 4 \
		"$(x $n swanctl --list-sas 2>&1 | grep -c 'INSTALLED, TRANSPORT')"
done
TSNET_CA_DIR=$WORK/ca ts disable-ipsec >/dev/null 2>&1
assert_eq "x509: disable-ipsec exit" 0 "$?"
nothing_left n1 n2 n3
stamp "x509"
finish
