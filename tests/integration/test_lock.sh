#!/bin/bash
# test_lock.sh - two runs at once (issue 16, 1) on a host lab, with real
# tsnet processes holding the locks (no ESP here: the race of two
# enable-ipsec to the end runs in the VM, tests/lab/scenarios/harden_lock.sh):
#   - the cluster lock, held by an enable-ipsec that waits for its
#     inventory on a FIFO: enable-ipsec, preflight --fix, disable-ipsec,
#     node remove and state import refuse with exit 3 and one line naming
#     it (pid, command, start time, host), changing nothing (rulesets,
#     inventory); status, preflight, nodes and inventory check run as
#     usual; --wait 2 refuses after 2 s; --wait 30 waits for the holder
#     and then runs, the holder's own result whole;
#   - the node lock, held on n1 by a hand-run agent ipsec-apply that
#     waits on stdin: preflight --fix is refused on n1 only, with the
#     holder named; --wait runs it when the holder ends; the lock file a
#     coordinator's agent leaves names the coordinator's run;
#   - as nobody, every changing command (and a changing agent action on
#     a node) exits 3 with one line saying it needs root, nothing changed;
#   - the agent actions that carry keys, and the commands that make them,
#     make themselves non-dumpable (strace) before the first key arrives.
. "$(dirname "$0")/lib.sh"
need_root

NAME=tk1
WORK=$(mktemp -d /tmp/tk-lock.XXXXXX)
chmod 755 "$WORK"
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	"$LAB" down --name $NAME >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
command -v nft >/dev/null || skip_all "no nft"
cp "$TSNET" "$WORK/tsnet" || fail_all "cannot copy $TSNET"
T=$WORK/tsnet
LAB_QUIET=1 "$LAB" up 3 --name $NAME >/dev/null || fail_all "lab up failed"
INV=$WORK/cluster.conf
sed "s|^remote_tsnet = .*|remote_tsnet = $T|" \
	"$("$LAB" inventory --name $NAME)" >"$INV"
x() { "$LAB" exec --name $NAME "$@"; }
rulesets() { for n in n1 n2 n3; do x $n nft list ruleset; done; }
HOST=$(uname -n)
TIME='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'

# wait_for FILE REGEX: until FILE has a line matching REGEX (10 s)
wait_for() {
	for _ in $(seq 200); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# --- the cluster lock -------------------------------------------------
mkfifo "$WORK/inv.fifo"
"$T" -c "$WORK/inv.fifo" enable-ipsec >"$WORK/a.out" 2>&1 &
A=$!
PIDS="$PIDS $A"
wait_for /run/tsnet/cluster.lock "^pid $A " ||
	fail_all "enable-ipsec did not take the cluster lock"
assert_match "the lock file names its holder" \
	"^pid $A \(tsnet enable-ipsec\) since $TIME on host $HOST\$" \
	"$(cat /run/tsnet/cluster.lock)"
before=$(rulesets)
cp "$INV" "$WORK/inv.before"
refused() {	# refused WHAT CMD...: exit 3, one line naming A, stdout empty
		# (with --json: the error object)
	local what=$1 rc
	shift
	"$@" >"$WORK/b.out" 2>"$WORK/b.err"
	rc=$?
	assert_eq "$what while enable-ipsec runs: exit 3" 3 "$rc"
	assert_eq "$what: one line" 1 "$(wc -l <"$WORK/b.err")"
	assert_match "$what: names the holder" \
		"^tsnet: [a-z-]+: another tsnet run changes this cluster: pid $A \(tsnet enable-ipsec\) since $TIME on host $HOST; nothing was changed \(--wait SECONDS waits for it\)\$" \
		"$(cat "$WORK/b.err")"
	case " $* " in
	*" --json "*)	# one JSON error object, as every command's error
		assert_match "$what: stdout is one JSON error object" \
			'^\{"command":"[a-z-]+","error":"another tsnet run changes this cluster: pid [0-9]+ .*","exit":3\}$' \
			"$(cat "$WORK/b.out")" ;;
	*)	assert_eq "$what: nothing on stdout" "" "$(cat "$WORK/b.out")" ;;
	esac
}
refused "enable-ipsec" "$T" -c "$INV" enable-ipsec
refused "enable-ipsec --json" "$T" -c "$INV" --json enable-ipsec
refused "preflight --fix" "$T" -c "$INV" preflight --fix
refused "preflight --unfix" "$T" -c "$INV" preflight --unfix
refused "disable-ipsec" "$T" -c "$INV" disable-ipsec
refused "node remove" "$T" -c "$INV" node remove n3
refused "state import" "$T" -c "$INV" state import "$WORK/no-such-file"
assert_eq "no node's ruleset changed" "$before" "$(rulesets)"
assert_eq "the inventory unchanged" "$(cat "$WORK/inv.before")" "$(cat "$INV")"

