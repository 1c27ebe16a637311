#!/bin/bash
# harden_lock.sh - two enable-ipsec at once on 2 lab nodes, with kernel
# ESP (issue 16, 1): the second, started while the first holds the
# cluster lock, refuses with exit 3 and one line naming the first (pid,
# command, start time, host) and changes nothing; status (read-only) runs
# meanwhile; the first's result is whole: exit 0, the pair INSTALLED,
# every node holding the first's plan hash and the SAs in the kernel.
NAME=th1
. "$(dirname "$0")/enable_lib.sh"
trap '"$LAB" down --name $NAME >/dev/null 2>&1' EXIT
T0=$(date +%s)
LAB_QUIET=1 "$LAB" up 2 --name $NAME >/dev/null || { not_ok "lab up"; finish; exit 1; }
W=$(mktemp -d)
stamp "lab up"
TIME='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'

"$T" -c "$(inv)" --json enable-ipsec --no-verify --timeout 300 \
	>"$W/a.json" 2>"$W/a.err" &
A=$!
for _ in $(seq 600); do
	grep -q "^pid $A " /run/tsnet/cluster.lock 2>/dev/null && break
	sleep 0.05
done
"$T" -c "$(inv)" enable-ipsec --timeout 300 >"$W/b.out" 2>"$W/b.err"
rc=$?
kill -0 $A 2>/dev/null
assert_eq "the first enable-ipsec still runs when the second ends" 0 $?
assert_eq "the second enable-ipsec: exit 3" 3 "$rc"
assert_eq "the second: one line" 1 "$(wc -l <"$W/b.err")"
assert_match "the second names the first" \
	"^tsnet: enable-ipsec: another tsnet run changes this cluster: pid $A \(tsnet enable-ipsec\) since $TIME on host $(uname -n); nothing was changed" \
	"$(cat "$W/b.err")"
"$T" -c "$(inv)" status >"$W/s.out" 2>&1
rc=$?
assert_match "status while enable-ipsec runs: its own result (0 or 1)" \
	'^[01]$' "$rc"
assert_nomatch "status is not refused" 'another tsnet run' "$(cat "$W/s.out")"
wait $A
rc=$?
stamp "the first enable-ipsec done"
cat "$W/a.err"
assert_eq "the first enable-ipsec: exit 0" 0 "$rc"
assert_match "the first: the pair ok" '"a": *"n1", *"b": *"n2".*"ok": *true' \
	"$(tr -d '\n' <"$W/a.json")"
hash=$(sed -n 's/.*"plan_hash": *"\([0-9a-f]*\)".*/\1/p' "$W/a.json" | head -1)
assert_match "the first's plan hash" '^[0-9a-f]{16,}$' "$hash"
for n in n1 n2; do
	assert_match "$n holds the first's plan" "\"plan_hash\": ?\"$hash\"" \
		"$(x $n cat /var/lib/tsnet/ipsec.json)"
	assert_eq "$n: 1 CHILD_SA INSTALLED, TRANSPORT" 1 \
		"$(x $n swanctl --list-sas 2>&1 | grep -c 'INSTALLED, TRANSPORT')"
	assert_eq "$n: 2 ESP states in the kernel" 2 \
		"$(x $n ip xfrm state | grep -c 'proto esp')"
done
"$T" -c "$(inv)" disable-ipsec >/dev/null 2>&1
assert_eq "disable-ipsec after: exit 0" 0 $?
nothing_left n1 n2
rm -rf "$W"
stamp "scenario done"
finish
