#!/bin/bash
# test_throughput.sh - tsnet throughput on a five-node host lab: real TCP
# over the veths between the nodes' namespaces, tsnet's own agents at
# both ends (no iperf).  Asserted:
#
#   - every pair measured once, both directions at a non-zero rate, RTT
#     p50 <= p99, CPU figures within 0..100, not encrypted (no ESP here);
#   - the schedule, from the start and end times the agents recorded: no
#     node in two measurements at once, and the pairs of a round really
#     ran at the same time (five nodes: five rounds of two pairs);
#   - the GCM limit named as this host's /proc/crypto says;
#   - --baseline keeps a 0600 file; the next run shows each pair against
#     it; status notes the date of the last measurement;
#   - --pairs: only those pairs; an unknown node is exit 2;
#   - a firewall that drops the port: that pair is not measured (exit 3,
#     the port named), the others are.
. "$(dirname "$0")/lib.sh"
need_root

NAME=ttp1
WORK=$(mktemp -d /tmp/tb-tput.XXXXXX)
cleanup() { "$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT
command -v python3 >/dev/null || skip_all "no python3"
cp "$TSNET" "$WORK/tsnet" || fail_all "cannot copy $TSNET"
T=$WORK/tsnet
LAB_QUIET=1 "$LAB" up 5 --name $NAME >/dev/null || fail_all "lab up failed"
INV=$WORK/cluster.conf
sed "s|^remote_tsnet = .*|remote_tsnet = $T|" \
	"$("$LAB" inventory --name $NAME)" >"$INV"
export TSNET_STATE_DIR=$WORK/state
x() { "$LAB" exec --name $NAME "$@"; }
ts() { "$T" -c "$INV" "$@"; }

# py JSON PROGRAM: run PROGRAM with the parsed JSON as j; prints its output
py() { python3 -c "import json,sys
j = json.load(open(sys.argv[1]))
$2" "$1"; }

echo "# every pair, both ways"
ts --json throughput --duration 1 >"$WORK/all.json" 2>"$WORK/all.err"
assert_eq "exit" 0 $?
assert_eq "10 pairs, each once" "10 10" \
	"$(py "$WORK/all.json" 'print(len(j["pairs"]), len({tuple(sorted((p["a"], p["b"]))) for p in j["pairs"]}))')"
assert_eq "5 rounds" 5 "$(py "$WORK/all.json" 'print(j["rounds"])')"
assert_eq "every pair measured, non-zero both ways" "" \
	"$(py "$WORK/all.json" '
for p in j["pairs"]:
    if not (p["ok"] and p["gbps_ab"] > 0 and p["gbps_ba"] > 0):
        print(p["a"], p["b"], p.get("gbps_ab"), p.get("gbps_ba"))')"
assert_eq "RTT 0 < p50 <= p99" "" \
	"$(py "$WORK/all.json" '
for p in j["pairs"]:
    if not (0 < p["rtt_ms_p50"] <= p["rtt_ms_p99"] < 1000):
        print(p["a"], p["b"], p["rtt_ms_p50"], p["rtt_ms_p99"])')"
assert_eq "CPU in 0..100 on both ends" "" \
	"$(py "$WORK/all.json" '
for p in j["pairs"]:
    for k in ("cpu_a", "cpu_b"):
        if not (isinstance(p[k], (int, float)) and 0 <= p[k] <= 100):
            print(p["a"], p["b"], k, p[k])
    for e in ("end_a", "end_b"):
        if not (0 <= p[e]["core_max"] <= 100 and p[e]["ncpu"] >= 1):
            print(p["a"], p["b"], e)')"
assert_eq "not encrypted (no ESP on this kernel)" "" \
	"$(py "$WORK/all.json" '
for p in j["pairs"]:
    if p["encrypted"] is not False: print(p["a"], p["b"])')"

# Each node's measurements from its own agent's times: never overlapping.
assert_eq "no node in two measurements at once" "" \
	"$(py "$WORK/all.json" '
iv = {}
for p in j["pairs"]:
    for n, e in ((p["a"], p["end_a"]), (p["b"], p["end_b"])):
        iv.setdefault(n, []).append((e["start"], e["end"], p["a"] + "-" + p["b"]))
for n, l in iv.items():
    l.sort()
    for x, y in zip(l, l[1:]):
        if y[0] < x[1]: print(n, x[2], "overlaps", y[2])
    if len(l) != 4: print(n, "in", len(l), "pairs")')"
assert_eq "the two pairs of each round ran at the same time" "" \
	"$(py "$WORK/all.json" '
rounds = {}
for p in j["pairs"]:
    s = min(p["end_a"]["start"], p["end_b"]["start"])
    e = max(p["end_a"]["end"], p["end_b"]["end"])
    rounds.setdefault(p["round"], []).append((s, e, p["a"], p["b"]))
for r, l in rounds.items():
    if len(l) != 2: print("round", r, "has", len(l)); continue
    (s1, e1, *_), (s2, e2, *_) = l
    if not (s1 < e2 and s2 < e1): print("round", r, "ran one after the other")
    if len({l[0][2], l[0][3], l[1][2], l[1][3]}) != 4: print("round", r, "shares a node")')"

# What the kernel here would run ESP's AES-GCM on, read by the test itself.
want=$(awk -F' *: *' '/^name/ { n = $2 } /^driver/ { d = $2 }
	/^priority/ { p = $2 } /^selftest/ { s = $2 } /^internal/ { i = $2 }
	/^$/ { if (n == "rfc4106(gcm(aes))" && s == "passed" && i == "no" &&
	p + 0 > bp + 0) { bp = p; bd = d } n = d = p = s = i = "" }
	END { print bd }' /proc/crypto)
if [ -z "$want" ]; then
	want=$(awk -F' *: *' '/^name/ { n = $2 } /^driver/ { d = $2 }
		/^priority/ { p = $2 } /^internal/ { i = $2 }
		/^$/ { if (n == "aes" && i == "no" && p + 0 > bp + 0) {
		bp = p; bd = d } n = d = p = i = "" } END { print bd }' /proc/crypto)
fi
assert_eq "each node's GCM driver is this host's ($want)" "$want" \
	"$(py "$WORK/all.json" '
print(" ".join(sorted({p[e]["gcm_driver"] for p in j["pairs"] for e in ("end_a", "end_b")})))')"
case $want in
*generic* | *fixed-time*)
	assert_eq "generic GCM is named as the limit, all five nodes" \
		"n1 n2 n3 n4 n5" "$(py "$WORK/all.json" '
print(" ".join(sorted(n for p in j["problems"] if p["id"] == "throughput.gcm" for n in p["scope"]["nodes"])))')" ;;
*)
	assert_eq "an accelerated GCM is no limit" "" "$(py "$WORK/all.json" '
print(" ".join(p["id"] for p in j["problems"] if p["id"] == "throughput.gcm"))')" ;;
esac

echo "# text: the table, slowest first"
ts throughput --duration 1 --pairs n1:n2,n3:n4 >"$WORK/t.txt" 2>&1
assert_eq "exit" 0 $?
assert_match "verdict line" '^throughput: 2 pairs in 1 rounds, slowest first$' \
	"$(cat "$WORK/t.txt")"
assert_eq "rows slowest first" "sorted" "$(awk '/^n[0-9] <->/ {
	r = ($4 < $5 ? $4 : $5); if (NR > 3 && r < last) bad = 1; last = r }
	END { print bad ? "unsorted" : "sorted" }' "$WORK/t.txt")"
assert_eq "both pairs in the table" 2 "$(grep -c '^n[0-9] <-> n[0-9] ' "$WORK/t.txt")"

echo "# baseline, then against it"
ts throughput --duration 1 --pairs n1:n2 --baseline >"$WORK/b.txt" 2>&1
assert_eq "baseline exit" 0 $?
assert_eq "baseline file 0600" 600 \
	"$(stat -c %a "$TSNET_STATE_DIR/throughput-baseline.json" 2>&1)"
assert_eq "no temp file left" "throughput-baseline.json throughput-last.json" \
	"$(cd "$TSNET_STATE_DIR" && echo *)"
ts throughput --duration 1 --pairs n1:n2 >"$WORK/a.txt" 2>&1
assert_eq "after exit" 0 $?
assert_match "the pair against its baseline" \
	'^n1 <-> n2: [0-9.]+ -> [0-9.]+ Gb/s \([+-][0-9]+%\), RTT [+-][0-9.]+ ms, CPU on n[12] [0-9]+% -> [0-9]+%$' \
	"$(cat "$WORK/a.txt")"
assert_match "which baseline" '^against the baseline of 20[0-9-]+ [0-9:]+ UTC:$' \
	"$(cat "$WORK/a.txt")"
ts status >"$WORK/st.txt" 2>&1
assert_match "status notes the last measurement" \
	'^throughput: last measured 20[0-9-]+ [0-9:]+ UTC' "$(cat "$WORK/st.txt")"
ts verify --duration 1 >"$WORK/v.txt" 2>&1
assert_match "verify notes the last measurement too" \
	'^throughput: last measured 20[0-9-]+ [0-9:]+ UTC' "$(cat "$WORK/v.txt")"
ts --json verify --duration 1 >"$WORK/v.json" 2>/dev/null
last=$(py "$WORK/v.json" 'print(j["throughput_last"])')
assert_match "verify --json: throughput_last" '^20[0-9-]+ [0-9:]+ UTC' "$last"
TSNET_STATE_DIR=$WORK/none ts --json verify --duration 1 >"$WORK/v0.json" 2>/dev/null
last=$(py "$WORK/v0.json" 'print(j["throughput_last"])')
assert_eq "verify --json: throughput_last null when never measured" None "$last"
printf '{"when": 1, "pairs": [{"a": "n1", "b": "n2", "ok": true, "gbps_ab": -5}]' \
	>"$TSNET_STATE_DIR/throughput-baseline.json"
ts throughput --duration 1 --pairs n1:n2 >"$WORK/bad.txt" 2>&1
assert_eq "a broken baseline: measured all the same" 0 $?
assert_match "a broken baseline is named" \
	'^tsnet: throughput: warning: .*throughput-baseline.json: offset [0-9]+: .*\(not compared\)$' \
	"$(cat "$WORK/bad.txt")"

echo "# usage"
ts throughput --pairs n1:n9 >"$WORK/u.txt" 2>&1
assert_eq "unknown node: exit 2" 2 $?
assert_match "unknown node named" "--pairs: no node 'n9' in " "$(cat "$WORK/u.txt")"
ts throughput --pairs n1:n2,n2:n1 >"$WORK/u.txt" 2>&1
assert_eq "a pair twice: exit 2" 2 $?
assert_exit "--duration 0: exit 2" 2 ts throughput --duration 0

echo "# a firewall that drops the port on n2"
x n2 nft -f - <<'EOF' || fail_all "nft in n2"
table inet tput_test {
	chain tput_in {
		type filter hook input priority 0; tcp dport 7473 drop
	}
}
EOF
ts --json throughput --duration 1 --pairs n1:n2,n3:n4 >"$WORK/fw.json" 2>"$WORK/fw.err"
assert_eq "a pair not measured: exit 3" 3 $?
assert_eq "n1-n2 not measured, n3-n4 measured" "n1-n2:False n3-n4:True" \
	"$(py "$WORK/fw.json" 'print(" ".join(p["a"] + "-" + p["b"] + ":" + str(p["ok"]) for p in sorted(j["pairs"], key=lambda p: p["a"])))')"
assert_match "the cause names the port" 'throughput.failed .*port 7473.*firewall' \
	"$(py "$WORK/fw.json" 'print("\n".join(p["id"] + " " + p["what"] for p in j["problems"]))')"
x n2 nft delete table inet tput_test

finish
