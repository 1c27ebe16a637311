#!/bin/bash
# test_enable_encap.sh - enable-ipsec probes the pairs before touching a
# node and decides UDP encapsulation per pair, on a host lab of 3 nodes in
# two subnets (n1, n2 | router | n3).  No kernel ESP here, so after the
# probe the kernel checks stop every run before a node changes (the VM
# scenario enable_encap.sh runs the rollouts and proves the SAs, UDP-
# encapsulated where the probe said); what is asserted is the choice, in
# the --json output and the plan hash, and that no node was touched:
#
#   - router drops ESP: n1-n3 and n2-n3 encap yes ("probe: ESP dropped
#     n1 -> n3"), n1-n2 no; the hash names exactly those pairs;
#   - the same with charon already holding UDP 500/4500 on every node;
#   - router drops UDP 500: refused, exit 1, one line naming the pair and
#     pointing to tsnet probe; nothing changed on any node;
#   - --no-probe: no encap (as the options say); --encap with the router
#     dropping 4500: refused; inventory encap = no with ESP dropped:
#     refused; --encap with encap = no: exit 2;
#   - pairs enabled before keep their recorded encap (not probed);
#   - node add: the new node's pairs probed (encap across the router),
#     the existing pair keeps its record's; with UDP 500 dropped the new
#     node's IPsec is not applied and the others are untouched.
. "$(dirname "$0")/lib.sh"
need_root

