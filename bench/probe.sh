#!/bin/bash
# bench/probe.sh - `tsnet probe` on a 32-node lab, full mesh, all three
# protocols, against the anchor a person would use: on every node, in
# turn, ike-scan --ikev2 (UDP 500), ike-scan --nat-t (UDP 4500) and
# `nmap -sO -p50` (ESP) to all its peers.  Same lab, same run.  Prints
#   probe-mesh-32: tsnet X s, anchor Y s, ratio Z
#   probe-scaling: tsnet 32 nodes X s, 2 nodes Y s, ratio Z
# Goals (issue 4): mesh ratio >= 20, scaling ratio <= 2.  Needs root.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
LAB=$TOP/tests/lab/lab
TSNET=${TSNET:-$TOP/tsnet}
NAME=tpb
N=${PROBE_BENCH_NODES:-32}

[ "$(id -u)" -eq 0 ] || { echo "probe.sh: needs root" >&2; exit 77; }
for t in ike-scan nmap bc; do
	command -v $t >/dev/null || { echo "probe.sh: needs $t" >&2; exit 77; }
done
trap '"$LAB" down --name $NAME >/dev/null 2>&1' EXIT
"$LAB" up "$N" --name $NAME >/dev/null || { echo "probe.sh: lab up failed" >&2; exit 3; }
INV=$("$LAB" inventory --name $NAME)
now() { date +%s.%N; }

t0=$(now)
"$TSNET" -c "$INV" probe --json >/tmp/tpb-probe.$$.json
rc=$?
t1=$(now)
ok=$(jq '[.pairs[] | select(.udp500.verdict == "ok" and .udp4500.verdict == "ok" and .esp.verdict == "ok")] | length' /tmp/tpb-probe.$$.json)
rm -f /tmp/tpb-probe.$$.json
if [ "$rc" -ne 0 ] || [ "$ok" -ne $((N * (N - 1))) ]; then
	echo "probe.sh: tsnet probe: exit $rc, $ok of $((N * (N - 1))) pairs ok" >&2
	exit 1
fi

t2=$(now)
"$TSNET" -c "$INV" probe --from n1 --to n2 >/dev/null || exit 1
t3=$(now)

# The anchor: per node, the three scans to all its peers.
peers_of() { for k in $(seq "$N"); do [ "$k" -ne "$1" ] && echo "198.18.1.$k"; done; }
t4=$(now)
for i in $(seq "$N"); do
	peers=$(peers_of "$i")
	# shellcheck disable=SC2086
	{
		"$LAB" exec --name $NAME "n$i" ike-scan --ikev2 $peers
		"$LAB" exec --name $NAME "n$i" ike-scan --ikev2 --nat-t $peers
		"$LAB" exec --name $NAME "n$i" nmap -n -sO -p50 $peers
	} >/dev/null 2>&1
done
t5=$(now)

mesh=$(echo "$t1 - $t0" | bc)
two=$(echo "$t3 - $t2" | bc)
anchor=$(echo "$t5 - $t4" | bc)
printf 'probe-mesh-%d: tsnet %.2f s, anchor %.2f s, ratio %.1f\n' "$N" \
	"$mesh" "$anchor" "$(echo "$anchor / $mesh" | bc -l)"
printf 'probe-scaling: tsnet %d nodes %.2f s, 2 nodes %.2f s, ratio %.2f\n' \
	"$N" "$mesh" "$two" "$(echo "$mesh / $two" | bc -l)"