# read-only commands never wait: each ends with its own result
for c in "status" "preflight --no-probe" "nodes" "inventory check" "probe"; do
	# shellcheck disable=SC2086 # the words of the command
	timeout 60 "$T" -c "$INV" $c >"$WORK/r.out" 2>&1
	rc=$?
	assert_match "$c while the lock is held: its own result (exit 0 or 1)" \
		'^[01]$' "$rc"
	assert_nomatch "$c: no lock in its words" 'another tsnet run' \
		"$(cat "$WORK/r.out")"
done
kill -0 $A 2>/dev/null
assert_eq "the holder still waits for its inventory" 0 $?

start=$(date +%s.%N)
"$T" -c "$INV" enable-ipsec --wait 2 >/dev/null 2>"$WORK/b.err"
rc=$?
took=$(echo "$(date +%s.%N) - $start" | bc)
assert_eq "enable-ipsec --wait 2: exit 3" 3 "$rc"
assert_match "--wait 2: refused after 2 to 6 s (took $took)" '^[2-5]\.' "$took"
assert_match "--wait 2: names the holder" "pid $A \(tsnet enable-ipsec\)" \
	"$(cat "$WORK/b.err")"
assert_exit "--wait x: a usage error" 2 "$T" -c "$INV" enable-ipsec --wait x

"$T" -c "$INV" preflight --fix --no-probe --wait 30 >"$WORK/c.out" 2>&1 &
C=$!
PIDS="$PIDS $C"
sleep 1
kill -0 $C 2>/dev/null
assert_eq "preflight --fix --wait 30 waits while the lock is held" 0 $?
assert_eq "...and has changed no ruleset yet" "$before" "$(rulesets)"
cat "$INV" >"$WORK/inv.fifo"	# the holder goes on
wait $A
assert_eq "the holder's own result: exit 1 (no ESP in this kernel)" 1 $?
assert_match "the holder's own words, whole" \
	'no node was changed: IPsec needs ESP with AES-GCM' "$(cat "$WORK/a.out")"
assert_nomatch "the holder was not refused" 'another tsnet run' \
	"$(cat "$WORK/a.out")"
wait $C
rc=$?
assert_match "the waiting --fix ran after it: its own result (0 or 1)" \
	'^[01]$' "$rc"
assert_nomatch "the waiting --fix was not refused" 'another tsnet run' \
	"$(cat "$WORK/c.out")"
for n in n1 n2 n3; do
	assert_match "$n: --fix opened IPsec (tsnet's rules in its ruleset)" \
		'tsnet' "$(x $n nft list ruleset)"
	assert_match "$n: the node lock names the coordinator's run" \
		"^pid [0-9]+ \(tsnet agent nft-fix\) since $TIME on host $n for pid $C \(tsnet preflight --fix\) since $TIME on host $HOST\$" \
		"$(x $n cat /run/tsnet/node.lock)"
done
"$T" -c "$INV" preflight --unfix >/dev/null 2>&1
assert_eq "--unfix after: every ruleset as before" "$before" "$(rulesets)"

# --- the node lock ----------------------------------------------------
# its stdin a pipe from a sleep: it takes the lock, then reads until the
# sleep ends
x n1 sh -c "(sleep 60 & echo \$! >/tmp/sleep.pid; wait) | $T agent ipsec-apply" \
	>"$WORK/h.out" 2>&1 &
