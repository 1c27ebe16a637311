#!/bin/bash
# test_report.sh - tsnet report on a host lab of three nodes (real charon,
# real nft, the agents in the nodes' own namespaces):
#
#   - known secrets are put in place: tsnet's own per-pair PSKs (through
#     agent ipsec-apply, as enable-ipsec writes them), a hand-written
#     swanctl secret as a quoted string and one as 0s base64, a legacy
#     ipsec.secrets PSK, and a private key in /etc/swanctl/private; none of
#     their bytes (raw, hex either case, hex dump, base64) is anywhere in
#     the bundle: the extracted files nor the decompressed tar stream;
#   - the bundle holds what it should (each file redacted, not dropped;
#     the key file named, never its contents), and is 0600;
#   - index.html rendered in headless Chromium shows every pair of the lab
#     with probe's verdicts and each node's versions.
. "$(dirname "$0")/lib.sh"
need_root

NAME=trp
WORK=$(mktemp -d /tmp/trp-report.XXXXXX)
cleanup() { "$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT
[ -x /usr/lib/ipsec/charon ] || fail_all "no charon (make deps)"
command -v python3 >/dev/null || fail_all "no python3 (make deps)"
command -v pki >/dev/null || fail_all "no pki (strongswan-pki, make deps)"
command -v chromium >/dev/null || fail_all "no chromium (make deps)"
# Other engineers rebuild ./tsnet at any time: run a private copy.
cp "$TSNET" "$WORK/tsnet" || fail_all "cannot copy $TSNET"
T=$WORK/tsnet
LAB_QUIET=1 "$LAB" up 3 --name $NAME >/dev/null || fail_all "lab up failed"
INV=$WORK/cluster.conf
sed "s|^remote_tsnet = .*|remote_tsnet = $T|" \
	"$("$LAB" inventory --name $NAME)" >"$INV"
x() { "$LAB" exec --name $NAME "$@"; }
rnd() { python3 -c 'import secrets,sys; print(secrets.token_hex(int(sys.argv[1])))' "$1"; }

K12=$(rnd 32) K13=$(rnd 32) K23=$(rnd 32)
HAND=rp-$(rnd 12)		# an ASCII PSK, raw in the file
B64_HEX=$(rnd 24)		# bytes written as 0s base64
B64=$(python3 -c 'import base64,sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode())' "$B64_HEX")
LEGACY=lg-$(rnd 12)
req() {	# req NODE KEYS_JSON
	python3 -c 'import json,sys
print(json.dumps({"inventory": open(sys.argv[1]).read(), "node": sys.argv[2],
  "keys": json.loads(sys.argv[3]), "encap": [], "trap": False,
  "legacy": False, "initiate": [], "plan_hash": "ab" * 32,
  "timeout_ms": 5000}))' "$INV" "$1" "$2"
}

echo "# secrets in place"
for n in n1 n2 n3; do
	case $n in
	n1) k="{\"n2\":\"$K12\",\"n3\":\"$K13\"}" ;;
	n2) k="{\"n1\":\"$K12\",\"n3\":\"$K23\"}" ;;
	n3) k="{\"n1\":\"$K13\",\"n2\":\"$K23\"}" ;;
	esac
	out=$(req $n "$k" | x $n "$T" agent ipsec-apply 2>&1)
	assert_eq "ipsec-apply $n" 0 "$?"
done
x n1 sh -c "umask 077; printf 'secrets {\n\tike-hand {\n\t\tid = hand@example\n\t\tsecret = \"%s\"\n\t}\n}\n' '$HAND' >/etc/swanctl/conf.d/hand.conf"
x n2 sh -c "umask 077; printf 'secrets {\n\tike-b64 {\n\t\tsecret=0s%s\n\t}\n}\n' '$B64' >/etc/swanctl/conf.d/b64.conf"
x n3 sh -c "umask 077; printf ': PSK \"%s\"\n' '$LEGACY' >/etc/ipsec.secrets"
x n1 sh -c 'umask 077; pki --gen --type ecdsa --size 256 --outform pem >/etc/swanctl/private/test.pem' ||
	fail_all "pki --gen failed"
x n1 cat /etc/swanctl/private/test.pem >"$WORK/key.pem"
x n1 nft -f - <<'NFT' || fail_all "cannot add n1's nft table"
table inet trp_t {
	chain input {
		type filter hook input priority 10; policy accept;
		udp dport 500 accept comment "trp-canary"
	}
}
NFT
x n2 grep -q "0x$K12" /etc/swanctl/conf.d/tsnet-secrets.conf
assert_eq "tsnet's PSK is on n2 in hex (the form to look for)" 0 "$?"

echo "# tsnet report"
out=$("$T" -c "$INV" report -o "$WORK/b.tar.gz" 2>&1)
rc=$?
assert_eq "report: exit" 0 "$rc"
assert_match "report: names the bundle" "^report: $WORK/b.tar.gz: [0-9]+ files, 3 nodes$" "$out"
assert_eq "bundle is 0600" 600 "$(stat -c %a "$WORK/b.tar.gz")"
assert_eq "no temporary left beside it" "" \
	"$(find "$WORK" -maxdepth 1 -name '*.tmp.*' -o -maxdepth 1 -name '.tsnet-report.*')"
