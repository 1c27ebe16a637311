#!/bin/bash
# test_flood.sh - a hostile network while `tsnet probe` runs (issue 16, 3),
# on a 3-node host lab:
#   - n3 floods n1 (tests/helpers/flood.py: random, truncated, oversized
#     and lying-length IKE to UDP 500 and 4500, NAT keepalives, ESP with
#     wrong SPIs, truncated and oversized, in UDP and raw) while
#     tests/helpers/echo_answer.py in n2 answers n1's IKE probes in n2's
#     name from 198.18.1.99, no member;
#   - the probe's verdict matrix and exit are the same as without them;
#   - n1's probe window (through tests/helpers/rusage.py) did not crash,
#     counted the flood as foreign packets and the spoofed answers as
#     nonmember, and stayed within 64 MB and its own wall time of CPU.
. "$(dirname "$0")/lib.sh"
need_root

NAME=tz1
WORK=$(mktemp -d /tmp/tz-flood.XXXXXX)
chmod 755 "$WORK"
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	"$LAB" down --name $NAME >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
command -v jq >/dev/null || fail_all "needs jq"
PY=/usr/bin/python3
[ -x $PY ] || fail_all "needs $PY"
cp "$TSNET" "$WORK/tsnet" || fail_all "cannot copy $TSNET"
H=$TOP/tests/helpers
LAB_QUIET=1 "$LAB" up 3 --name $NAME >/dev/null || fail_all "lab up failed"
x() { "$LAB" exec --name $NAME "$@"; }
INV=$WORK/cluster.conf
sed "s|^remote_tsnet = .*|remote_tsnet = $WORK/tsnet|" \
	"$("$LAB" inventory --name $NAME)" >"$INV"
# n1's agent through rusage.py
cat >"$WORK/n1-tsnet" <<EOS
#!/bin/sh
exec $PY $H/rusage.py $WORK/n1 $WORK/tsnet "\$@"
EOS
chmod 755 "$WORK/n1-tsnet"
awk -v t="$WORK/n1-tsnet" '{ print } /^\[node n1\]/ { print "remote_tsnet = " t }' \
	"$INV" >"$INV.n1" && mv "$INV.n1" "$INV"
matrix() {
	jq -r '.pairs[] | "\(.from)>\(.to) \(.udp500.verdict) \(.udp4500.verdict) \(.esp.verdict)"' "$1"
}

"$WORK/tsnet" -c "$INV" probe --json >"$WORK/calm.json" 2>"$WORK/calm.err"
calm_rc=$?
assert_match "without a flood: a matrix of 6 pairs" '^6$' \
	"$(matrix "$WORK/calm.json" | wc -l)"
calm=$(tail -1 "$WORK/n1")
read -r _ calm_rss _ _ <<<"$calm"

x n3 $PY "$H/flood.py" 198.18.1.1 25 >"$WORK/flood.out" 2>&1 &
PIDS="$PIDS $!"
x n2 $PY "$H/echo_answer.py" eth0 198.18.1.1 198.18.1.99 25 \
	>"$WORK/echo.out" 2>&1 &
PIDS="$PIDS $!"
sleep 2	# the flood is on before the window opens
: >"$WORK/n1.reply"
"$WORK/tsnet" -c "$INV" probe --json >"$WORK/storm.json" 2>"$WORK/storm.err"
rc=$?
assert_eq "under the flood: the same exit ($calm_rc)" "$calm_rc" "$rc"
assert_eq "under the flood: the same verdict matrix" \
	"$(matrix "$WORK/calm.json")" "$(matrix "$WORK/storm.json")"
read -r arc rss cpu wall <<<"$(tail -1 "$WORK/n1")"
assert_match "n1's probe window did not crash (exit $arc)" '^[01]$' "$arc"
assert_match "n1's window: at most 64 MB ($rss kB, calm $calm_rss kB)" \
	'^[0-9]+$' "$rss"
[ "${rss:-999999}" -le 65536 ]
assert_eq "n1's window: maxrss within 64 MB" 0 $?
[ "$(echo "$cpu <= $wall + 0.05" | bc)" = 1 ]
assert_eq "n1's window: CPU ${cpu}s within its wall ${wall}s" 0 $?
reply=$(grep -a '"foreign"' "$WORK/n1.reply" | tail -1)
foreign=$(jq -r .foreign <<<"$reply")
nonmember=$(jq -r .nonmember <<<"$reply")
assert_match "n1 counted the flood as foreign ($foreign)" '^[0-9]{3,}$' "$foreign"
assert_match "n1 counted the spoofed answers as nonmember ($nonmember)" \
	'^[1-9][0-9]*$' "$nonmember"
wait
assert_match "the flood was sent" '"udp500": [0-9]{4,}' "$(cat "$WORK/flood.out")"
assert_match "the answers were sent" '^[1-9][0-9]*$' "$(cat "$WORK/echo.out")"
finish