NAME=tq2
WORK=$(mktemp -d /tmp/tq-encap.XXXXXX)
cleanup() {
	for n in n1 n2 n3; do	# a charon this test started
		# shellcheck disable=SC2016 # expands in the node
		x $n sh -c '[ ! -e /run/charon.pid ] || kill "$(cat /run/charon.pid)"' 2>/dev/null
	done
	"$LAB" down --name $NAME >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
[ -x /usr/lib/ipsec/charon ] || skip_all "no charon"
command -v nsenter >/dev/null || skip_all "no nsenter"
command -v python3 >/dev/null || skip_all "no python3"
cp "$TSNET" "$WORK/tsnet" || fail_all "cannot copy $TSNET"	# others relink ./tsnet
T=$WORK/tsnet
LAB_QUIET=1 "$LAB" up 3 --name $NAME --subnets 2 --router drop-esp \
	>/dev/null || fail_all "lab up failed"
INV=$WORK/cluster.conf
sed "s|^remote_tsnet = .*|remote_tsnet = $T|" \
	"$("$LAB" inventory --name $NAME)" >"$INV"
x() { "$LAB" exec --name $NAME "$@"; }
router() { "$LAB" router --name $NAME "$1" >/dev/null; }

# jq-like: pairs of the --json output as "a-b:encap:reason" lines
pairs() {
	python3 -c 'import json,sys
for p in json.load(sys.stdin)["pairs"]:
    print("%s-%s:%s:%s" % (p["a"], p["b"], str(p["encap"]).lower(),
                           p["encap_reason"]))'
}
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# The plan hash as tsnet-status(8) documents it, for the encap pairs given.
plan_hash() {
	"$T" -c "$INV" inventory check | python3 -c 'import hashlib,sys
kv = {}
for l in sys.stdin:
    if " = " in l:
        k, v = l.rstrip("\n").split(" = ", 1)
        kv.setdefault(k, v)
t = "tsnet-plan 1\ncluster %s\n" % kv["name"]
t += "node n1 198.18.1.1\nnode n2 198.18.1.2\nnode n3 198.18.2.3\n"
t += "ike %s\nesp %s\nrekey %s\nauth %s\n" % (kv["ike_proposals"],
     kv["esp_proposals"], kv["rekey_time"], kv["auth"])
t += "".join("encap %s\n" % p.replace("-", " ") for p in sorted(sys.argv[1:]))
print(hashlib.sha256(t.encode()).hexdigest())' "$@"
}

# enable_json TAG ARGS...: --json enable-ipsec.  Sets rc, out.
enable_json() {
	local tag=$1
	shift
	"$T" -c "$INV" --json enable-ipsec --no-verify --timeout 10 "$@" \
		>"$WORK/$tag.json" 2>"$WORK/$tag.err"
	rc=$?
	out=$(cat "$WORK/$tag.json")
}
# stopped WHAT: the run got past the probe and the kernel checks
# (no ESP here) stopped it, naming kernel.esp
stopped() {
	assert_eq "$1: exit 1" 1 "$rc"
	assert_match "$1: stopped by the kernel checks, not a CHILD_SA" \
		'^n1, n2, n3: kernel\.esp: .*; no node was changed$' "$(field error <<<"$out")"
}

# conn_encap FILE PEER: the encap line of connection tsnet-PEER
conn_encap() {
	awk -v c="tsnet-$2 {" '$0 ~ "^\t" c { f = 1 } f && /encap =/ { print $3; exit }' "$1"
}

untouched() {	# untouched WHAT: no node holds anything of tsnet's
	local n
	for n in n1 n2 n3; do
		assert_eq "$1: $n has no tsnet file" "" \
			"$(x $n find /etc/swanctl/conf.d /var/lib/tsnet -mindepth 1)"
		assert_exit "$1: $n: charon not started" 1 x $n test -e /run/charon.pid
		assert_eq "$1: $n: no nft table left (the probe's trace is gone)" "" \
			"$(x $n nft list tables)"
	done
}

echo "# the router drops ESP: the pairs across it are encapsulated"
enable_json esp
stopped "drop-esp"
p=$(pairs <<<"$out")
assert_match "n1-n2: plain ESP" '^n1-n2:false:probe: ESP passes both ways$' "$p"
assert_match "n1-n3: encap, probe says why" '^n1-n3:true:probe: ESP dropped n1 -> n3$' "$p"
assert_match "n2-n3: encap, probe says why" '^n2-n3:true:probe: ESP dropped n2 -> n3$' "$p"
assert_eq "plan hash names n1-n3 and n2-n3" "$(plan_hash n1-n3 n2-n3)" \
	"$(field plan_hash <<<"$out")"
untouched "drop-esp, stopped before any change"

echo "# the same with charon already holding UDP 500 and 4500"
for n in n1 n2 n3; do
	x $n sh -c 'setsid /usr/lib/ipsec/charon </dev/null >/dev/null 2>&1 &'
done
for n in n1 n2 n3; do
	for _ in $(seq 100); do
		x $n sh -c 'ss -uln | grep -q ":4500 "' && break
		sleep 0.1
	done
	assert_match "$n: charon holds 500 and 4500" ':500 .*:4500 |:4500 .*:500 ' \
		"$(x $n ss -ulnp | tr '\n' ' ')"
done
enable_json held
stopped "held"
p=$(pairs <<<"$out")
assert_match "held: n1-n2 plain" '^n1-n2:false:probe: ESP passes both ways$' "$p"
assert_match "held: n1-n3 encap" '^n1-n3:true:probe: ESP dropped n1 -> n3$' "$p"
assert_match "held: n2-n3 encap" '^n2-n3:true:probe: ESP dropped n2 -> n3$' "$p"
for n in n1 n2 n3; do
	assert_eq "held: $n has no tsnet file" "" \
		"$(x $n find /etc/swanctl/conf.d /var/lib/tsnet -mindepth 1)"
done
for n in n1 n2 n3; do
	# shellcheck disable=SC2016 # expands in the node
	x $n sh -c 'kill "$(cat /run/charon.pid)"; for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /run/charon.pid ] || break; sleep 0.2; done'
done

echo "# the router drops UDP 500: refused before anything changes"
router drop-500
"$T" -c "$INV" enable-ipsec --timeout 10 >"$WORK/out" 2>"$WORK/err"
rc=$?
assert_eq "drop-500: exit 1" 1 "$rc"
assert_eq "drop-500: one line" 1 "$(wc -l <"$WORK/err")"
assert_match "drop-500: names the pair, UDP 500 and where to look" \
	'^tsnet: enable-ipsec: n1 <-> n3: UDP 500 \(IKE\) dropped n1 -> n3 .*no node was changed \(.*tsnet probe\)$' \
	"$(cat "$WORK/err")"
assert_eq "drop-500: no table on stdout" "" "$(cat "$WORK/out")"
untouched "drop-500"
out=$("$T" -c "$INV" --json enable-ipsec --timeout 10 2>/dev/null)
assert_match "drop-500 --json: the error" 'UDP 500 \(IKE\) dropped' "$(field error <<<"$out")"
assert_eq "drop-500 --json: exit 1" 1 "$(field exit <<<"$out")"

echo "# --no-probe: encapsulation only from the options"
router drop-esp
enable_json noprobe --no-probe
stopped "--no-probe"
p=$(pairs <<<"$out")
assert_match "--no-probe: n1-n3 not encapsulated" '^n1-n3:false:encap = auto; not probed \(--no-probe\)$' "$p"
assert_eq "--no-probe: no encap pair in the hash" "$(plan_hash)" "$(field plan_hash <<<"$out")"
enable_json forced --no-probe --encap
stopped "--no-probe --encap"
assert_match "--no-probe --encap: n1-n2 encapsulated" '^n1-n2:true:--encap$' "$(pairs <<<"$out")"
assert_eq "--no-probe --encap: the hash names every pair" \
	"$(plan_hash n1-n2 n1-n3 n2-n3)" "$(field plan_hash <<<"$out")"
untouched "--no-probe, stopped before any change"

echo "# --encap needs UDP 4500"
router drop-4500
"$T" -c "$INV" enable-ipsec --encap --timeout 10 >/dev/null 2>"$WORK/err"
assert_eq "--encap, 4500 dropped: exit 1" 1 $?
assert_match "--encap, 4500 dropped: says so" \
	'n1 <-> n3: UDP 4500 dropped n1 -> n3 .*ESP in UDP needs it.*no node was changed' \
	"$(cat "$WORK/err")"
untouched "--encap, 4500 dropped"

echo "# inventory encap = no"
router drop-esp
sed 's/^\[cluster\]$/[cluster]\nencap = no/' "$INV" >"$WORK/no.conf"
"$T" -c "$WORK/no.conf" enable-ipsec --timeout 10 >/dev/null 2>"$WORK/err"
assert_eq "encap = no, ESP dropped: exit 1" 1 $?
assert_match "encap = no, ESP dropped: says the inventory forbids encap" \
	'n1 <-> n3: ESP dropped n1 -> n3 .*encap = no' "$(cat "$WORK/err")"
untouched "encap = no"
"$T" -c "$WORK/no.conf" enable-ipsec --encap >/dev/null 2>"$WORK/err"
assert_eq "--encap with encap = no: exit 2" 2 $?
assert_match "--encap with encap = no: one line" "^tsnet: enable-ipsec: --encap: .*encap = no" \
	"$(cat "$WORK/err")"

echo "# pairs enabled before keep their recorded encap"
req() {	# req NODE ENCAP_JSON: ipsec-apply with fixed keys, no trap
	python3 -c 'import json,sys
keys = {"n1": "12"*32, "n2": "12"*32, "n3": "13"*32}
me = sys.argv[2]
print(json.dumps({"inventory": open(sys.argv[1]).read(), "node": me,
  "keys": {p: keys[p] for p in keys if p != me},
  "encap": json.loads(sys.argv[3]), "trap": False, "legacy": False,
  "initiate": [], "plan_hash": "0"*64, "timeout_ms": 5000}))' "$INV" "$@"
}
# recorded: n1-n3 encapsulated, n2-n3 not (whatever the probe would say)
for n in n1 n2 n3; do
	case $n in n1) e='["n3"]' ;; n3) e='["n1"]' ;; *) e='[]' ;; esac
	req $n "$e" | x $n "$T" agent ipsec-apply >/dev/null 2>&1
	assert_eq "ipsec-apply on $n" 0 $?
