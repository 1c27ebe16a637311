#!/bin/bash
# test_status.sh - tsnet status, state export/import and node add/remove
# on a host lab: real charon in every node, real VICI, the agents run in
# the nodes' own namespaces.  No kernel ESP here, so CHILD_SAs cannot
# install (the VM part, test_esp_vm.sh's status_nodes, proves INSTALLED pairs); what
# is asserted here is everything around them:
#
#   - status on a cluster never enabled: "not enabled" rows, exit 1;
#   - after ipsec-apply on n1..n3: same plan everywhere, every tsnet
#     connection loaded, pairs "missing" (no ESP), exit 1;
#   - drift: a changed file and a changed mode, named per node;
#   - plan mismatch after one node's record changes;
#   - an unreachable node: exit 3, the others complete;
#   - state export: 0600, refuses to overwrite, holds the keys while no
#     output does; import refuses 0644 (exit 2, "chmod 600"), restores a
#     node's deleted files and loads them into charon;
#   - node add/remove: the inventory rewritten exactly (normalised text,
#     .bak kept), duplicates refused with exit 2 and the file untouched;
#     the peers keep their other pairs' keys, the new pair's key is on
#     both sides only, remove leaves nothing of tsnet's on the node;
#     preflight --fix's nftables member sets follow the membership.
. "$(dirname "$0")/lib.sh"
need_root

NAME=tb1
WORK=$(mktemp -d /tmp/tb-status.XXXXXX)
cleanup() { "$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT
[ -x /usr/lib/ipsec/charon ] || skip_all "no charon"
command -v nsenter >/dev/null || skip_all "no nsenter"
command -v python3 >/dev/null || skip_all "no python3"
# Other engineers rebuild ./tsnet at any time: run a private copy.
cp "$TSNET" "$WORK/tsnet" || fail_all "cannot copy $TSNET"
T=$WORK/tsnet
LAB_QUIET=1 "$LAB" up 4 --name $NAME >/dev/null || fail_all "lab up failed"
INV=$WORK/cluster.conf
# The cluster is n1..n3; n4 is up but not a member until `node add`.
sed "s|^remote_tsnet = .*|remote_tsnet = $T|" \
	"$("$LAB" inventory --name $NAME)" |
	awk '/^\[node n4\]/ { skip = 1; next } /^\[/ { skip = 0 } !skip' \
	>"$INV"
x() { "$LAB" exec --name $NAME "$@"; }
ts() { "$T" -c "$INV" "$@"; }
K12=$(printf '12%.0s' $(seq 32)) K13=$(printf '13%.0s' $(seq 32))
K23=$(printf '23%.0s' $(seq 32))
ALL_OUT=$WORK/all-output
PLAN=$(printf 'ab%.0s' $(seq 32))

req() {	# req NODE KEYS_JSON
	python3 -c 'import json,sys
print(json.dumps({"inventory": open(sys.argv[1]).read(), "node": sys.argv[2],
  "keys": json.loads(sys.argv[3]), "encap": [], "trap": False,
  "legacy": False, "initiate": [], "plan_hash": sys.argv[4],
  "timeout_ms": 5000}))' "$INV" "$1" "$2" "$PLAN"
}
# run CMD...: output (stdout+stderr) kept for the key grep; sets rc
run() { out=$("$@" 2>&1); rc=$?; printf '%s\n' "$out" >>"$ALL_OUT"; }

echo "# status on a cluster never enabled"
run ts status
assert_eq "not enabled: exit" 1 "$rc"
assert_match "n1 not enabled" 'n1 +stopped +- +not enabled' "$out"
assert_match "n3 not enabled" 'n3 +stopped +- +not enabled' "$out"
assert_match "problem names the fix" 'n2: IPsec not enabled by tsnet \(tsnet enable-ipsec\)' "$out"
assert_match "no plan" 'plan: no node is enabled' "$out"
run ts status --json
assert_eq "json: exit" 1 "$rc"
assert_eq "json: three nodes not enabled" "false false false" \
	"$(printf '%s' "$out" | python3 -c 'import json,sys
print(" ".join(str(n["enabled"]).lower() for n in json.load(sys.stdin)["nodes"]))')"

echo "# ipsec-apply on n1..n3 (IKE only: no ESP on this host)"
for n in n1 n2 n3; do
	case $n in
	n1) k="{\"n2\":\"$K12\",\"n3\":\"$K13\"}" ;;
	n2) k="{\"n1\":\"$K12\",\"n3\":\"$K23\"}" ;;
	n3) k="{\"n1\":\"$K13\",\"n2\":\"$K23\"}" ;;
	esac
	out=$(req $n "$k" | x $n "$T" agent ipsec-apply 2>&1)
	rc=$?
	printf '%s\n' "$out" >>"$ALL_OUT"
	assert_eq "apply $n" 0 "$rc"
