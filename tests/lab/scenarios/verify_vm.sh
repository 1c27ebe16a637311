#!/bin/bash
# verify_vm.sh - a live `tsnet verify` and `tsnet report` with kernel ESP
# (run by tests/integration/test_esp_vm.sh through tests/lab/esp-run):
#
#   - before enable-ipsec: every pair LEAK, verify's own ICMP named, exit 1;
#   - after enable-ipsec on n1..n3: every pair `encrypted`, ESP both ways,
#     no cleartext, every SPI on the wire matched to a live SA (charon's
#     and the receiving kernel's), exit 0;
#   - after n1's inbound SA from n2 is deleted by hand (ip xfrm state
#     delete): verify names ESP n2 > n1 under that SPI as no live SA's,
#     exit 1; the other pairs stay matched;
#   - tsnet report against the keyed cluster: no byte of any real SA's
#     key (ip xfrm state's enc/aead key: hex either case, raw, base64) is
#     anywhere in the bundle (files and the tar stream).
# The lab's IPv6 addresses are left out: enable-ipsec keys the inventory's
# `address` only, and verify would (rightly) call IPv6 pairs LEAK.
NAME=tv3
. "$(dirname "$0")/enable_lib.sh"
WORK=$(mktemp -d)
trap '"$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$WORK"' EXIT
T0=$(date +%s)
LAB_QUIET=1 "$LAB" up 3 --name $NAME >/dev/null || { not_ok "lab up"; finish; exit 1; }
INV=$WORK/cluster.conf
sed -e "s|^remote_tsnet = .*|remote_tsnet = $T|" -e '/^address6 /d' \
	-e 's/^subnet = \([^,]*\),.*/subnet = \1/' "$(inv)" >"$INV"
ts() { "$T" -c "$INV" "$@"; }
A1=198.18.1.1 A2=198.18.1.2
stamp "lab up"

# judge WANT_EXIT: verify --json judged by python, one line per failed
# expectation (nothing when all is as wanted); a deleted SPI to expect
# as "no-kernel-state" n2 > n1 in $GONE (hex, "" for none).
judge() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
want, gone = int(sys.argv[1]), sys.argv[2]
if d["exit"] != want:
    print("exit %d, want %d" % (d["exit"], want))
if len(d["pairs"]) != 3:
    print("pairs: %d" % len(d["pairs"]))
for p in d["pairs"]:
    name = "%s-%s" % (p["a_node"], p["b_node"])
    if p["verdict"] != "encrypted" or p["cleartext"] or p["leaks"]:
        print("%s: %s, cleartext %d %s" % (name, p["verdict"], p["cleartext"], p["leaks"]))
    dirs = set((s["src_node"], s["dst_node"]) for s in p["spis"])
    if dirs != {(p["a_node"], p["b_node"]), (p["b_node"], p["a_node"])}:
        print("%s: SPIs seen in directions %s" % (name, sorted(dirs)))
    for s in p["spis"]:
        bad = s["sa"] != "matched"
        expect = gone and s["spi"] == gone and (s["src_node"], s["dst_node"]) == ("n2", "n1")
        if expect and s["sa"] != "no-kernel-state":
            print("%s: deleted SPI %s called %s" % (name, s["spi"], s["sa"]))
        elif bad and not expect:
            print("%s: SPI %s %s>%s: %s" % (name, s["spi"], s["src_node"], s["dst_node"], s["sa"]))
    if p["esp"] == 0:
        print("%s: no ESP counted" % name)
if gone and not any(s["spi"] == gone for p in d["pairs"] for s in p["spis"]):
    print("the deleted SPI %s was not on the wire" % gone)
' "$1" "${GONE:-}"
}

echo "# before enable-ipsec"
out=$(ts verify --duration 3 2>&1)
assert_eq "cleartext cluster: verify exit" 1 "$?"
assert_match "the verdict: every pair leaks" "^LEAK: 3 of 3 pairs sent cleartext" "$out"
assert_match "verify's own ping named" "icmp $A1 > $A2 \(n1 > n2\): [1-9]" "$out"
stamp "verify before"

ts enable-ipsec --no-verify --timeout 300 >"$WORK/enable.out" 2>&1
assert_eq "enable-ipsec on n1..n3 exit" 0 $?
stamp "enable-ipsec done"