done
out=$("$T" -c "$INV" --json enable-ipsec --no-verify --timeout 10 --node n2 2>/dev/null)
p=$(pairs <<<"$out")
assert_match "kept: n2-n3 stays unencapsulated, not probed" \
	'^n2-n3:false:kept: the pair was enabled before' "$p"
assert_match "kept: n1-n2 stays unencapsulated" '^n1-n2:false:kept: ' "$p"
assert_eq "kept: the hash holds the recorded n1-n3" "$(plan_hash n1-n3)" \
	"$(field plan_hash <<<"$out")"
assert_match "kept: stopped by the kernel checks" 'kernel\.esp: ' "$(field error <<<"$out")"
assert_eq "kept: n3 untouched, its record's encap for n1" yes \
	"$(x n3 sh -c 'cat /etc/swanctl/conf.d/tsnet.conf' | awk '/^\ttsnet-n1 {/ { f = 1 } f && /encap =/ { print $3; exit }')"
"$T" -c "$INV" disable-ipsec >/dev/null 2>&1
untouched "after disable-ipsec"

echo "# node add n3 across the router: its pairs probed, n1-n2 kept"
awk '/^\[node n3\]/ { skip = 1; next } /^\[/ { skip = 0 } !skip' "$INV" \
	>"$WORK/two.conf"
