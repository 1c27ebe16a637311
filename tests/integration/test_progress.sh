#!/bin/bash
# test_progress.sh - the progress line on a real terminal (script(1)
# gives tsnet a pty), on a 3-node lab where n3 answers 3 s late (its
# remote_tsnet sleeps first when its hostname is n3) and, in a second
# inventory, n2 does not exist:
#
#   - nodes: "nodes: 2 of 3 nodes, waiting on n3"; with n2 missing,
#     "nodes: 1 of 3 nodes, waiting on n3; failed: n2" (a failed node is
#     never counted as answered);
#   - enable-ipsec names its phase: "enable-ipsec: checking kernels: 2 of
#     3 nodes, waiting on n3";
#   - the line is erased at the end (ESC[K after CR), and without a
#     terminal no progress is written at all.
. "$(dirname "$0")/lib.sh"
need_root

NAME=tp1
WORK=$(mktemp -d /tmp/tp-progress.XXXXXX)
cleanup() { "$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT
command -v script >/dev/null || fail_all "script(1) is missing (bsdutils)"
cp "$TSNET" "$WORK/tsnet" || fail_all "cannot copy $TSNET"	# others relink ./tsnet
T=$WORK/tsnet
# n3 answers late: its agent starts 3 s after the others'
cat >"$WORK/slow-tsnet" <<EOF
#!/bin/sh
[ "\$(hostname)" != n3 ] || sleep 3
exec $T "\$@"
EOF
chmod 755 "$WORK/slow-tsnet"
LAB_QUIET=1 "$LAB" up 3 --name $NAME >/dev/null || fail_all "lab up 3 failed"
INV=$WORK/cluster.conf
sed "s|^remote_tsnet = .*|remote_tsnet = $WORK/slow-tsnet|" \
	"$("$LAB" inventory --name $NAME)" >"$INV"
sed "s/^netns = $NAME-n2\$/netns = $NAME-gone/" "$INV" >"$WORK/gone.conf"

# on_tty INVENTORY ARGS...: tsnet on a pty; its output, CRs kept
on_tty() {
	local inv=$1
	shift
	script -qec "$(printf '%q ' "$T" -c "$inv" "$@")" /dev/null 2>&1 </dev/null
}
# the progress lines: what follows each CR up to its ESC[K
lines() { tr '\r' '\n' | sed -n 's/\x1b\[K$//p'; }

echo "# nodes"
out=$(on_tty "$INV" nodes)
assert_eq "nodes on a tty: exit 0" 0 $?
assert_match "nodes: the line waits on n3" '^nodes: 2 of 3 nodes, waiting on n3$' \
	"$(lines <<<"$out")"
assert_match "nodes: the line is erased before the table" $'\r\e\\[K' "$out"
assert_match "nodes: the table follows" '^n3 +reachable ' "$(tr '\r' '\n' <<<"$out")"
out=$(on_tty "$WORK/gone.conf" nodes)
assert_eq "nodes on a tty, n2 missing: exit 3" 3 $?
assert_match "nodes, n2 missing: failed, not answered" \
	'^nodes: 1 of 3 nodes, waiting on n3; failed: n2$' "$(lines <<<"$out")"
assert_nomatch "nodes, n2 missing: never 2 of 3 while n3 is awaited" \
	'^nodes: 2 of 3 nodes, waiting on n3' "$(lines <<<"$out")"

echo "# enable-ipsec names its phase"
out=$(on_tty "$INV" enable-ipsec --no-probe --timeout 10)
assert_match "enable-ipsec: checking kernels, waiting on n3" \
	'^enable-ipsec: checking kernels: 2 of 3 nodes, waiting on n3$' "$(lines <<<"$out")"

echo "# no terminal, no progress"
"$T" -c "$INV" nodes >/dev/null 2>"$WORK/err"
assert_eq "nodes off a tty: nothing on stderr" "" "$(cat "$WORK/err")"
finish
