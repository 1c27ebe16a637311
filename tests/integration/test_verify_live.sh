#!/bin/bash
# test_verify_live.sh - a live `tsnet verify` on a host lab of three nodes:
# the agents capture in the nodes' own namespaces (real libpcap, a BPF
# filter on the members' addresses) while each pings and TCP-knocks its
# peers.  No kernel ESP here, so nothing is encrypted; what is asserted:
#
#   - n1 sends UDP to n2 in cleartext on purpose during the capture: that
#     exact 5-tuple (udp, addresses, ports, direction n1 > n2) is named as
#     a LEAK in the text and the JSON, with its packet count; exit 1;
#   - verify's own traffic (ICMP echo, TCP to a closed port, both ways)
#     is seen on every pair, both families;
#   - --write DIR keeps one pcapng per node, which tshark and `tsnet
#     verify --read` read back to the same leak;
#   - a capture that sees nothing (--interface lo) says no-traffic per
#     pair and exits 1 (nothing proven is not a pass);
#   - bad options exit 2 with one line, as does a cluster of mixed
#     address families (no pair between IPv4 and IPv6); an unreachable
#     node exits 3.
# The encrypted side (ESP, SPIs against live SAs) needs kernel ESP: the
# VM scenario verify_vm.sh (test_esp_vm.sh) proves it.
. "$(dirname "$0")/lib.sh"
need_root

NAME=tvl
WORK=$(mktemp -d /tmp/tvl-verify.XXXXXX)
cleanup() { "$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT
command -v python3 >/dev/null || fail_all "no python3 (make deps)"
command -v tshark >/dev/null || fail_all "no tshark (make deps)"
# Other engineers rebuild ./tsnet at any time: run a private copy.
cp "$TSNET" "$WORK/tsnet" || fail_all "cannot copy $TSNET"
T=$WORK/tsnet
LAB_QUIET=1 "$LAB" up 3 --name $NAME --netonly >/dev/null ||
	fail_all "lab up failed"
INV=$WORK/cluster.conf
sed "s|^remote_tsnet = .*|remote_tsnet = $T|" \
	"$("$LAB" inventory --name $NAME)" >"$INV"
x() { "$LAB" exec --name $NAME "$@"; }
addr() { awk -v n="[node $1]" '$0 == n { f = 1; next } /^\[/ { f = 0 }
	f && $1 == "address" { print $3; exit }' "$INV"; }
A1=$(addr n1) A2=$(addr n2) A3=$(addr n3)
[ -n "$A1" ] && [ -n "$A2" ] && [ -n "$A3" ] || fail_all "no addresses in $INV"

# 40 datagrams n1:40000 -> n2:7000 over 4 s, while a 3 s capture runs
talk() {
	x n1 python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 40000))
for _ in range(40):
	s.sendto(b"cleartext on purpose", (sys.argv[2], 7000))
	time.sleep(0.1)' "$A1" "$A2" &
	TALK=$!
}

echo "# a leak on purpose"
talk	# --write makes the directory, as tcpdump -w makes its file
out=$("$T" verify -c "$INV" --duration 3 --write "$WORK/caps" 2>&1)
rc=$?
wait $TALK
assert_eq "cleartext between members: exit" 1 "$rc"
assert_match "the verdict line first" "^LEAK: 6 of 6 pairs sent cleartext \(a 3 s capture on 3 nodes\)" \
	"$(printf '%s\n' "$out" | head -1)"
assert_match "the exact 5-tuple, direction and count named" \
	"udp $A1:40000 > $A2:7000 \(n1 > n2\): (2[0-9]|3[0-9]|40) packets" "$out"
assert_match "verify's own ICMP both ways" "icmp $A3 > $A1 \(n3 > n1\): [1-9]" "$out"
assert_match "... and back" "icmp $A1 > $A3 \(n1 > n3\): [1-9]" "$out"
assert_match "verify's TCP to a closed port" "tcp $A2:[0-9]+ > $A3:7473 \(n2 > n3\): [1-9]" "$out"
assert_match "... answered by a RST" "tcp $A3:7473 > $A2:[0-9]+ \(n3 > n2\): [1-9]" "$out"
assert_match "IPv6 pairs too" "icmpv6 \[?fd00:7473:" "$out"
for n in n1 n2 n3; do
	assert_match "$n's capture kept" "^$n: capture kept in $WORK/caps/$n.pcapng" "$out"
done

echo "# --write: pcapng that other tools read"
tsk=$(tshark -r "$WORK/caps/n2.pcapng" -Y "udp.srcport == 40000 && !icmp" -T fields \
	-e ip.src -e ip.dst -e udp.dstport 2>/dev/null | sort -u)