mkdir "$WORK/x"
tar -C "$WORK/x" -xzf "$WORK/b.tar.gz" || fail_all "bundle does not extract"
gzip -dc "$WORK/b.tar.gz" >"$WORK/stream.tar"
B=$(echo "$WORK"/x/tsnet-report-*)
[ -d "$B" ] || fail_all "no tsnet-report-* directory in the bundle"

echo "# the bundle holds each part, redacted"
for f in index.html index.txt inventory.conf preflight.json probe.json status.json; do
	[ -s "$B/$f" ]; assert_eq "$f present" 0 "$?"
done
assert_match "index.txt: the live verify's part (cleartext lab: exit 1)" '^verify\.json +tsnet --json verify \(exit 1\)' "$(cat "$B/index.txt")"
for n in n1 n2 n3; do
	[ -s "$B/captures/$n.pcapng" ]; assert_eq "$n: its verify capture in the bundle" 0 "$?"
done
for n in n1 n2 n3; do
	for f in nft-ruleset.txt xfrm-state.txt xfrm-policy.txt charon.log node.json \
		config/etc/swanctl/conf.d/tsnet-secrets.conf config/etc/swanctl/conf.d/tsnet.conf; do
		[ -f "$B/nodes/$n/$f" ]; assert_eq "$n: $f present" 0 "$?"
	done
	assert_match "$n: tsnet's secrets file redacted, not dropped" \
		'secret = \[redacted\]' "$(cat "$B/nodes/$n/config/etc/swanctl/conf.d/tsnet-secrets.conf")"
done
assert_match "n1: its nft ruleset, as nft lists it" 'udp dport 500 accept comment "trp-canary"' \
	"$(cat "$B/nodes/n1/nft-ruleset.txt")"
assert_nomatch "n2: its own ruleset, not n1's" 'trp-canary' "$(cat "$B/nodes/n2/nft-ruleset.txt")"
assert_match "n1: charon's log tail is there" 'charon|IKE|vici' "$(cat "$B/nodes/n1/charon.log")"
assert_match "n1: hand.conf redacted" '^\s*secret = \[redacted\]$' "$(cat "$B/nodes/n1/config/etc/swanctl/conf.d/hand.conf")"
assert_match "n1: hand.conf keeps its id" 'id = hand@example' "$(cat "$B/nodes/n1/config/etc/swanctl/conf.d/hand.conf")"
assert_match "n2: b64.conf redacted" '^\s*secret = \[redacted\]$' "$(cat "$B/nodes/n2/config/etc/swanctl/conf.d/b64.conf")"
assert_eq "n3: ipsec.secrets redacted" ': PSK [redacted]' "$(cat "$B/nodes/n3/config/etc/ipsec.secrets")"
assert_eq "n1: the key file named, with its size, never its bytes" \
	"/etc/swanctl/private/test.pem $(stat -c %s "$WORK/key.pem")" \
	"$(python3 -c 'import json,sys
for k in json.load(open(sys.argv[1]))["key_files"]:
    if k["path"].endswith("test.pem"): print(k["path"], k["size"])' "$B/nodes/n1/node.json")"

echo "# no byte of any secret, in any form, anywhere in the bundle"
# find_forms NAME HEXBYTES [ASCII]: prints "NAME FORM WHERE" per hit.
cat >"$WORK/find.py" <<'PY'
import base64, binascii, os, sys
root, stream = sys.argv[1], sys.argv[2]
blobs = [(stream, open(stream, "rb").read())]
for d, _, fs in os.walk(root):
    for f in fs:
        p = os.path.join(d, f)
        blobs.append((p, open(p, "rb").read()))
def forms(raw):
    h = raw.hex()
    yield "raw", raw
    yield "hex", h.encode()
    yield "HEX", h.upper().encode()
    yield "hexdump", " ".join(h[i:i + 2] for i in range(0, 32, 2)).encode()
    yield "HEXDUMP", " ".join(h[i:i + 2] for i in range(0, 32, 2)).upper().encode()
    yield "base64", base64.b64encode(raw).rstrip(b"=")
    yield "base64url", base64.urlsafe_b64encode(raw).rstrip(b"=")
hits = 0
for line in sys.stdin:
    name, kind, val = line.split()
    raw = bytes.fromhex(val) if kind == "hex" else val.encode()
    if kind == "pem":
        body = b"".join(l for l in open(val, "rb").read().splitlines()
                        if l and not l.startswith(b"-----"))
        raw = base64.b64decode(body)
        extra = [("pemline", l) for l in open(val, "rb").read().splitlines()
                 if l and not l.startswith(b"-----")]
    else:
        extra = []
    for form, needle in list(forms(raw)) + extra:
        for p, data in blobs:
            if needle in data:
                hits += 1
                print(name, form, os.path.relpath(p, root))
