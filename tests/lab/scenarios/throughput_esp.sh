#!/bin/bash
# throughput_esp.sh - the price of encryption with real kernel ESP, on 3
# host-like lab nodes: enable-ipsec --measure keeps a clear baseline and
# then turns IPsec on; tsnet throughput afterwards sees every pair
# encrypted (the ESP SAs' own byte counters grew by what was measured),
# each pair slower than its clear baseline in both directions (absolute
# numbers in an emulated VM mean nothing: only the order is asserted),
# the before/after line per pair, the kernel's rfc4106(gcm(aes)) named
# on every node, and status noting the date.  Then disable-ipsec.
NAME=tt4
. "$(dirname "$0")/enable_lib.sh"
trap '"$LAB" down --name $NAME >/dev/null 2>&1' EXIT
T0=$(date +%s)
LAB_QUIET=1 "$LAB" up 3 --name $NAME >/dev/null || { not_ok "lab up"; finish; exit 1; }
OUT=$(mktemp -d)
export TSNET_STATE_DIR=$OUT/state
stamp "lab up"

py() { python3 -c "import json,sys
j = json.load(open(sys.argv[1]))
$2" "$1"; }

"$T" -c "$(inv)" enable-ipsec --measure --timeout 300 >"$OUT/enable.txt" 2>&1
rc=$?
stamp "enable-ipsec --measure done"
cat "$OUT/enable.txt"
assert_eq "enable-ipsec --measure exit" 0 "$rc"
assert_eq "the baseline: 3 pairs, measured in clear" "3 [False, False, False]" \
	"$(py "$TSNET_STATE_DIR/throughput-baseline.json" '
print(len(j["pairs"]), [p["encrypted"] for p in j["pairs"]])')"

"$T" -c "$(inv)" --json throughput --duration 2 >"$OUT/after.json" 2>"$OUT/after.err"
assert_eq "throughput after enable: exit" 0 $?
cat "$OUT/after.err"
assert_eq "every pair encrypted now, esp" "" "$(py "$OUT/after.json" '
for p in j["pairs"]:
    if not (p["ok"] and p["encrypted"] and not p["encap"]): print(p)')"
assert_eq "every pair slower than its clear baseline, both ways" "" \
	"$(py "$OUT/after.json" '
for p in j["pairs"]:
    b = p.get("baseline")
    if not b or not (0 < p["gbps_ab"] < b["gbps_ab"] and 0 < p["gbps_ba"] < b["gbps_ba"]):
        print(p["a"], p["b"], p["gbps_ab"], p["gbps_ba"], b)')"
py "$OUT/after.json" '
for p in j["pairs"]:
    b = p["baseline"]
    print("# %s-%s: %.3f/%.3f -> %.3f/%.3f Gb/s" % (p["a"], p["b"], b["gbps_ab"], b["gbps_ba"], p["gbps_ab"], p["gbps_ba"]))'
assert_eq "the kernel's GCM is known on every node now (an SA asked)" "" \
	"$(py "$OUT/after.json" '
for p in j["pairs"]:
    for e in ("end_a", "end_b"):
        if p[e]["gcm"] == "unknown" or "gcm" not in p[e]["gcm_driver"]: print(p[e])')"
assert_eq "the nodes on generic GCM are the ones named as the limit" "" \
	"$(py "$OUT/after.json" '
gen = {p[n]: p[e]["gcm"] == "generic" for p in j["pairs"] for n, e in (("a", "end_a"), ("b", "end_b"))}
named = {n for q in j["problems"] if q["id"] == "throughput.gcm" for n in q["scope"]["nodes"]}
if {n for n, g in gen.items() if g} != named: print(gen, named)')"

"$T" -c "$(inv)" throughput --duration 1 --pairs n1:n2 >"$OUT/t.txt" 2>&1
assert_eq "throughput (text) exit" 0 $?
cat "$OUT/t.txt"
assert_match "n1 <-> n2 against its baseline, clear -> ESP" \
	'^n1 <-> n2: [0-9.]+ -> [0-9.]+ Gb/s \(-[0-9]+%\), RTT [+-][0-9.]+ ms, CPU on n[12] [0-9]+% -> [0-9]+% \(clear -> ESP\)$' \
	"$(cat "$OUT/t.txt")"
assert_match "the wire column says esp" '^n1 <-> n2 .* esp$' "$(cat "$OUT/t.txt")"
"$T" -c "$(inv)" status >"$OUT/st.txt" 2>&1
assert_match "status notes the last measurement" \
	'^throughput: last measured 20[0-9-]+ [0-9:]+ UTC' "$(cat "$OUT/st.txt")"
stamp "measured"

"$T" -c "$(inv)" disable-ipsec >/dev/null 2>&1
assert_eq "disable-ipsec exit" 0 $?
nothing_left n1 n2 n3
rm -rf "$OUT"
stamp "scenario done"
finish
