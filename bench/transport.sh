#!/bin/bash
# transport.sh - fan-out: `tsnet nodes` on a 32-node lab (one poll loop,
# setns into each node, agent ping, JSON merged) against the anchor: the
# same agent run on all 32 nodes in parallel by xargs -P through
# `ip netns exec`, output merely collected.  Best of 3 each, same run.
# Every timed run must succeed and hear from all N nodes, or the bench
# fails (exit 1) without a ratio.  N=4 for a small run; TSNET=path.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
LAB=$TOP/tests/lab/lab
TSNET=${TSNET:-$TOP/tsnet}
N=${N:-32}
NAME=bt1
W=$(mktemp -d /tmp/bt1.XXXXXX)
trap '"$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$W"' EXIT
LAB_QUIET=1 "$LAB" up "$N" --name $NAME --netonly >/dev/null
INV=$("$LAB" inventory --name $NAME)

fail() { echo "transport.sh: $*" >&2; exit 1; }

best() {	# best CHECK CMD...: the fastest of 3 runs, in seconds; every run
	# must exit 0 and its output pass CHECK (a function, on stdin)
	local check=$1 b=999 t0 t1 t rc
	shift
	for _ in 1 2 3; do
		t0=$(date +%s.%N)
		"$@" >"$W/out" 2>"$W/err" && rc=0 || rc=$?
		t1=$(date +%s.%N)
		[ "$rc" = 0 ] || fail "$*: exit $rc: $(head -c 300 "$W/err")"
		"$check" <"$W/out" || fail "$*: $check"
		t=$(echo "$t1 - $t0" | bc -l)
		b=$(echo "if ($t < $b) $t else $b" | bc -l)
	done
	printf '%.3f' "$b"
}

# every node answered, none with an error
all_nodes() {
	local n
	n=$(jq '[.nodes[] | select(.unreachable == false and .error == null)]
		| length')
	[ "$n" = "$N" ] || { echo "transport.sh: $n of $N nodes answered" >&2; return 1; }
}
# one agent ping answer per node
all_pings() {
	local n
	n=$(grep -c '^{"hostname":' || true)
	[ "$n" = "$N" ] || { echo "transport.sh: $n of $N pings answered" >&2; return 1; }
}

anchor() {
	seq 1 "$N" | xargs -P "$N" -I{} \
		ip netns exec "$NAME-n{}" "$TSNET" agent ping
}

# A subshell that fails exits the script here (set -e).
t=$(best all_nodes "$TSNET" -c "$INV" --json nodes)
a=$(best all_pings anchor)
printf 'transport-fanout-%d: tsnet %s s, anchor %s s, ratio %.2f\n' \
	"$N" "$t" "$a" "$(echo "$t / $a" | bc -l)"
