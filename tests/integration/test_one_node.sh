#!/bin/bash
# test_one_node.sh - a cluster of one node, as a newcomer starts one: the
# inventory of a 2-node lab with only n1 kept.  Every command of main.c's
# table gives a clear answer with its documented exit code
# (man/tsnet.8, "A cluster of one node"):
#
#   - inventory check, nodes, cloud azure|aws|gcp, disable-ipsec, help,
#     version: as on any cluster, exit 0; cloud without a subnet warns
#     that its rules let nothing new through;
#   - preflight: the host checks run; one "pairs" row (skip) says there is
#     no peer instead of "agent nft-eval: missing PEER"; no error row;
#     the exit status is the host checks' (the same in --json); --fix has
#     nothing to open and changes no ruleset; --unfix exits 0;
#   - probe and enable-ipsec: exit 2, one line naming the only node,
#     nothing sent or changed;
#   - status: exit 1, "no pair to check", not the advice to run
#     enable-ipsec (which refuses);
#   - state export: exit 1, nothing enabled to export;
#   - node add n2 makes two (no IPsec to configure), node remove n2 makes
#     one again, node remove n1 (the only node) is refused, exit 2, the
#     inventory untouched;
#   - a node left alone by node remove from an IPsec cluster: status says
#     no pair; state export, disable-ipsec and state import work on it.
. "$(dirname "$0")/lib.sh"
need_root