assert_eq "tshark reads n2's capture: the leak in it" "$A1	$A2	7000" "$tsk"
capinfos -t "$WORK/caps/n1.pcapng" 2>/dev/null | grep -q pcapng
assert_eq "the file is pcapng (capinfos)" 0 "$?"
back=$("$T" verify -c "$INV" --read "$WORK/caps/n1.pcapng" --json 2>&1)
assert_eq "--read of a kept capture: exit" 1 "$?"
n=$(printf '%s' "$back" | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(sum(p["cleartext"] for p in d["pairs"] if {p["a_node"], p["b_node"]} == {"n1", "n2"}))')
[ "${n:-0}" -ge 20 ]
assert_eq "--read counts the leak's packets in n1's capture ($n)" 0 "$?"

echo "# --json"
talk
js=$("$T" verify -c "$INV" --duration 3 --json 2>/dev/null)
rc=$?
wait $TALK
assert_eq "--json: exit" 1 "$rc"
chk=$(printf '%s' "$js" | python3 -c 'import json, sys
d = json.load(sys.stdin)
p = [p for p in d["pairs"] if p["a"] == sys.argv[1] and p["b"] == sys.argv[2]][0]
f = [l for l in p["leaks"] if l["protocol"] == "udp" and l["sport"] == 40000]
print(d["mode"], d["exit"], p["verdict"], len(f), f[0]["src"], f[0]["dst"],
      f[0]["dport"], f[0]["direction"], f[0]["src_node"], f[0]["packets"] >= 20,
      p["cleartext"] >= f[0]["packets"], sorted(n["node"] for n in d["nodes"]),
      [n["error"] for n in d["nodes"]])' "$A1" "$A2" 2>&1)
assert_eq "the leak in JSON, in --read's pair shape plus its flows" \
	"live 1 LEAK 1 $A1 $A2 7000 a>b n1 True True ['n1', 'n2', 'n3'] [None, None, None]" "$chk"

echo "# a capture that sees nothing"
out=$("$T" verify -c "$INV" --duration 1 --interface lo 2>&1)
assert_eq "nothing captured: exit" 1 "$?"
assert_match "the verdict says nothing is proven" "^no-traffic: 6 of 6 pairs" "$out"
assert_match "each pair named no-traffic" "^n1 - n3 \($A1 - $A3\) +no-traffic +no packet between them" "$out"
assert_nomatch "no pair called encrypted" "encrypted" "$out"

echo "# usage and runtime errors"
assert_exit "--duration 0" 2 "$T" verify -c "$INV" --duration 0
assert_exit "--duration 601" 2 "$T" verify -c "$INV" --duration 601
: >"$WORK/file"
assert_exit "--write under a file" 2 "$T" verify -c "$INV" --write "$WORK/file/caps"
assert_exit "--read with --duration" 2 "$T" verify -c "$INV" --read "$WORK/caps/n1.pcapng" --duration 2
assert_exit "--all-pairs without --read" 2 "$T" verify -c "$INV" --all-pairs
# n2's address IPv6 (its address6), n1's and n3's IPv4: mixed families
A6N2=$(awk '$0 == "[node n2]" { f = 1; next } /^\[/ { f = 0 }
	f && $1 == "address6" { print $3; exit }' "$INV")
awk -v a6="$A6N2" '/^\[/ { f = ($0 == "[node n2]") }
	f && $1 == "address6" { next }
	f && $1 == "address" { $0 = "address = " a6 } { print }' "$INV" >"$WORK/mixed.conf"
MIXED_LINE="$WORK/mixed.conf: nodes n1 and n2 have addresses of different families \(every address IPv4 or every one IPv6; IPv6 beside IPv4 goes in address6\)$"
out=$("$T" verify -c "$WORK/mixed.conf" --duration 1 2>&1)
assert_eq "a cluster of mixed address families: exit" 2 $?
assert_match "... says which nodes, in one line" "^tsnet: verify: $MIXED_LINE" "$out"
err=$("$T" verify -c "$INV" --write "$WORK/file/caps" 2>&1 >/dev/null)
assert_eq "one line saying where and why" \
	"tsnet: verify: --write '$WORK/file/caps': Not a directory" "$err"
sed 's/^netns = tvl-n3$/netns = tvl-gone/' "$INV" >"$WORK/down.conf"
out=$("$T" verify -c "$WORK/down.conf" --duration 1 --interface lo 2>&1)
assert_eq "a node that cannot be reached: exit 3" 3 "$?"
assert_match "... named" "^n3: no capture: " "$out"
finish