done
run ts status
assert_eq "enabled, no ESP: exit" 1 "$rc"
# the lab is dual-stack: 2 peers x 2 families (tsnet-PEER, tsnet-PEER_v6)
assert_match "n1: running, plan, 4/4 loaded, no drift" \
	"n1 +running +5\.[0-9.]+ +${PLAN:0:12} +4/4 +none" "$out"
assert_match "n3: 4/4 loaded" "n3 +running +[0-9.]+ +${PLAN:0:12} +4/4 +none" "$out"
assert_match "one plan" 'every enabled node holds the same plan' "$out"
assert_match "pairs missing (no ESP)" 'n1-n2 +missing +no INSTALLED CHILD_SA on either side' "$out"
assert_match "per-peer SA rows" 'n2 +n3 ' "$out"
run ts status --json
assert_eq "json: plan consistent" "True" "$(printf '%s' "$out" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["plan_consistent"])')"
assert_eq "json: loaded on n2" "tsnet-n1 tsnet-n1_v6 tsnet-n3 tsnet-n3_v6" "$(printf '%s' "$out" |
	python3 -c 'import json,sys
print(" ".join(sorted(json.load(sys.stdin)["nodes"][1]["loaded"])))')"

echo "# drift"
x n2 sh -c 'echo "# hand edit" >>/etc/swanctl/conf.d/tsnet.conf'
x n3 chmod 0644 /etc/swanctl/conf.d/tsnet-secrets.conf
run ts status
assert_eq "drift: exit" 1 "$rc"
assert_match "n2's changed file named" 'n2: drift: /etc/swanctl/conf.d/tsnet.conf changed since tsnet wrote it \(repair: tsnet enable-ipsec --node n2\)' "$out"
assert_match "n3's mode named" 'n3: drift: /etc/swanctl/conf.d/tsnet-secrets.conf has another mode' "$out"
assert_match "n1 has none" "n1 +running .* 4/4 +none" "$out"
run ts status --json
assert_eq "json: drift reasons" "modified mode" "$(printf '%s' "$out" |
	python3 -c 'import json,sys
n = json.load(sys.stdin)["nodes"]
print(n[1]["drift"][0]["reason"], n[2]["drift"][0]["reason"])')"
x n2 sed -i '/# hand edit/d' /etc/swanctl/conf.d/tsnet.conf
x n3 chmod 0600 /etc/swanctl/conf.d/tsnet-secrets.conf
run ts status
assert_nomatch "drift repaired" 'drift:' "$out"

echo "# plan mismatch"
x n3 sed -i "s/\"plan_hash\":\"$PLAN\"/\"plan_hash\":\"$(printf 'cd%.0s' $(seq 32))\"/" \
	/var/lib/tsnet/ipsec.json
run ts status
assert_eq "mismatch: exit" 1 "$rc"
assert_match "mismatch reported" 'DIFFERENT plans on the nodes' "$out"
assert_match "n3's hash shown" 'n3 +running +[0-9.]+ +cdcdcdcdcdcd' "$out"
x n3 sed -i "s/\"plan_hash\":\"[0-9a-f]*\"/\"plan_hash\":\"$PLAN\"/" \
	/var/lib/tsnet/ipsec.json

echo "# an unreachable node"
cp "$INV" "$WORK/gone.conf"
printf '\n[node n9]\naddress = 198.18.1.9\nnetns = tb1-gone\n' >>"$WORK/gone.conf"
out=$("$T" -c "$WORK/gone.conf" status 2>&1)
rc=$?
assert_eq "unreachable: exit" 3 "$rc"
assert_match "n9 unreachable" 'n9 +unreachable' "$out"
assert_match "n1 still complete" "n1 +running +[0-9.]+ +${PLAN:0:12} +4/4" "$out"