for n in n1 n2; do
	case $n in n1) e='["n2"]' ;; *) e='["n1"]' ;; esac
	python3 -c 'import json,sys
print(json.dumps({"inventory": open(sys.argv[1]).read(), "node": sys.argv[2],
  "keys": {"n1" if sys.argv[2] == "n2" else "n2": "12"*32},
  "encap": json.loads(sys.argv[3]), "trap": False, "legacy": False,
  "initiate": [], "plan_hash": "0"*64, "timeout_ms": 5000}))' \
		"$WORK/two.conf" $n "$e" | x $n "$T" agent ipsec-apply >/dev/null 2>&1
	assert_eq "two nodes: ipsec-apply on $n (n1-n2 recorded encapsulated)" 0 $?
done
cp "$WORK/two.conf" "$WORK/add.conf"
out=$("$T" -c "$WORK/add.conf" node add n3 198.18.2.3 --netns $NAME-n3 \
	--timeout 6 2>&1)
assert_eq "node add: exit 1 (no kernel ESP: the pairs cannot install)" 1 $?
assert_match "node add: n3-n1 encapsulated, the probe says why" \
	'pair n3-n1: encap yes \(probe: ESP dropped n1 -> n3\)' "$out"
assert_match "node add: n3-n2 encapsulated" \
	'pair n3-n2: encap yes \(probe: ESP dropped n2 -> n3\)' "$out"
assert_eq "node add: n1 keeps n1-n2 encapsulated (its record)" yes \
	"$(x n1 cat /etc/swanctl/conf.d/tsnet.conf >"$WORK/add.n1"; conn_encap "$WORK/add.n1" n2)"
assert_eq "node add: n1's connection to n3 encapsulated" yes "$(conn_encap "$WORK/add.n1" n3)"
assert_eq "node add: n3's connection to n1 encapsulated" yes \
	"$(x n3 cat /etc/swanctl/conf.d/tsnet.conf >"$WORK/add.n3"; conn_encap "$WORK/add.n3" n1)"
"$T" -c "$WORK/add.conf" disable-ipsec >/dev/null 2>&1

echo "# node add n3 with UDP 500 dropped: its IPsec is not applied"
router drop-500
for n in n1 n2; do
	python3 -c 'import json,sys
print(json.dumps({"inventory": open(sys.argv[1]).read(), "node": sys.argv[2],
  "keys": {"n1" if sys.argv[2] == "n2" else "n2": "12"*32}, "encap": [],
  "trap": False, "legacy": False, "initiate": [], "plan_hash": "0"*64,
  "timeout_ms": 5000}))' "$WORK/two.conf" $n | x $n "$T" agent ipsec-apply >/dev/null 2>&1
done
before=$(x n1 sha256sum /etc/swanctl/conf.d/tsnet.conf)
cp "$WORK/two.conf" "$WORK/add.conf"
out=$("$T" -c "$WORK/add.conf" node add n3 198.18.2.3 --netns $NAME-n3 \
	--timeout 6 2>&1)
assert_eq "node add, 500 dropped: exit 1" 1 $?
assert_match "node add, 500 dropped: n3 not configured, why, the repair" \
	'n3: not configured: n1 <-> n3: UDP 500 \(IKE\) dropped .*no node was changed .*tsnet enable-ipsec --node n3' "$out"
assert_eq "node add, 500 dropped: n3 has no tsnet file" "" \
	"$(x n3 find /etc/swanctl/conf.d /var/lib/tsnet -mindepth 1)"
assert_eq "node add, 500 dropped: n1's connections untouched" "$before" \
	"$(x n1 sha256sum /etc/swanctl/conf.d/tsnet.conf)"
"$T" -c "$WORK/add.conf" disable-ipsec >/dev/null 2>&1
untouched "after node add and disable-ipsec"
finish
