#!/bin/bash
# test_version.sh - one tsnet across the cluster, in the lab over real
# OpenSSH (lab up 3 --ssh) and the netns transport:
#
#   - every agent call carries --proto N; an agent that speaks another
#     number refuses with one line naming both, exit 2;
#   - tsnet nodes shows each node's version, warns on one that differs,
#     names a node whose tsnet is older than the protocol (a real build of
#     the commit before it) and one where remote_tsnet does not exist
#     ("tsnet is not installed (remote_tsnet = ..., exit 127)");
#   - another command (status) says the same for the missing tsnet.
#
# The builds with another version or protocol are this tree's agent.c
# and main.c compiled with other TSN_VERSION / TSN_AGENT_PROTO, linked
# with this tree's library.  The lab is named tv1.
. "$(dirname "$0")/lib.sh"
need_root

NAME=tv1
TMP=$(mktemp -d /tmp/tsnet-version.XXXXXX)
cleanup() {
	"$LAB" down --name $NAME >/dev/null 2>&1
	[ -d "$TMP/old" ] && git -C "$TOP" worktree remove --force "$TMP/old" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
chmod 755 "$TMP"

[ -x "$TSNET" ] || fail_all "no $TSNET: build it first (make)"
[ -d "$TOP/build" ] || fail_all "no $TOP/build: build tsnet with make first"

# other_build OUT VERSION PROTO: this tree's agent and main with another
# version and protocol number, on this tree's library.
other_build() {
	local out=$1 d
	d=$TMP/$(basename "$out").o
	mkdir -p "$d"
	for f in agent main; do
		cc -std=gnu11 -D_GNU_SOURCE -I"$TOP" -DTSN_VERSION="\"$2\"" \
			-DTSN_AGENT_PROTO="$3" -c -o "$d/$f.o" "$TOP/$f.c" || return 1
	done
	cc -pthread -o "$out" "$d/main.o" "$d/agent.o" "$TOP/build/libtsnet.a" \
		-lmnl -lnftnl -lpcap -lnettle
}
other_build "$TMP/tsnet-p7" 9.9 7 || fail_all "build of a tsnet speaking protocol 7"
# the protocol this tree speaks: another version, the same protocol
PROTO=$(sed -n 's/^#define TSN_AGENT_PROTO \([0-9]*\).*/\1/p' "$TOP/lib/transport.h")
other_build "$TMP/tsnet-v98" 9.8 "$PROTO" ||
	fail_all "build of a tsnet 9.8 speaking protocol $PROTO"

# A real tsnet from before the agent protocol: the parent of the commit
# that brought TSN_AGENT_PROTO in.
intro=$(git -C "$TOP" log --format=%H -S TSN_AGENT_PROTO -- lib/transport.h | tail -1)
[ -n "$intro" ] || fail_all "no commit brings TSN_AGENT_PROTO into lib/transport.h (not a git checkout?)"
git -C "$TOP" worktree add --detach "$TMP/old" "$intro^" >/dev/null 2>&1 ||
	fail_all "git worktree add at $intro^"
make -s -C "$TMP/old" -j2 tsnet >"$TMP/old.log" 2>&1 ||
	fail_all "build of the pre-protocol tsnet: $(tail -3 "$TMP/old.log")"
OLD=$TMP/old/tsnet

echo "# the agent itself"
out=$("$TSNET" agent ping)
assert_match "ping reports the version and protocol" \
	'^\{"version":"[^"]+","protocol":[0-9]+,' "$out"
out=$("$TMP/tsnet-p7" agent --proto 1 ping 2>&1)
rc=$?
assert_eq "another protocol: exit 2" 2 "$rc"
assert_eq "another protocol: one line naming both" \
	"tsnet: agent: protocol 1 from the coordinator, this node's tsnet 9.9 speaks 7; install the same tsnet on every node" "$out"
assert_exit "same protocol: runs" 0 "$TMP/tsnet-p7" agent --proto 7 ping
assert_exit "--proto without a number: usage" 2 "$TSNET" agent --proto
out=$("$OLD" agent --proto 1 ping 2>&1)
assert_match "the pre-protocol tsnet rejects --proto (what the transport recognises)" \
	"unknown action '--proto'" "$out"

LAB_QUIET=1 "$LAB" up 3 --name $NAME --ssh >/dev/null || fail_all "lab up 3 --ssh"
INV=/run/tsnet-lab/$NAME/cluster.conf

# inv N2 N3: the lab's inventory with remote_tsnet N2 on n2, N3 on n3.
inv() {
	awk -v n2="$1" -v n3="$2" '
		{ print }
		/^\[node n2\]/ { print "remote_tsnet = " n2 }
		/^\[node n3\]/ { print "remote_tsnet = " n3 }' "$INV" >"$TMP/inv.conf"
	chmod 644 "$TMP/inv.conf"
}
ctl() { "$LAB" exec --name $NAME ctl "$TSNET" -c "$TMP/inv.conf" "$@" 2>&1; }

echo "# ssh: the same tsnet everywhere"
inv "$TSNET" "$TSNET"
out=$(ctl -v nodes)
rc=$?
assert_eq "nodes, one tsnet: exit 0" 0 "$rc"
assert_match "every call carries --proto" "agent' '--proto' '[0-9]+' 'ping'" "$out"
assert_match "n2's tsnet shown" "n2 +tsnet +ok +$("$TSNET" version | cut -d' ' -f2) \(protocol [0-9]+\)" "$out"

echo "# ssh: an older build and a missing tsnet"
inv "$OLD" tsnet-absent
out=$(ctl nodes)
rc=$?
echo "$out" | sed 's/^/    /'
assert_eq "nodes: exit 3" 3 "$rc"
assert_match "n2: an older tsnet without a protocol number" \
	"n2.*an older tsnet without a protocol number \(remote_tsnet = $OLD; this tsnet [^ ]+ speaks [0-9]+\): install the same tsnet on every node" "$out"
assert_match "n3: tsnet is not installed, exit 127" \
	"n3.*tsnet is not installed \(remote_tsnet = tsnet-absent, exit 127\)" "$out"
assert_nomatch "n3 is not called unreachable" "n3.*(unreachable|exited 127)" "$out"
js=$(ctl --json nodes)
assert_match "--json: the same words" \
	'tsnet is not installed \(remote_tsnet = tsnet-absent, exit 127\)' "$js"

echo "# ssh: another protocol, another version"
inv "$TMP/tsnet-p7" "$TMP/tsnet-v98"
out=$(ctl nodes)
rc=$?
echo "$out" | sed 's/^/    /'
assert_eq "nodes: exit 3 (n2 refuses)" 3 "$rc"
assert_match "n2 refuses, naming both protocols" \
	"n2.*protocol [0-9]+ from the coordinator, this node's tsnet 9.9 speaks 7; install the same tsnet on every node" "$out"
assert_match "n3's other version named" \
	"n3.*9\.8 \(protocol [0-9]+\), this tsnet is " "$out"

echo "# another command says it the same way"
inv "$TSNET" tsnet-absent
out=$(ctl status)
assert_match "status: n3 tsnet is not installed" \
	"n3.*tsnet is not installed \(remote_tsnet = tsnet-absent, exit 127\)" "$out"

echo "# netns transport: remote_tsnet that does not exist"
sed -e 's/^transport = ssh/transport = netns/' -e '/^ssh_/d' \
	-e "s/^ssh_host = .*//" "$INV" |
	awk -v lab=$NAME '{ print } /^\[node n[0-9]+\]/ {
		n = $2; sub(/\]/, "", n); print "netns = " lab "-" n }
		/^\[node n3\]/ { print "remote_tsnet = /nonexistent/tsnet" }' \
	>"$TMP/inv.conf"
out=$("$TSNET" -c "$TMP/inv.conf" nodes 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
assert_eq "netns nodes: exit 3" 3 "$rc"
assert_match "netns n3: tsnet is not installed" \
	"n3.*tsnet is not installed \(remote_tsnet = /nonexistent/tsnet: No such file or directory\)" "$out"
assert_match "netns n1 answers" "n1 +tsnet +ok +[^ ]+ \(protocol" "$out"

finish