echo "# state export"
run ts state export "$WORK/backup.json"
assert_eq "export: exit" 0 "$rc"
assert_eq "export: mode" 600 "$(stat -c %a "$WORK/backup.json")"
assert_match "export holds n1-n2's key (it is the backup)" "$K12" "$(cat "$WORK/backup.json")"
assert_match "export holds the plan hash" "\"plan_hash\":\"$PLAN\"" "$(cat "$WORK/backup.json")"
run ts state export "$WORK/backup.json"
assert_eq "export refuses to overwrite" 2 "$rc"
assert_match "says --force" 'exists \(--force' "$out"
run ts state export --force "$WORK/backup.json"
assert_eq "export --force" 0 "$rc"

echo "# state import"
cp -p "$WORK/backup.json" "$WORK/open.json"
chmod 0644 "$WORK/open.json"
run ts state import "$WORK/open.json"
assert_eq "import 0644: exit" 2 "$rc"
assert_match "import 0644: the fix" "chmod 600 $WORK/open.json" "$out"
x n2 sh -c 'rm -f /etc/swanctl/conf.d/tsnet*.conf /var/lib/tsnet/ipsec.json; swanctl --load-all --noprompt >/dev/null 2>&1'
run ts status
assert_match "n2 lost its files" 'n2 +running +[0-9.]+ +not enabled' "$out"
run ts state import "$WORK/backup.json"
assert_eq "import: exit" 0 "$rc"
assert_match "n2 restored and loaded" 'n2: restored 2 files; loaded into charon' "$out"
assert_eq "restored secrets mode" 600 "$(x n2 stat -c %a /etc/swanctl/conf.d/tsnet-secrets.conf)"
run ts status
assert_match "n2 back: 4/4, no drift" "n2 +running +[0-9.]+ +${PLAN:0:12} +4/4 +none" "$out"
out=$("$T" -c "$WORK/gone.conf" state import "$WORK/backup.json" 2>&1)
assert_match "import under another inventory warns" 'warning: .*another inventory' "$out"
printf '%s\n' "$out" >>"$ALL_OUT"
printf '{"tsnet_state":1,"cluster":"other","nodes":[]}' >"$WORK/other.json"
chmod 600 "$WORK/other.json"
run ts state import "$WORK/other.json"
assert_eq "import of another cluster: exit" 2 "$rc"

echo "# node add: duplicates refused, the file untouched"
cp "$INV" "$WORK/before.conf"
run ts node add n2 198.18.1.4
assert_eq "duplicate name: exit" 2 "$rc"
assert_match "duplicate name named" "duplicate node 'n2'" "$out"
run ts node add n4 198.18.1.3
assert_eq "duplicate address: exit" 2 "$rc"
assert_match "duplicate address named" 'duplicate address 198.18.1.3' "$out"
run ts node add N4 198.18.1.4
assert_eq "bad name: exit" 2 "$rc"
assert_eq "inventory untouched" "" "$(cmp "$WORK/before.conf" "$INV" 2>&1)"

echo "# node add n4 (its pairs cannot install here: exit 1)"
# preflight --fix's table on n1..n3 (not on n4): add must extend its sets
for n in n1 n2 n3; do
	echo '{"members":["198.18.1.1","198.18.1.2","198.18.1.3"],"interface":"eth0","no_persist":true}' |
		x $n "$T" agent nft-fix >/dev/null 2>&1
	assert_eq "$n: preflight fix in place" 0 $?
done
ts inventory check >"$WORK/norm.conf"
cat "$WORK/norm.conf" - >"$WORK/expect.conf" <<EOF

[node n4]
address = 198.18.1.4
address6 = fd00:7473:1::4
netns = tb1-n4
EOF
# --timeout 6: 2 s for the pairs, which cannot install here anyway
run ts node add n4 198.18.1.4 --address6 fd00:7473:1::4 --netns tb1-n4 \
	--timeout 6
