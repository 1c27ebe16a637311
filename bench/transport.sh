#!/bin/bash
# transport.sh - fan-out: `tsnet nodes` on a 32-node lab (one poll loop,
# setns into each node, agent ping, JSON merged) against the anchor: the
# same agent run on all 32 nodes in parallel by xargs -P through
# `ip netns exec`, output merely collected.  Best of 3 each, same run.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
LAB=$TOP/tests/lab/lab
N=${N:-32}
NAME=bt1
trap '"$LAB" down --name $NAME >/dev/null 2>&1' EXIT
LAB_QUIET=1 "$LAB" up "$N" --name $NAME --netonly >/dev/null
INV=$("$LAB" inventory --name $NAME)

best() {	# best CMD...: the fastest of 3 runs, in seconds
	local b=999 t0 t1 t
	for _ in 1 2 3; do
		t0=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || true
		t1=$(date +%s.%N)
		t=$(echo "$t1 - $t0" | bc -l)
		b=$(echo "if ($t < $b) $t else $b" | bc -l)
	done
	printf '%.3f' "$b"
}

anchor() {
	seq 1 "$N" | xargs -P "$N" -I{} \
		ip netns exec "$NAME-n{}" "$TOP/tsnet" agent ping
}

t=$(best "$TOP/tsnet" -c "$INV" --json nodes)
a=$(best anchor)
printf 'transport-fanout-%d: tsnet %s s, anchor %s s, ratio %.2f\n' \
	"$N" "$t" "$a" "$(echo "$t / $a" | bc -l)"
