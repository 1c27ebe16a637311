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
#   - the lock files are root's and 0600 (no local user can open one to
#     flock it and block tsnet); one that is not root's is refused; an
#     older tsnet's 0644 one that a user holds is replaced; the
#     node lock is per network namespace: two nodes that share /run (netns
#     without a mount namespace) do not block each other, one node does;
#     an agent that is not root, where root never made the node lock,
#     says how to make it;
#   - as nobody, every changing command (and a changing agent action on
#     a node) exits 3 with one line saying it needs CAP_NET_ADMIN, nothing
#     changed (rulesets, files under /etc/swanctl and /var/lib/tsnet);
#     without CAP_NET_RAW probe and enable-ipsec name it, per node; a
#     node whose /etc/swanctl is read-only makes enable-ipsec refuse,
#     naming the directory and the node, before any node changes;
#   - the agent actions that carry keys, and the commands that make them,
#     make themselves non-dumpable (strace) before the first key arrives.
. "$(dirname "$0")/lib.sh"
need_root

NAME=tk1
WORK=$(mktemp -d /tmp/tk-lock.XXXXXX)
chmod 755 "$WORK"
PIDS=
NETNS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for n in $NETNS; do ip netns del "$n" 2>/dev/null; done
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
# what a changing command could change on the nodes: rulesets and files
node_state() {
	rulesets
	for n in n1 n2 n3; do
		x $n sh -c 'find /etc/swanctl /var/lib/tsnet -type f | sort |
			xargs -r sha256sum'
	done
}
# the node lock of a lab node: named by its network namespace's inode
nodelock() {
	x "$1" sh -c 'echo /run/tsnet/node.net$(stat -Lc %i /proc/self/ns/net).lock'
}
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
		"$(x $n cat "$(nodelock $n)")"
done
"$T" -c "$INV" preflight --unfix >/dev/null 2>&1
assert_eq "--unfix after: every ruleset as before" "$before" "$(rulesets)"

# --- one node lock per network namespace ------------------------------
# two plain namespaces share this host's /run (no mount namespace of
# their own, as the netns transport without one): a run in one does not
# block a run in the other, a second run in the same one is refused
ip netns add tk1-a && ip netns add tk1-b || fail_all "ip netns add"
NETNS="tk1-a tk1-b"
nl() { ip netns exec "$1" stat -Lc /run/tsnet/node.net%i.lock /proc/self/ns/net; }
NLA=$(nl tk1-a)	# to remove them after
NLB=$(nl tk1-b)
ip netns exec tk1-a sh -c "(sleep 60 & echo \$! >$WORK/sleepa.pid; wait) | $T agent ipsec-apply" \
	>"$WORK/na.out" 2>&1 &
NA=$!
PIDS="$PIDS $NA"
# held: the kernel lists a flock of the agent's (whatever its file)
held_a() {
	local p
	for _ in $(seq 200); do
		p=$(pgrep -f "^$T agent ipsec-apply$" | head -1)
		[ -n "$p" ] && grep -Eq "FLOCK .* $p " /proc/locks && return 0
		sleep 0.05
	done
	return 1
}
held_a || fail_all "agent ipsec-apply did not take tk1-a's node lock"
ip netns exec tk1-b "$T" agent ipsec-apply </dev/null >"$WORK/nb.out" 2>&1
assert_nomatch "a run in the other namespace is not blocked" 'busy' \
	"$(cat "$WORK/nb.out")"
assert_match "...it ran: its own result (an empty request)" \
	'"error": ?"request: ' "$(cat "$WORK/nb.out")"
ip netns exec tk1-a "$T" agent ipsec-apply </dev/null >"$WORK/nc.out" 2>&1
assert_eq "a second run in the same namespace: exit 3" 3 $?
assert_match "...refused, naming the holder" \
	"this node is busy with another tsnet run: pid [0-9]+ \(tsnet agent ipsec-apply\)" \
	"$(cat "$WORK/nc.out")"
kill "$(cat "$WORK/sleepa.pid")" 2>/dev/null
wait $NA
rm -f "$NLA" "$NLB"
# not root (CAP_NET_ADMIN and CAP_DAC_READ_SEARCH) where root never ran:
# no node lock yet, and only root makes it; the line says how
rm -f "$NLB"
capuser() {
	ip netns exec tk1-b setpriv --reuid=nobody --regid=nogroup \
		--clear-groups --inh-caps=+net_admin,+dac_read_search \
		--ambient-caps=+net_admin,+dac_read_search \
		"$T" agent ipsec-initiate </dev/null
}
capuser >"$WORK/nd.out" 2>"$WORK/nd.err"
assert_eq "not root, no node lock in this namespace yet: exit 3" 3 $?
assert_match "...one line with the command that makes it" \
	"^tsnet: agent ipsec-initiate: node lock: $NLB does not exist, and only root makes it, once per network namespace and boot \(as root: install -D -m 0600 /dev/null $NLB, or run a changing tsnet action here first\); nothing was changed\$" \
	"$(cat "$WORK/nd.err")"