print("searched", len(blobs), "files", file=sys.stderr)
sys.exit(1 if hits else 0)
PY
secrets_list() {
	printf 'K12 hex %s\nK13 hex %s\nK23 hex %s\n' "$K12" "$K13" "$K23"
	printf 'hand ascii %s\nb64 hex %s\nlegacy ascii %s\n' "$HAND" "$B64_HEX" "$LEGACY"
	printf 'privkey pem %s\n' "$WORK/key.pem"
}
hits=$(secrets_list | python3 "$WORK/find.py" "$WORK/x" "$WORK/stream.tar" 2>"$WORK/find.err")
assert_eq "no secret in the bundle (files and stream)" "" "$hits"
assert_match "the search read every file and the stream" '^searched ([4-9][0-9]|[1-9][0-9]{2,}) files$' "$(cat "$WORK/find.err")"
# The search finds what is there: a canary that is in the bundle.
canary=$(printf 'canary ascii %s\n' "198.18.1.2" |
	python3 "$WORK/find.py" "$WORK/x" "$WORK/stream.tar" 2>/dev/null)
assert_match "the search finds a value that is in the bundle (raw)" '^canary raw ' "$canary"
assert_match "... also in the decompressed stream" '^canary raw stream.tar' "$(printf '%s\n' "$canary" | sed 's|.*/stream.tar|canary raw stream.tar|')"

echo "# index.html in headless Chromium"
dom=$(timeout 120 chromium --headless --no-sandbox --disable-gpu \
	--disable-background-networking --disable-component-update \
	--disable-sync --no-first-run --user-data-dir="$WORK/chromium" \
	--dump-dom "file://$B/index.html" 2>"$WORK/chromium.err")
assert_eq "chromium rendered the page" 0 "$?"
assert_match "rendered: the title" '<h1>tsnet report: trp</h1>' "$dom"
printf '%s' "$dom" >"$WORK/dom.html"
# row_check A B: the rendered row A-B against probe.json: for each
# protocol, the verdict A->B then B->A, green exactly when probe passed it.
row_check() {
	python3 - "$WORK/dom.html" "$B/probe.json" "$1" "$2" <<'PY'
import json, re, sys
dom, probe, a, b = sys.argv[1:]
good = {"ok", "nat", "ike-responder"}
pairs = {(p["from"], p["to"]): p for p in json.load(open(probe))["pairs"]}
protos = [k for k, v in pairs[(a, b)].items() if isinstance(v, dict)]
want = []
for pr in protos:
    for f, t in ((a, b), (b, a)):
        v = pairs[(f, t)][pr]["verdict"]
        want.append(("ok" if v in good else "bad", v))
m = re.search(r'<tr><th class="pair">%s-%s</th>(.*?)</tr>' % (a, b),
              open(dom).read())
got = re.findall(r'<td class="(\w+)" title="[^"]*">([^<]*)</td>', m.group(1)) if m else None
print("ok" if got == want and len(want) == 6 else "want %s got %s" % (want, got))
PY
}
for p in n1-n2 n1-n3 n2-n3; do
	assert_eq "rendered: pair $p with probe's verdicts both ways, coloured" \
		ok "$(row_check "${p%-*}" "${p#*-}")"
done
SW=$(/usr/lib/ipsec/charon --version | awk '{ print $NF; exit }')
KV=$(uname -r)
TV=$("$T" version | awk '{ print $2 }')
for n in n1 n2 n3; do
	assert_match "rendered: $n's versions (tsnet $TV, strongSwan $SW, kernel $KV)" \
		"<tr class=\"node\"><th>$n</th><td class=\"hostname\">$n</td><td class=\"tsnet\">$TV</td><td class=\"strongswan\">$SW</td><td class=\"kernel\">$KV</td></tr>" \
		"$(printf '%s' "$dom" | sed 's|<tr|\n<tr|g')"
done
assert_match "rendered: a probe grid per protocol" '<h3>probe: esp</h3>' "$dom"
assert_nomatch "the page loads nothing: no script, no link, no src" '<script|<link|src=' "$(cat "$B/index.html")"

# A node that cannot be reached is a missing part, named, not a crash
# (the page listed missing parts through a pointer never set: SIGSEGV).
printf '[cluster]\nname = trd\ntransport = netns\n[node a]\naddress = 198.18.77.1\nnetns = trd-none-a\n[node b]\naddress = 198.18.77.2\nnetns = trd-none-b\n' >"$WORK/down.conf"
out=$("$TSNET" -c "$WORK/down.conf" report -o "$WORK/down.tar.gz" 2>&1)
assert_eq "a cluster whose nodes cannot be reached: a bundle with parts missing (exit)" 1 "$?"
assert_match "the missing node is named" '^  missing: b$' "$out"
assert_eq "the bundle is written" yes "$([ -s "$WORK/down.tar.gz" ] && echo yes)"

finish