NAME=to1
WORK=$(mktemp -d /tmp/to-one.XXXXXX)
cleanup() { "$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT
command -v jq >/dev/null || fail_all "jq is missing (make deps)"
cp "$TSNET" "$WORK/tsnet" || fail_all "cannot copy $TSNET"	# others relink ./tsnet
T=$WORK/tsnet
LAB_QUIET=1 "$LAB" up 2 --name $NAME >/dev/null || fail_all "lab up 2 failed"
x() { "$LAB" exec --name $NAME "$@"; }
TWO=$WORK/two.conf
sed "s|^remote_tsnet = .*|remote_tsnet = $T|" \
	"$("$LAB" inventory --name $NAME)" >"$TWO"
ONE=$WORK/one.conf
awk '/^\[node n2\]/ { skip = 1; next } /^\[/ { skip = 0 } !skip' "$TWO" >"$ONE"
assert_eq "the inventory holds n1 only" "n1" \
	"$(sed -n 's/^\[node \(.*\)\]$/\1/p' "$ONE" | tr '\n' ' ' | sed 's/ $//')"

# run CMD...: rc, out (stdout), err (stderr)
run() {
	"$T" -c "$ONE" "$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	out=$(cat "$WORK/out")
	err=$(cat "$WORK/err")
}

echo "# inventory check, nodes"
run inventory check
assert_eq "inventory check: exit 0" 0 "$rc"
assert_match "inventory check: n1 printed" '^\[node n1\]$' "$out"
run nodes
assert_eq "nodes: exit 0" 0 "$rc"
assert_match "nodes: n1 reachable" '^n1 +reachable +ok' "$out"

echo "# preflight"
ruleset_before=$(x n1 nft list ruleset)
run -v preflight --no-probe
fails=$(grep -cE '^n1 +[a-z0-9.-]+ +fail ' <<<"$out")
assert_eq "preflight: exit = the host checks' ($fails failed)" \
	"$([ "$fails" -gt 0 ] && echo 1 || echo 0)" "$rc"
assert_match "preflight: the host checks ran" '^n1 +kernel\.esp +(ok|fail|warn) ' "$out"
assert_match "preflight: one line says there is no peer" \
	"^n1 +pairs +skip +no peer to check: n1 is the cluster's only node \(the firewall and probe checks are per pair; tsnet node add adds one\)$" "$out"
assert_nomatch "preflight: no error row, no missing PEER" 'error|missing PEER|nft-eval' "$out$err"
assert_nomatch "preflight: no firewall rows without a peer" '^n1 +nft\.' "$out"
assert_eq "preflight: nothing on stderr" "" "$err"
run preflight
assert_eq "preflight with the probe: same exit" "$([ "$fails" -gt 0 ] && echo 1 || echo 0)" "$rc"
assert_nomatch "preflight with the probe: no matrix, no problem about the probe" \
	'^problems:|^probe:|^ *(udp500|udp4500|esp) |could not run' "$out$err"
assert_match "preflight's summary: the no-peer line folded" \
	'^  pairs +skip on 1 node$' "$out"
run --json preflight
assert_eq "--json preflight: the pairs check is a skip" "skip" \
	"$(jq -r '.nodes[0].checks[] | select(.id == "pairs") | .status' <<<"$out")"
assert_eq "--json preflight: no node error" "null" "$(jq -r '.nodes[0].error' <<<"$out")"
assert_eq "--json preflight: its exit is the command's" "$rc" "$(jq -r '.exit' <<<"$out")"
run -v preflight --fix --no-probe
assert_match "preflight --fix: nothing to open" \
	"^n1 +nft\.fix +skip +nothing to open: n1 is the cluster's only node \(--fix opens IPsec between members\)$" "$out"
assert_eq "preflight --fix: exit = the host checks'" "$([ "$fails" -gt 0 ] && echo 1 || echo 0)" "$rc"
assert_eq "preflight --fix: n1's ruleset unchanged" "$ruleset_before" "$(x n1 nft list ruleset)"
assert_eq "preflight --fix: no file written" "" "$(x n1 find /etc/tsnet /var/lib/tsnet -mindepth 1 2>/dev/null)"
run -v preflight --unfix
assert_eq "preflight --unfix: exit 0" 0 "$rc"
assert_match "preflight --unfix: nothing to remove" '^n1 +nft\.unfix +ok +nothing to remove' "$out"

echo "# probe, enable-ipsec: refused, nothing sent or changed"
run probe
assert_eq "probe: exit 2" 2 "$rc"
assert_eq "probe: one line, naming the only node" \
	"tsnet: probe: $ONE: n1 is the cluster's only node: there is no pair to probe (tsnet node add adds a node)" "$err"
assert_eq "probe: nothing on stdout" "" "$out"
run enable-ipsec
assert_eq "enable-ipsec: exit 2" 2 "$rc"
assert_eq "enable-ipsec: one line, naming the only node" \
	"tsnet: enable-ipsec: $ONE: n1 is the cluster's only node: IPsec is between pairs of nodes, nothing was changed (tsnet node add adds a node)" "$err"
assert_eq "enable-ipsec: no tsnet file" "" "$(x n1 find /etc/swanctl/conf.d /var/lib/tsnet -mindepth 1)"
assert_exit "enable-ipsec: charon not started" 1 x n1 test -e /run/charon.pid
assert_eq "probe and enable-ipsec: no nft table left" "" "$(x n1 nft list tables)"

echo "# status, state, disable-ipsec"
run status
assert_eq "status: exit 1" 1 "$rc"
assert_match "status: no pair to check" \
	"n1: no pair to check: it is the cluster's only node, and IPsec is between pairs \(tsnet node add adds a node\)" "$out"
assert_nomatch "status: no advice to run enable-ipsec (it refuses)" 'tsnet enable-ipsec' "$out"
run --json status
assert_eq "--json status: exit 1" 1 "$(jq -r .exit <<<"$out")"
assert_eq "--json status: no pairs" 0 "$(jq '.pairs | length' <<<"$out")"
run state export "$WORK/state.json"
assert_eq "state export: exit 1" 1 "$rc"
assert_match "state export: nothing enabled" 'nothing to export' "$err"
run disable-ipsec
assert_eq "disable-ipsec: exit 0" 0 "$rc"
assert_match "disable-ipsec: n1 ok" '^n1 +ipsec\.remove +ok' "$out"

echo "# cloud"
sed 's/^\[cluster\]$/[cluster]\nazure_resource_group = rg1\nazure_nsg = nsg1\naws_security_group = sg-0123456789abcdef0\ngcp_project = proj-one\ngcp_network = net1\ngcp_target_tags = tsnet/' \
	"$ONE" >"$WORK/cloud.conf"
for p in azure aws gcp; do
	"$T" -c "$WORK/cloud.conf" cloud $p >"$WORK/out" 2>"$WORK/err"
	assert_eq "cloud $p: exit 0" 0 $?
	assert_eq "cloud $p: a script that bash parses" 0 \
		"$(bash -n "$WORK/out" >/dev/null 2>&1; echo $?)"
	assert_match "cloud $p: the member's subnet" '198\.18\.1\.0/24' "$(cat "$WORK/out")"
	assert_eq "cloud $p: no warning with a subnet" "" "$(cat "$WORK/err")"
done
grep -v '^subnet = ' "$WORK/cloud.conf" >"$WORK/cloud-nosub.conf"
"$T" -c "$WORK/cloud-nosub.conf" cloud azure >"$WORK/out" 2>"$WORK/err"
assert_eq "cloud without a subnet: exit 0" 0 $?
assert_match "cloud without a subnet: n1's address only" '198\.18\.1\.1/32' "$(cat "$WORK/out")"
assert_eq "cloud without a subnet: one warning saying the rules let nothing new through" \
	"tsnet: cloud: warning: n1 is the cluster's only node and the inventory names no subnet: these rules allow IPsec from n1 to itself only (set subnet in [cluster], or run tsnet cloud again after tsnet node add)" \
	"$(cat "$WORK/err")"

echo "# help, version"
run help
assert_eq "help: exit 0" 0 "$rc"
run version
assert_eq "version: exit 0" 0 "$rc"

echo "# node add, node remove"
cp "$ONE" "$WORK/grow.conf"
"$T" -c "$WORK/grow.conf" node add n2 198.18.1.2 --netns $NAME-n2 \
	>"$WORK/out" 2>&1
assert_eq "node add n2 to the one node: exit 0" 0 $?
assert_match "node add: no IPsec to configure" 'not enabled by tsnet on the other nodes: nothing to configure' \
	"$(cat "$WORK/out")"
assert_eq "node add: two nodes now" 2 "$(grep -c '^\[node ' "$WORK/grow.conf")"
"$T" -c "$WORK/grow.conf" node remove n2 >"$WORK/out" 2>&1
assert_eq "node remove n2: exit 0, one node again" "0 1" \
	"$? $(grep -c '^\[node ' "$WORK/grow.conf")"
cp "$WORK/grow.conf" "$WORK/grow.before"
"$T" -c "$WORK/grow.conf" node remove n1 >"$WORK/out" 2>"$WORK/err"
assert_eq "node remove n1 (the only node): exit 2" 2 $?
assert_eq "node remove n1: one line saying why and what to do" \
	"tsnet: node: $WORK/grow.conf: cannot remove n1: it is the cluster's only node (an inventory has at least one; to retire the cluster, run tsnet disable-ipsec, then delete the file)" \
	"$(cat "$WORK/err")"
assert_eq "node remove n1: inventory untouched" "" "$(cmp "$WORK/grow.conf" "$WORK/grow.before")"

echo "# a node left alone by node remove from an IPsec cluster"
K12=$(printf '12%.0s' $(seq 32))
for n in n1 n2; do
	python3 -c 'import json,sys
me = sys.argv[2]; peer = "n2" if me == "n1" else "n1"
print(json.dumps({"inventory": open(sys.argv[1]).read(), "node": me,
  "keys": {peer: sys.argv[3]}, "encap": [], "trap": False, "legacy": False,
  "initiate": [], "plan_hash": "0"*64, "timeout_ms": 5000}))' "$TWO" $n "$K12" |
		x $n "$T" agent ipsec-apply >>"$WORK/log" 2>&1
	assert_eq "ipsec-apply on $n (the pair n1-n2)" 0 $?
done
cp "$TWO" "$WORK/shrink.conf"
"$T" -c "$WORK/shrink.conf" node remove n2 --timeout 6 >"$WORK/out" 2>&1
rc=$?
cat "$WORK/out" >>"$WORK/log"
assert_eq "node remove n2 from the pair: exit 0" 0 "$rc"
assert_eq "n1: no connection to n2 left" "" \
	"$(x n1 swanctl --list-conns 2>&1 | grep '^tsnet-')"
"$T" -c "$WORK/shrink.conf" status >"$WORK/out" 2>&1
assert_eq "status of the node left alone: exit 1" 1 $?
assert_match "status: n1 enabled, no pair to check" \
	"n1: no pair to check: it is the cluster's only node" "$(cat "$WORK/out")"
"$T" -c "$WORK/shrink.conf" state export "$WORK/alone.json" >>"$WORK/log" 2>&1
assert_eq "state export of the node left alone: exit 0" 0 $?
assert_eq "the export holds n1" "n1" "$(jq -r '[.nodes[].node] | join(" ")' "$WORK/alone.json" 2>/dev/null)"
"$T" -c "$WORK/shrink.conf" disable-ipsec >>"$WORK/log" 2>&1
assert_eq "disable-ipsec on the node left alone: exit 0" 0 $?
assert_eq "n1: nothing of tsnet's left" "" \
	"$(x n1 find /etc/swanctl/conf.d /var/lib/tsnet -mindepth 1)"
"$T" -c "$WORK/shrink.conf" state import "$WORK/alone.json" >>"$WORK/log" 2>&1
assert_eq "state import of the node left alone: exit 0" 0 $?
assert_match "state import: n1's record back" '"plan_hash"' \
	"$(x n1 cat /var/lib/tsnet/ipsec.json 2>&1)"
"$T" -c "$WORK/shrink.conf" disable-ipsec >>"$WORK/log" 2>&1
assert_eq "disable-ipsec after the import: exit 0, nothing left" "0 " \
	"$? $(x n1 find /etc/swanctl/conf.d /var/lib/tsnet -mindepth 1)"
assert_nomatch "no key in any output" "$K12" "$(cat "$WORK/log")"
finish