echo "# after enable-ipsec"
js=$(ts verify --duration 4 --json 2>"$WORK/err")
rc=$?
assert_eq "encrypted cluster: verify exit" 0 "$rc"
assert_eq "every pair encrypted, ESP both ways, every SPI matched" "" \
	"$(printf '%s' "$js" | GONE='' judge 0 2>&1)"
out=$(ts verify --duration 3 2>&1)
assert_match "the text verdict" "^encrypted: every pair is encrypted, every SPI on the wire is a live SA's \(3 pairs" "$out"
assert_nomatch "no leak row" "LEAK|unknown SPI" "$out"
stamp "verify after"

echo "# an SA deleted by hand"
spis=$(x n1 ip xfrm state list src $A2 dst $A1 proto esp | sed -n 's/.* spi \(0x[0-9a-f]*\) .*/\1/p')
[ -n "$spis" ]
assert_eq "n1 holds an inbound SA from n2" 0 "$?"
for s in $spis; do
	x n1 ip xfrm state delete src $A2 dst $A1 proto esp spi "$s"
done
assert_eq "deleted" "" "$(x n1 ip xfrm state list src $A2 dst $A1 proto esp)"
GONE=$(printf '%08x' "$(echo "$spis" | head -1)")
js=$(ts verify --duration 4 --json 2>"$WORK/err")
assert_eq "a deleted SA: verify exit" 1 "$?"
assert_eq "ESP n2 > n1 under the deleted SPI named no-kernel-state, the rest matched" "" \
	"$(printf '%s' "$js" | GONE=$GONE judge 1 2>&1)"
out=$(ts verify --duration 3 2>&1)
assert_match "the text names it" "^unknown SPI: 1 of 3 pairs carry ESP that no live SA has" "$out"
assert_match "... with the SPI, direction and why" \
	"unknown SPI +ESP under SPI 0x$GONE n2 > n1, [0-9]+ packets?: charon lists it, but the receiver's kernel holds no state" "$out"
stamp "verify after delete"

echo "# tsnet report: no key of the real SAs in the bundle"
keys=$(for n in n1 n2 n3; do x "$n" ip xfrm state; done |
	sed -n 's/.*\(aead\|enc\|auth-trunc\|auth\) [^ ]* 0x\([0-9a-f]*\).*/\2/p' | sort -u)
nk=$(printf '%s\n' "$keys" | grep -c .)
# one key per direction of each of the 3 pairs (both ends hold it)
[ "$nk" -ge 6 ]
assert_eq "the keyed cluster's SA keys read ($nk)" 0 "$?"
ts report -o "$WORK/b.tar.gz" >"$WORK/report.out" 2>&1
rc=$?
[ "$rc" -le 1 ]
assert_eq "report wrote its bundle (exit $rc)" 0 "$?"
mkdir "$WORK/x" && tar -C "$WORK/x" -xzf "$WORK/b.tar.gz"
assert_eq "the bundle extracts" 0 "$?"
gzip -dc "$WORK/b.tar.gz" >"$WORK/stream.tar"
B=$(echo "$WORK"/x/tsnet-report-*)
assert_match "it holds the nodes' xfrm states" "proto esp spi" "$(cat "$B"/nodes/n1/xfrm-state.txt)"
assert_match "... and the live verify, encrypted pairs" '"verdict": "encrypted"' "$(cat "$B/verify.json" 2>/dev/null)"
ls "$B"/captures/n1.pcapng >/dev/null 2>&1
assert_eq "... and each node's capture" 0 "$?"
hits=$(printf '%s\n' "$keys" | python3 -c '
import base64, os, sys
root, stream = sys.argv[1], sys.argv[2]
blobs = [(stream, open(stream, "rb").read())]
for d, _, fs in os.walk(root):
    for f in fs:
        p = os.path.join(d, f)
        blobs.append((p, open(p, "rb").read()))
for k in sys.stdin.read().split():
    raw = bytes.fromhex(k)
    for form, b in (("hex", k.encode()), ("HEX", k.upper().encode()),
                    ("raw", raw), ("base64", base64.b64encode(raw).rstrip(b"="))):
        for p, blob in blobs:
            if b in blob:
                print(form, k[:8], p)
' "$B" "$WORK/stream.tar" 2>&1)
assert_eq "no SA key, in any form, anywhere in the bundle" "" "$hits"
stamp "report"
finish