assert_eq "node add: exit (no ESP)" 1 "$rc"
assert_eq "inventory rewritten exactly" "" "$(diff "$WORK/expect.conf" "$INV")"
assert_eq "previous kept as .bak" "" "$(cmp "$WORK/before.conf" "$INV.bak" 2>&1)"
assert_match "n1 configured" 'n1: configured' "$out"
assert_match "n1's member set updated" 'n1: nftables member set updated' "$out"
assert_match "n1's nft set holds n4" '198\.18\.1\.4' "$(x n1 nft list table inet tsnet 2>&1)"
assert_eq "n4 got no table of preflight's" "" "$(x n4 nft list ruleset 2>&1)"
assert_match "n4 configured, pairs tried" 'pair n4-n1: ' "$out"
sec1=$(x n1 cat /etc/swanctl/conf.d/tsnet-secrets.conf)
assert_match "n1 keeps n1-n2's key" "$K12" "$sec1"
assert_match "n1 keeps n1-n3's key" "$K13" "$sec1"
assert_match "n1 has a key for n4" 'ike-tsnet-n4' "$sec1"
k14=$(printf '%s' "$sec1" | awk '/ike-tsnet-n4/ { f = 1 } f && /secret/ { sub(/.*0x/, ""); print; exit }')
assert_match "n4 holds the same n1-n4 key" "$k14" "$(x n4 cat /etc/swanctl/conf.d/tsnet-secrets.conf)"
assert_nomatch "n2 does not hold n1-n4's key" "$k14" "$(x n2 cat /etc/swanctl/conf.d/tsnet-secrets.conf)"
run ts status
assert_match "four nodes, one plan" 'every enabled node holds the same plan' "$out"
assert_match "n1 loads 6 of 6 (3 peers x 2 families)" 'n1 +running +[0-9.]+ +[0-9a-f]{12} +6/6 +none' "$out"
assert_match "n4 loads 6 of 6" 'n4 +running +[0-9.]+ +[0-9a-f]{12} +6/6 +none' "$out"
assert_match "six pairs" 'n3-n4 ' "$out"

echo "# node remove n4"
run ts --json node remove n4
assert_eq "node remove: exit" 0 "$rc"
assert_eq "node remove --json: n4 cleaned, n1 configured, exit 0" "removed configured 0" \
	"$(printf '%s' "$out" | python3 -c 'import json,sys
o = json.load(sys.stdin)
r = {(e["node"], e["result"]) for e in o["events"]}
print("removed" if ("n4", "removed") in r else "-",
      "configured" if ("n1", "configured") in r else "-", o["exit"])')"
assert_eq "inventory back to the three nodes" "" "$(diff "$WORK/norm.conf" "$INV")"
assert_nomatch "n1's nft set no longer holds n4" '198\.18\.1\.4' "$(x n1 nft list table inet tsnet 2>&1)"
assert_match "n1's nft set still holds n2" '198\.18\.1\.2' "$(x n1 nft list table inet tsnet 2>&1)"
assert_eq "n4: no tsnet file left" "" \
	"$(x n4 sh -c 'ls -A /etc/swanctl/conf.d/; ls -A /var/lib/tsnet/')"
assert_nomatch "n1 lost n4's key" 'ike-tsnet-n4' "$(x n1 cat /etc/swanctl/conf.d/tsnet-secrets.conf)"
assert_match "n1 still has n1-n2's key" "$K12" "$(x n1 cat /etc/swanctl/conf.d/tsnet-secrets.conf)"
run ts status
assert_match "n1 back to 4/4" 'n1 +running +[0-9.]+ +[0-9a-f]{12} +4/4 +none' "$out"
assert_match "one plan again" 'every enabled node holds the same plan' "$out"
run ts node remove n4
assert_eq "remove an unknown node: exit" 2 "$rc"

echo "# charon stopped on n3"
# shellcheck disable=SC2016 # expands inside n3
x n3 sh -c 'kill "$(cat /run/charon.pid)"; sleep 1'
run ts status
assert_eq "charon stopped: exit" 1 "$rc"
assert_match "n3: charon not running, the fix" 'n3: charon is not running \(repair: tsnet enable-ipsec --node n3\)' "$out"
assert_match "n3 row says stopped" 'n3 +stopped' "$out"
run ts state import "$WORK/backup.json"
assert_eq "import starts charon where it is not running: exit" 0 "$rc"
assert_match "n3 restored and loaded" 'n3: restored 2 files; loaded into charon' "$out"
run ts status
assert_match "n3 running again with its 4 connections" "n3 +running +[0-9.]+ +${PLAN:0:12} +4/4 +none" "$out"
assert_match "the backup's plan on every node" 'every enabled node holds the same plan' "$out"

echo "# no key in any output"
for k in "$K12" "$K13" "$K23" "$k14"; do
	[ -n "$k" ] || continue
	assert_nomatch "key ${k:0:8}... in no output" "$k" "$(cat "$ALL_OUT")"
done
finish