install -D -m 0600 /dev/null "$NLB"
capuser >"$WORK/nd.out" 2>"$WORK/nd.err"
assert_nomatch "...once made as it says, the lock is taken" 'node lock' \
	"$(cat "$WORK/nd.err")"
assert_match "...and the action runs (its own result, an empty request)" \
	'"error": ?"offset 0: unexpected end of input"' "$(cat "$WORK/nd.out")"
rm -f "$NLB"

# --- the node lock ----------------------------------------------------
NL1=$(nodelock n1)
# its stdin a pipe from a sleep: it takes the lock, then reads until the
# sleep ends
x n1 sh -c "(sleep 60 & echo \$! >/tmp/sleep.pid; wait) | $T agent ipsec-apply" \
	>"$WORK/h.out" 2>&1 &
H=$!
PIDS="$PIDS $H"
wait_for_node() {
	for _ in $(seq 200); do
		x n1 grep -Eq "$1" "$NL1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
wait_for_node 'tsnet agent ipsec-apply' ||
	fail_all "agent ipsec-apply did not take n1's node lock"
HP=$(x n1 sed -n 's/^pid \([0-9]*\) .*/\1/p' "$NL1")
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
x n1 flock "$NL1" sleep 30 >/dev/null 2>&1 &
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
# as nobody, every command that changes nodes stops before the cluster
# lock, before anything else, saying what it lacks (its capabilities,
# not its uid)
chmod 644 "$INV"
nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
before=$(node_state)
for c in "enable-ipsec" "disable-ipsec" "preflight --fix" "preflight --unfix" \
	"node add n9 198.18.1.99" "node remove n3" \
	"state import $WORK/no-such-file"; do
	# shellcheck disable=SC2086 # the words of the command
	nobody "$T" -c "$INV" $c >"$WORK/u.out" 2>"$WORK/u.err"
	rc=$?
	assert_eq "as nobody, $c: exit 3" 3 "$rc"
	assert_eq "as nobody, $c: one line" 1 "$(wc -l <"$WORK/u.err")"
	assert_match "as nobody, $c: says it needs CAP_NET_ADMIN" \
		'^tsnet: [a-z -]+: needs root or CAP_NET_ADMIN \(it changes the firewall or IPsec\); nothing was changed$' \
		"$(cat "$WORK/u.err")"
done
assert_eq "as nobody: no node's ruleset or file changed" "$before" \
	"$(node_state)"
assert_eq "as nobody: the inventory unchanged" "$(cat "$WORK/inv.before")" \
	"$(cat "$INV")"
x n1 setpriv --reuid=nobody --regid=nogroup --clear-groups "$T" agent \
	ipsec-remove </dev/null >"$WORK/u.out" 2>"$WORK/u.err"
assert_eq "as nobody on n1, agent ipsec-remove: exit 3" 3 $?
assert_match "...says what it lacks, on which node" \
	"^tsnet: agent ipsec-remove: needs root or CAP_NET_ADMIN \(it changes the firewall or IPsec\) on node n1; nothing was changed\$" \
	"$(cat "$WORK/u.err")"

# root without CAP_NET_RAW: capsh drops it from the bounding set, so the
# agents the lab transport starts lack it too.  probe's agents say so,
# each on its node; enable-ipsec (its proof captures) stops on its first
# call to the nodes, before any node changes
noraw() { capsh --drop=cap_net_raw -- -c '"$0" "$@"' "$@"; }
noraw "$T" -c "$INV" probe >"$WORK/r.out" 2>&1
assert_eq "probe without CAP_NET_RAW: exit 3" 3 $?
assert_match "probe without CAP_NET_RAW: a node's agent names it" \
	'agent probe-window: needs CAP_NET_RAW \(it sends crafted packets and captures\) on node n[123]; nothing was changed' \
	"$(cat "$WORK/r.out")"
assert_nomatch "...and not CAP_NET_ADMIN, which it has" 'CAP_NET_ADMIN' \
	"$(cat "$WORK/r.out")"
noraw "$T" -c "$INV" enable-ipsec >"$WORK/r.out" 2>&1
assert_eq "enable-ipsec without CAP_NET_RAW: exit 3" 3 $?
for n in n1 n2 n3; do
	assert_match "enable-ipsec without CAP_NET_RAW: one line for $n" \
		"^tsnet: enable-ipsec: $n: exited 3: tsnet: agent [a-z-]+: needs CAP_NET_RAW \(it sends crafted packets and captures\) on node $n; nothing was changed\$" \
		"$(cat "$WORK/r.out")"
done
assert_match "...and no node was changed" \
	'^tsnet: enable-ipsec: no node was changed' "$(cat "$WORK/r.out")"
assert_eq "without CAP_NET_RAW: no node's ruleset or file changed" \
	"$before" "$(node_state)"

# n2's /etc/swanctl read-only (its mount namespace is its own): enable-
# ipsec names the directory and the node, and changes no node
x n2 mount -o remount,ro /etc/swanctl || fail_all "cannot make n2's /etc/swanctl read-only"
"$T" -c "$INV" enable-ipsec >"$WORK/s.out" 2>&1
rc=$?
x n2 mount -o remount,rw /etc/swanctl
assert_eq "n2's /etc/swanctl read-only: enable-ipsec exits 3" 3 "$rc"
assert_match "...one line naming the directory on n2" \
	'^tsnet: enable-ipsec: n2: exited 3: tsnet: agent [a-z-]+: needs write access to /etc/swanctl/conf.d \(Read-only file system\) on node n2; nothing was changed$' \
	"$(cat "$WORK/s.out")"
assert_nomatch "...and no other node blamed" '^tsnet: enable-ipsec: n[13]:' \
	"$(cat "$WORK/s.out")"
assert_match "...no node was changed" '^tsnet: enable-ipsec: no node was changed' \
	"$(cat "$WORK/s.out")"
assert_eq "n2 read-only: no node's ruleset or file changed" "$before" \
	"$(node_state)"

# --- the lock files -------------------------------------------------------
# 0600 and root's: a local user who could open one could flock it and
# block every tsnet run
assert_eq "the cluster lock: a regular file of root's, 0600" \
	"regular file root 600" "$(stat -c '%F %U %a' /run/tsnet/cluster.lock)"
assert_eq "n1's node lock: a regular file of root's, 0600" \
	"regular file root 600" "$(x n1 stat -c '%F %U %a' "$NL1")"
nobody flock -n /run/tsnet/cluster.lock true 2>"$WORK/o.err"
rc=$?
assert_nomatch "nobody cannot open the cluster lock to hold it (flock: $rc)" \
	'^0$' "$rc"
assert_match "...Permission denied" 'Permission denied' "$(cat "$WORK/o.err")"
# one an older tsnet made 0644, that a local user opened and holds, is
# replaced when next taken: a chmod would leave that user's lock on it
x n1 chmod 644 "$NL1"
old_ino=$(x n1 stat -c %i "$NL1")
x n1 setpriv --reuid=nobody --regid=nogroup --clear-groups \
	flock "$NL1" sleep 30 >/dev/null 2>&1 &
G=$!
PIDS="$PIDS $G"
for _ in $(seq 50); do
	grep -q " FLOCK .*:$old_ino " /proc/locks && break
	sleep 0.1
done
assert_match "nobody holds the 0644 node lock" " FLOCK .*:$old_ino " "$(cat /proc/locks)"
x n1 "$T" agent nft-unfix </dev/null >/dev/null 2>"$WORK/o.err"
assert_eq "a 0644 node lock held by nobody: the agent runs (exit 0)" 0 $?
assert_eq "...with no line" "" "$(cat "$WORK/o.err")"
assert_eq "...the lock file is a new one, root's, 0600" "root 600 new" \
	"$(x n1 stat -c "%U %a %i" "$NL1" | awk -v o="$old_ino" \
		'{ print $1, $2, ($3 == o ? "same" : "new") }')"
kill $G 2>/dev/null
wait $G 2>/dev/null
# one that is not root's is not trusted as the lock
x n1 chown nobody "$NL1"
x n1 "$T" agent nft-unfix </dev/null >"$WORK/o.out" 2>"$WORK/o.err"
rc=$?
x n1 chown root "$NL1"
assert_eq "a node lock that is not root's: exit 3" 3 "$rc"
assert_match "...one line saying why" \
	"^tsnet: agent nft-unfix: node lock: $NL1: not a regular file owned by root, so not one tsnet trusts as its lock \(remove it\); nothing was changed\$" \
	"$(cat "$WORK/o.err")"

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
