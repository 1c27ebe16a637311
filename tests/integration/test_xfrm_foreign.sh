#!/bin/bash
# test_xfrm_foreign.sh - IPsec that is not tsnet's, and the kernel's side
# of `tsnet status`, on a host lab (XFRM policies work on this kernel
# without ESP; what needs ESP is in test_esp_vm.sh's xfrm_mismatch).
#
#   - a foreign `block` policy on n1 for n2: enable-ipsec stops before
#     any change with one line naming it exactly (selector, direction,
#     action, priority, index) and the `ip xfrm` command that removes
#     exactly it, before the probe (which the policy makes fail at
#     sendto, and would blame on a firewall); the same in --json
#     "causes"; n2 and n3 are not named; no node changed;
#   - preflight's xfrm.foreign (agent preflight-host) fails with the
#     same words; status shows it as drift, text and JSON; the probe
#     names the kernel's XfrmOutPolBlock that rose on n1 (its sendto
#     refused by the policy);
#   - the fix line, run as printed, removes it: enable-ipsec goes on to
#     this kernel's kernel.esp refusal, status shows no drift;
#   - status on nodes where tsnet's charon runs: charon holds UDP 500
#     and 4500 (sock_diag); another process on UDP 500 is named with its
#     pid, not charon.
. "$(dirname "$0")/lib.sh"
need_root