H=$!
PIDS="$PIDS $H"
wait_for_node() {
	for _ in $(seq 200); do
		x n1 grep -Eq "$1" /run/tsnet/node.lock 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
wait_for_node 'tsnet agent ipsec-apply' ||
	fail_all "agent ipsec-apply did not take n1's node lock"
HP=$(x n1 sed -n 's/^pid \([0-9]*\) .*/\1/p' /run/tsnet/node.lock)
"$T" -c "$INV" preflight --fix --no-probe >"$WORK/d.out" 2>&1
rc=$?
assert_eq "preflight --fix while n1 is busy: exit 3" 3 "$rc"
assert_match "n1 named busy, with its holder" \
	"n1.*this node is busy with another tsnet run: pid $HP \(tsnet agent ipsec-apply\) since $TIME on host n1; nothing was changed" \
	"$(cat "$WORK/d.out")"
assert_nomatch "n1 is the only busy node" '(n2|n3).*this node is busy' \
	"$(cat "$WORK/d.out")"
assert_nomatch "n1's ruleset unchanged" 'tsnet' "$(x n1 nft list ruleset)"
"$T" -c "$INV" preflight --unfix >/dev/null 2>&1	# n2, n3 as before
"$T" -c "$INV" preflight --fix --no-probe --wait 30 >"$WORK/e.out" 2>&1 &
E=$!
PIDS="$PIDS $E"
sleep 1
assert_nomatch "--wait 30: n1 not changed while its lock is held" 'tsnet' \
	"$(x n1 nft list ruleset)"
x n1 sh -c 'kill "$(cat /tmp/sleep.pid)"'
wait $H
assert_eq "the holder's own result: an empty request, exit 3" 3 $?
assert_match "...its own words" '"error": ?"request: ' "$(cat "$WORK/h.out")"
assert_eq "...and no tsnet file on n1" "" \
	"$(x n1 find /etc/swanctl/conf.d -name 'tsnet*')"
wait $E
rc=$?
assert_match "--fix --wait 30 ran when n1 was free (exit 0 or 1)" '^[01]$' "$rc"
assert_match "n1 opened by it" 'tsnet' "$(x n1 nft list ruleset)"
"$T" -c "$INV" preflight --unfix >/dev/null 2>&1
assert_eq "--unfix: every ruleset as before" "$before" "$(rulesets)"

# a process that is not tsnet holds n1's lock (flock(1), writing nothing):
# the refusal names it as the kernel sees it, not the last line written
x n1 flock /run/tsnet/node.lock sleep 30 >/dev/null 2>&1 &
F=$!
PIDS="$PIDS $F"
for _ in $(seq 100); do
	x n1 grep -q FLOCK /proc/locks && break
	sleep 0.05
done
"$T" -c "$INV" preflight --fix --no-probe >"$WORK/f.out" 2>&1
assert_eq "n1 held by flock(1): exit 3" 3 $?
assert_match "n1 held by flock(1): named as the kernel sees it" \
	'n1.*busy with another tsnet run: pid [0-9]+ \(flock, uid 0\), not a tsnet run that said who it is; nothing was changed' \
	"$(cat "$WORK/f.out")"
kill $F 2>/dev/null
wait $F 2>/dev/null
"$T" -c "$INV" preflight --unfix >/dev/null 2>&1
assert_eq "...and every ruleset as before after --unfix" "$before" "$(rulesets)"

# --- without privilege -------------------------------------------------
# as nobody, every command that changes nodes stops at the cluster lock,
# before anything else, saying what it lacks
chmod 644 "$INV"
nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
for c in "enable-ipsec" "disable-ipsec" "preflight --fix" "preflight --unfix" \
	"node remove n3" "state import $WORK/no-such-file"; do
	# shellcheck disable=SC2086 # the words of the command
	nobody "$T" -c "$INV" $c >"$WORK/u.out" 2>"$WORK/u.err"
	rc=$?
	assert_eq "as nobody, $c: exit 3" 3 "$rc"
	assert_eq "as nobody, $c: one line" 1 "$(wc -l <"$WORK/u.err")"
	assert_match "as nobody, $c: says it needs root" \
		'^tsnet: [a-z -]+: cluster lock: /run/tsnet/cluster.lock: Permission denied \(a command that changes nodes runs as root\); nothing was changed$' \
		"$(cat "$WORK/u.err")"
done
assert_eq "as nobody: no node's ruleset changed" "$before" "$(rulesets)"
assert_eq "as nobody: the inventory unchanged" "$(cat "$WORK/inv.before")" \
	"$(cat "$INV")"
x n1 setpriv --reuid=nobody --regid=nogroup --clear-groups "$T" agent \
	ipsec-remove </dev/null >"$WORK/u.out" 2>"$WORK/u.err"
assert_eq "as nobody on n1, agent ipsec-remove: exit 3" 3 $?
assert_match "...says it needs root" \
	"^tsnet: agent ipsec-remove: needs root or CAP_NET_ADMIN \(it changes this node's firewall or IPsec\); nothing was changed\$" \
	"$(cat "$WORK/u.err")"

# --- no core dump while keys are in memory ------------------------------
# PR_SET_DUMPABLE 0 before the first byte of a request (keys) is read,
# or before the coordinator makes any
command -v strace >/dev/null || fail_all "needs strace (make deps)"
for a in ipsec-apply ipsec-import ipsec-export; do
	tr=$(x n1 strace -e trace=prctl,read "$T" agent $a </dev/null 2>&1 |
		grep -E 'PR_SET_DUMPABLE|^read\(0,' | head -1)
	assert_match "agent $a: not dumpable before it reads stdin" \
		'^prctl\(PR_SET_DUMPABLE, SUID_DUMP_DISABLE\) = 0' "$tr"
done
# the actions that dump the kernel's SAs (their keys with them)
for a in xfrm-state ipsec-prove; do
	tr=$(x n1 strace -e trace=prctl "$T" agent $a </dev/null 2>&1)
	assert_match "agent $a (dumps SAs, keys included): not dumpable" \
		'^prctl\(PR_SET_DUMPABLE, SUID_DUMP_DISABLE\) = 0' "$tr"
done
tr=$(x n1 strace -e trace=prctl "$T" agent ipsec-state </dev/null 2>&1)
assert_nomatch "agent ipsec-state (no keys) stays dumpable" 'PR_SET_DUMPABLE' "$tr"
for c in "enable-ipsec" "node remove n3" "state export $WORK/exp"; do
	# shellcheck disable=SC2086 # the words of the command
	tr=$(strace -e trace=prctl,openat "$T" -c "$WORK/none" $c 2>&1 |
		grep -E "PR_SET_DUMPABLE|$WORK/none" | head -1)
	assert_match "$c: not dumpable before it reads the inventory" \
		'^prctl\(PR_SET_DUMPABLE, SUID_DUMP_DISABLE\) = 0' "$tr"
done
finish
