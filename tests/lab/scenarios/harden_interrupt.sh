#!/bin/bash
# harden_interrupt.sh - an interrupted rollout on 2 lab nodes, with
# kernel ESP (issue 16, 2):
#   - enable-ipsec sent SIGINT, SIGTERM or SIGHUP once the rollout
#     reached a phase (files written, connections loaded on both nodes,
#     ESP states in the kernel): exit 3, one line saying which signal and
#     where; every node fully as before (no file, SA, policy, charon) or,
#     when the signal came after every node was trapped, fully as
#     planned (the pair INSTALLED, trap policies on both);
#   - enable-ipsec killed with SIGKILL once both nodes loaded: status
#     names both nodes half-done (exit 1); the next enable-ipsec names
#     them, finishes (exit 0, the pair INSTALLED) and status is clean;
#   - disable-ipsec sent SIGTERM while it runs finishes on every node.
NAME=th2
. "$(dirname "$0")/enable_lib.sh"
trap '"$LAB" down --name $NAME >/dev/null 2>&1' EXIT
T0=$(date +%s)
LAB_QUIET=1 "$LAB" up 2 --name $NAME >/dev/null || { not_ok "lab up"; finish; exit 1; }
W=$(mktemp -d)
stamp "lab up"

# until NODE COND: COND (sh) is true inside NODE, polled there (an exec
# into the node per poll would be slower than the phases)
until_in() {
	x "$1" timeout 150 sh -c "until $2; do sleep 0.01; done"
}
reached() {
	case $1 in
	write) until_in n1 '[ -e /etc/swanctl/conf.d/tsnet.conf ]' ;;
	load) until_in n1 'swanctl --list-conns | grep -q tsnet' &&
		until_in n2 'swanctl --list-conns | grep -q tsnet' ;;
	initiate) until_in n1 'ip xfrm state | grep -q "proto esp"' ;;
	esac
}
# start_at PHASE: enable-ipsec in the background ($P), until PHASE
start_at() {
	"$T" -c "$(inv)" enable-ipsec --no-verify --timeout 300 \
		>"$W/out" 2>"$W/err" &
	P=$!
	reached "$1" && kill -0 $P 2>/dev/null
}
fully_planned() {
	local n
	for n in n1 n2; do
		assert_eq "$1: $n: the pair INSTALLED, TRANSPORT" 1 \
			"$(x $n swanctl --list-sas 2>&1 | grep -c 'INSTALLED, TRANSPORT')"
		assert_eq "$1: $n: 2 ESP states" 2 \
			"$(x $n ip xfrm state | grep -c 'proto esp')"
	done
}

for c in INT:write TERM:load HUP:initiate; do
	sig=${c%%:*} phase=${c#*:}
	start_at "$phase"
	assert_eq "SIG$sig after $phase: the rollout got there" 0 $?
	kill -"$sig" $P
	wait $P
	rc=$?
	stamp "SIG$sig after $phase"
	cat "$W/err"
	assert_eq "SIG$sig after $phase: exit 3" 3 "$rc"
	assert_eq "SIG$sig after $phase: one line" 1 "$(wc -l <"$W/err")"
	if grep -q 'IPsec is on as planned' "$W/err"; then
		ok "SIG$sig after $phase: came after every node was trapped"
		fully_planned "SIG$sig after $phase"
		"$T" -c "$(inv)" disable-ipsec >/dev/null 2>&1
	else
		assert_match "SIG$sig after $phase: which signal, where, rolled back" \
			"^tsnet: enable-ipsec: interrupted by SIG$sig (while|after) .*\(rolled back on all nodes\)\$" \
			"$(cat "$W/err")"
	fi
	nothing_left n1 n2
done

start_at load
assert_eq "SIGKILL after load: the rollout got there" 0 $?
kill -KILL $P
wait $P 2>/dev/null
sleep 3	# the agents in flight finish on their own
stamp "SIGKILL after load"
"$T" -c "$(inv)" status >"$W/st" 2>&1
rc=$?
cat "$W/st"
assert_eq "status after SIGKILL: exit 1" 1 "$rc"
for n in n1 n2; do
	assert_match "status names $n half-done" \
		"$n: a rollout stopped half-way here .*tsnet enable-ipsec finishes it" \
		"$(cat "$W/st")"
done
"$T" -c "$(inv)" enable-ipsec --no-verify --timeout 300 >"$W/out" 2>"$W/err"
rc=$?
stamp "enable-ipsec after SIGKILL"
cat "$W/err"
assert_eq "the next enable-ipsec: exit 0" 0 "$rc"
assert_match "it names the half-done nodes" \
	'a rollout stopped half-way on n1, n2 .*this run finishes it' \
	"$(cat "$W/err")"
fully_planned "after the next enable-ipsec"
"$T" -c "$(inv)" status >"$W/st" 2>&1
assert_eq "status then: exit 0" 0 $?
assert_nomatch "status then: nothing half-way" 'half-way' "$(cat "$W/st")"

"$T" -c "$(inv)" disable-ipsec >"$W/out" 2>"$W/err" &
P=$!
for _ in $(seq 600); do
	grep -q "^pid $P " /run/tsnet/cluster.lock 2>/dev/null && break
	sleep 0.05
done
sleep 0.3
kill -TERM $P
wait $P
rc=$?
cat "$W/err"
assert_eq "disable-ipsec sent SIGTERM: exit 0 (it finished)" 0 "$rc"
nothing_left n1 n2
rm -rf "$W"
stamp "scenario done"
finish