NAME=tx1
WORK=$(mktemp -d /tmp/tx-foreign.XXXXXX)
PY=
cleanup() {
	[ -n "$PY" ] && kill "$PY" 2>/dev/null
	"$LAB" down --name $NAME >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
[ -x /usr/lib/ipsec/charon ] || skip_all "no charon"
cp "$TSNET" "$WORK/tsnet" || fail_all "cannot copy $TSNET"
T=$WORK/tsnet
LAB_QUIET=1 "$LAB" up 3 --name $NAME >/dev/null || fail_all "lab up failed"
INV=$WORK/cluster.conf
sed "s|^remote_tsnet = .*|remote_tsnet = $T|" \
	"$("$LAB" inventory --name $NAME)" >"$INV"
x() { "$LAB" exec --name $NAME "$@"; }

echo "# a foreign block policy on n1 for n2 stops enable-ipsec"
x n1 ip xfrm policy add src 198.18.1.1/32 dst 198.18.1.2/32 dir out \
	action block priority 5 || fail_all "cannot add the block policy"
idx=$(x n1 ip -s xfrm policy list dir out | sed -n 's/.* index \([0-9]*\) .*/\1/p')
[ -n "$idx" ] || fail_all "no index for the block policy"
"$T" -c "$INV" enable-ipsec --timeout 10 >"$WORK/out" 2>"$WORK/err"
rc=$?
err=$(cat "$WORK/err")
assert_eq "foreign: exit 1" 1 "$rc"
line="tsnet: enable-ipsec: n1: xfrm.foreign: policy out 198.18.1.1/32 -> 198.18.1.2/32 action block priority 5 index $idx, not tsnet's, covers the members' traffic (fix: ip xfrm policy delete dir out src 198.18.1.1/32 dst 198.18.1.2/32)"
assert_eq "foreign: the entry named exactly, with its fix" 1 \
	"$(grep -cxF "$line" <<<"$err")"
assert_eq "foreign: one xfrm.foreign line, n2 and n3 not named" 1 \
	"$(grep -c 'xfrm\.foreign' <<<"$err")"
assert_nomatch "foreign: before the probe, which it would fail (sendto EPERM)" \
	'IKE|firewall|kernel\.esp' "$err"
assert_match "foreign: the last line says what it means, nothing changed" \
	"^tsnet: enable-ipsec: no node was changed: another IPsec setup's policies hold the members' traffic \(stop it, remove them as each line says" \
	"$(tail -n 1 "$WORK/err")"
for n in n1 n2 n3; do
	assert_eq "foreign: $n: no tsnet file" "" \
		"$(x $n find /etc/swanctl/conf.d /var/lib/tsnet -mindepth 1)"
done
assert_eq "foreign: n1's policy still there (tsnet removes nothing of others')" \
	1 "$(x n1 ip xfrm policy list | grep -c 'action block')"
out=$("$T" -c "$INV" --json enable-ipsec --timeout 10 2>/dev/null)
assert_match "--json: the entry in causes" \
	"\"n1: xfrm\.foreign: policy out 198\.18\.1\.1/32 -> 198\.18\.1\.2/32 action block priority 5 index $idx, not tsnet's" "$out"
assert_match "--json: exit 1" '"exit": 1' "$out"

echo "# preflight's xfrm.foreign says the same"
out=$(x n1 "$T" agent preflight-host --address 198.18.1.1 n2=198.18.1.2 \
	n3=198.18.1.3 2>/dev/null)
assert_match "preflight: xfrm.foreign fails naming the block policy" \
	'"id":"xfrm\.foreign","status":"fail","detail":"[^"]*policy out 198\.18\.1\.1/32 -> 198\.18\.1\.2/32 action block priority 5' "$out"

echo "# status: the policy is drift, text and JSON"
"$T" -c "$INV" status >"$WORK/out" 2>&1
rc=$?
assert_eq "status: exit 1" 1 "$rc"
assert_match "status: drift names it with its fix" \
	"^  n1: drift: xfrm\.foreign: policy out 198\.18\.1\.1/32 -> 198\.18\.1\.2/32 action block priority 5 index $idx, not tsnet's, covers the members' traffic \(fix: ip xfrm policy delete dir out src 198\.18\.1\.1/32 dst 198\.18\.1\.2/32\)" \
	"$(cat "$WORK/out")"
out=$("$T" -c "$INV" --json status 2>/dev/null)
assert_match "status --json: the drift in problems" \
	'"n1: drift: xfrm\.foreign: policy out 198\.18\.1\.1/32 -> 198\.18\.1\.2/32 action block' "$out"

echo "# the probe: the kernel's drop counter names the block policy's drops"
"$T" -c "$INV" probe >"$WORK/probe" 2>&1
cat "$WORK/probe" >>"$WORK/log"
assert_match "probe: XfrmOutPolBlock rose on n1, with its meaning" \
	'xfrm\.stat\.XfrmOutPolBlock.*n1.*outbound packets dropped by a block policy' \
	"$(tr '\n' ' ' <"$WORK/probe")"
out=$("$T" -c "$INV" --json probe 2>/dev/null)
assert_match "probe --json: the check on n1" \
	'"id": "xfrm\.stat\.XfrmOutPolBlock",' "$out"

echo "# the fix line, run as printed, removes exactly it"
fix=$(sed -n 's/.*n1: xfrm\.foreign: .*(fix: \(ip xfrm [^)]*\))$/\1/p' "$WORK/err" | head -n 1)
# shellcheck disable=SC2086 # the command as the line prints it
x n1 $fix
assert_eq "fix: no policy left on n1" "" "$(x n1 ip xfrm policy list)"
"$T" -c "$INV" enable-ipsec --timeout 10 >/dev/null 2>"$WORK/err"
assert_eq "fix: enable-ipsec names no foreign entry" 0 \
	"$(grep -c 'xfrm\.foreign' "$WORK/err")"
assert_match "fix: on to this kernel's own refusal (no ESP)" \
	'no node was changed: IPsec needs ESP with AES-GCM in every node.s kernel \(tsnet preflight shows every host check\)$' \
	"$(tail -n 1 "$WORK/err")"
out=$("$T" -c "$INV" status 2>&1)
assert_nomatch "fix: status shows no drift" 'drift: xfrm' "$out"

echo "# status where tsnet's charon runs: who holds UDP 500 and 4500"
# another process on UDP 500 of n1 first, then charon beside it (both
# SO_REUSEADDR: charon's socket-default sets it)
x n1 python3 -c 'import socket,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)
s.bind(("198.18.1.1",500)); time.sleep(90)' &
PY=$!
disown "$PY"	# its end is ours: no "Terminated" from bash
pid=
for _ in $(seq 50); do
	pid=$(x n1 ss -Hunlp 'sport = :500' 2>/dev/null |
		sed -n 's/.*"python3",pid=\([0-9]*\).*/\1/p' | head -n 1)
	[ -n "$pid" ] && break
	sleep 0.1
done
[ -n "$pid" ] || fail_all "the stand-in on UDP 500 did not bind"
K12=$(printf '12%.0s' $(seq 32)) K13=$(printf '13%.0s' $(seq 32))
K23=$(printf '23%.0s' $(seq 32))
for n in n1 n2; do
	keys="{\"n2\":\"$K12\",\"n3\":\"$K13\"}"
	[ $n = n2 ] && keys="{\"n1\":\"$K12\",\"n3\":\"$K23\"}"
	python3 -c 'import json,sys
print(json.dumps({"inventory": open(sys.argv[1]).read(), "node": sys.argv[2],
  "keys": json.loads(sys.argv[3]), "encap": [], "trap": False,
  "legacy": False, "initiate": [], "plan_hash": "0"*64, "timeout_ms": 5000,
  "snapshot": True}))' "$INV" $n "$keys" |
		x $n "$T" agent ipsec-apply >"$WORK/apply-$n" 2>&1 ||
		fail_all "ipsec-apply on $n: $(cat "$WORK/apply-$n")"
done
out=$("$T" -c "$INV" status 2>&1)
assert_nomatch "n2: charon holds both ports: no socket problem" \
	'n2: (UDP|charon does not hold)' "$out"
assert_match "n2: charon runs there (the check ran)" \
	'^n2 +running' "$out"
"$T" -c "$INV" status >"$WORK/out" 2>&1
assert_match "another process on UDP 500 named with its pid" \
	"^  n1: UDP 500 is held by python3 \(pid $pid\), not charon" \
	"$(cat "$WORK/out")"
out=$("$T" -c "$INV" --json status 2>/dev/null)
assert_match "status --json: the same" \
	"\"n1: UDP 500 is held by python3 \(pid $pid\), not charon" "$out"
kill "$PY" 2>/dev/null
PY=
finish
