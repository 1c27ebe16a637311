#!/bin/bash
# xfrm_mismatch.sh - the kernel's side of IPsec with real ESP (run by
# tests/integration/test_esp_vm.sh through tests/lab/esp-run):
#
#   - enable-ipsec on n1, n2: exit 0, no kernel drop counter rose during
#     the proof (none printed); status exit 0: per pair one ESP state
#     each way on both nodes with matching SPIs, charon holding UDP 500
#     and 4500, nothing foreign;
#   - then n2's SA from n1 is replaced by one with the same SPI and
#     another key (a deliberately mismatched key on one side): a ping
#     n1 -> n2 is lost and n2's XfrmInStateProtoError rises;
#   - tsnet probe names it: xfrm.stat.XfrmInStateProtoError on n2 with
#     its meaning and the pair "n1 -> n2";
#   - tsnet verify (live) names it the same, during its capture, exit 1;
#   - tsnet status names it with the pair and the SPI (the SA's own
#     count of packets that failed to authenticate), exit 1;
#   - a second ESP state from n1 on n2 (same ends, another SPI): status
#     counts 3 states for the pair, not two each way.
NAME=tk4
. "$(dirname "$0")/enable_lib.sh"
WORK=$(mktemp -d)
trap '"$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$WORK"' EXIT
T0=$(date +%s)
LAB_QUIET=1 "$LAB" up 2 --name $NAME >/dev/null || { not_ok "lab up"; finish; exit 1; }
ts() { "$T" -c "$(inv)" "$@"; }
stamp "lab up"

ts enable-ipsec --timeout 300 >"$WORK/enable" 2>&1
rc=$?
cat "$WORK/enable"
assert_eq "enable-ipsec exit" 0 "$rc"
assert_nomatch "enable-ipsec: no kernel drop counter rose during the proof" \
	'the kernel dropped|xfrm\.stat' "$(cat "$WORK/enable")"
stamp "enable-ipsec done"
x n1 ping -c 2 -i 0.3 -W 3 198.18.1.2 >/dev/null 2>&1
ts status >"$WORK/status" 2>&1
rc=$?
cat "$WORK/status"
assert_eq "status after enable: exit 0 (two states a pair, SPIs match, charon on 500/4500)" \
	0 "$rc"
assert_nomatch "status: no kernel-side problem" \
	'ESP state|SPI|UDP (500|4500)|drift' "$(cat "$WORK/status")"

echo "# n2's SA from n1 gets another key, same SPI"
st=$(x n2 ip xfrm state list src 198.18.1.1 dst 198.18.1.2)
spi=$(sed -n 's/.* spi \(0x[0-9a-f]*\) .*/\1/p' <<<"$st" | head -n 1)
reqid=$(sed -n 's/.* reqid \([0-9]*\) .*/\1/p' <<<"$st" | head -n 1)
[ -n "$spi" ] && [ -n "$reqid" ] || fail_all "no SA from n1 on n2: $st"
x n2 ip xfrm state delete src 198.18.1.1 dst 198.18.1.2 proto esp spi "$spi" ||
	fail_all "cannot delete n2's SA from n1"
x n2 ip xfrm state add src 198.18.1.1 dst 198.18.1.2 proto esp spi "$spi" \
	reqid "$reqid" mode transport replay-window 32 \
	aead 'rfc4106(gcm(aes))' "0x$(printf '5a%.0s' $(seq 36))" 128 \
	sel src 198.18.1.1 dst 198.18.1.2 ||
	fail_all "cannot add the mismatched SA on n2"
before=$(x n2 awk '$1 == "XfrmInStateProtoError" { print $2 }' /proc/net/xfrm_stat)
x n1 ping -c 3 -i 0.3 -W 1 198.18.1.2 >/dev/null 2>&1
after=$(x n2 awk '$1 == "XfrmInStateProtoError" { print $2 }' /proc/net/xfrm_stat)
assert_eq "the setup: n2's XfrmInStateProtoError rose with the ping" 1 \
	"$([ "${after:-0}" -gt "${before:-0}" ] && echo 1 || echo 0)"

echo "# tsnet probe names the counter and the pair"
ts probe >"$WORK/probe" 2>&1
cat "$WORK/probe"
probe=$(tr '\n' ' ' <"$WORK/probe")
assert_match "probe: XfrmInStateProtoError on n2, its meaning, the pair n1 -> n2" \
	'xfrm\.stat\.XfrmInStateProtoError.*n2.*XfrmInStateProtoError rose by [0-9]+ during the probe: ESP that its SA failed to authenticate or decrypt \(the two ends. keys or algorithms do not match\) \(n1 -> n2: [0-9]+ packets?\)' \
	"$probe"
assert_nomatch "probe: n1 is not blamed for it" \
	'XfrmInStateProtoError rose by [0-9]+ during the probe: [^(]*\([^)]*\) \(n2 -> n1' "$probe"
ts --json probe >"$WORK/probe.json" 2>/dev/null
assert_match "probe --json: the check" \
	'"id": "xfrm\.stat\.XfrmInStateProtoError",' "$(cat "$WORK/probe.json")"

echo "# tsnet verify (live) names the counter and the pair"
ts verify --duration 3 >"$WORK/verify" 2>&1
rc=$?
cat "$WORK/verify"
assert_eq "verify: exit 1" 1 "$rc"
assert_match "verify: n2's XfrmInStateProtoError during the capture, the pair n1 -> n2" \
	'^  n2: xfrm\.stat\.XfrmInStateProtoError: XfrmInStateProtoError rose by [0-9]+ during the capture: .* \(n1 -> n2: [0-9]+ packets?\)$' \
	"$(cat "$WORK/verify")"
ts --json verify --duration 3 >"$WORK/verify.json" 2>/dev/null
assert_match "verify --json: in xfrm_stat" \
	'"n2: xfrm\.stat\.XfrmInStateProtoError: ' "$(cat "$WORK/verify.json")"

echo "# tsnet status names the SA, the pair and the SPI"
ts status >"$WORK/status" 2>&1
rc=$?
cat "$WORK/status"
assert_eq "status: exit 1" 1 "$rc"
assert_match "status: n2's SA from n1 failed to authenticate, named with the pair and SPI" \
	"^  pair n1 -> n2: n2's SA from n1 \(SPI $spi\) failed to authenticate [0-9]+ packets?: the two ends' keys or algorithms differ \(XfrmInStateProtoError\)" \
	"$(cat "$WORK/status")"
ts --json status >"$WORK/status.json" 2>/dev/null
assert_match "status --json: the same in problems" \
	"\"pair n1 -> n2: n2's SA from n1 \(SPI $spi\) failed to authenticate" \
	"$(cat "$WORK/status.json")"

echo "# a third ESP state for the pair on n2"
x n2 ip xfrm state add src 198.18.1.1 dst 198.18.1.2 proto esp spi 0x7473beef \
	reqid "$reqid" mode transport aead 'rfc4106(gcm(aes))' \
	"0x$(printf '6b%.0s' $(seq 36))" 128 sel src 198.18.1.1 dst 198.18.1.2 ||
	fail_all "cannot add a third state on n2"
ts status >"$WORK/status" 2>&1
cat "$WORK/status"
assert_match "status: n2 holds 3 ESP states with n1 (2 in, 1 out)" \
	'^  n2: 3 ESP states with n1 \(2 in, 1 out\): a pair needs exactly one each way' \
	"$(cat "$WORK/status")"
stamp "scenario done"
finish
