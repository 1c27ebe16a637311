#!/bin/bash
# bench/verify.sh - `tsnet verify --read` on a generated capture of 10
# million packets (ESP, ESP-in-UDP, IKE, NAT keepalives and cleartext
# among 64 hosts, Ethernet; tests/helpers/gen_capture.c) against, in the
# same run:
#   tcpdump -r FILE -w /dev/null     reading and writing back, no parsing
#   a bare libpcap loop              pcap_next_ex and nothing else: the
#                                    floor (tests/helpers/pcap_floor.c)
#   tshark -r FILE -q -z conv,ip     the tool a support engineer knows;
#                                    at ~5 s a million packets it runs on
#                                    the file's first TSHARK_PACKETS
#                                    (the same packets: same seed) and
#                                    its time is scaled to the whole file
# Medians of RUNS runs (TSHARK_RUNS for tshark), runs interleaved so a
# busy machine slows every tool alike.  Each tool's CPU time (user +
# system) is what the goals are judged on: on a machine shared with other
# work, wall time also holds the time a tool waited for a CPU, which
# shrinks every ratio towards 1; the wall times are printed beside.
# Prints
#   verify-tcpdump: tsnet X s, tcpdump Y s, ratio Z (goal > 1)
#   verify-floor: tsnet X s, bare libpcap loop Y s, ratio Z (goal <= 1.3)
#   verify-tshark: tsnet X s, tshark Y s, ratio Z (goal >= 30)
#   verify-rss: tsnet max RSS A MB (10M packets), B MB (prefix) (goal < 32)
# and exits 1 when tsnet's answer is wrong: its totals must be what the
# generator wrote, its pairs and leaking pairs as many as the generator
# made, its pairs on the prefix as many as tshark's conversations.  A
# goal missed is reported, not an error.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
TSNET=${TSNET:-$TOP/tsnet}
GEN=$TOP/build/helpers/gen_capture
FLOOR=$TOP/build/helpers/pcap_floor
N=${VERIFY_BENCH_PACKETS:-10000000}
NT=${TSHARK_PACKETS:-2000000}
RUNS=${RUNS:-5}
TRUNS=${TSHARK_RUNS:-3}

fail() { echo "verify.sh: $*" >&2; exit 1; }
for t in tcpdump tshark jq bc /usr/bin/time "$GEN" "$FLOOR" "$TSNET"; do
	command -v "$t" >/dev/null || fail "needs $t (make deps helpers)"
done
[ "$NT" -le "$N" ] || fail "TSHARK_PACKETS ($NT) is more than the file ($N)"
DIR=$(mktemp -d "${TMPDIR:-/var/tmp}/tsnet-bench-verify.XXXXXX") || exit 3
trap 'rm -rf "$DIR"' EXIT

"$GEN" -n "$N" -H 64 -o "$DIR/big.pcap" >"$DIR/big.want" || fail "gen_capture failed"
"$GEN" -n "$NT" -H 64 -o "$DIR/prefix.pcap" >"$DIR/prefix.want" || fail "gen_capture failed"

# ---- is the answer right? ----------------------------------------------
check() {	# check FILE WANT: tsnet's JSON against the generator's
	local out=$DIR/got.json rc
	"$TSNET" verify --read "$1" --json >"$out"
	rc=$?
	[ "$rc" -eq 1 ] || fail "$1: exit $rc, want 1 (the generator leaks)"
	jq -e --slurpfile w "$2" '
		.totals == $w[0].totals and
		(.pairs | length) == $w[0].pairs and
		([.pairs[] | select(.verdict == "LEAK")] | length) ==
			$w[0].leak_pairs and
		.packets == $w[0].packets' "$out" >/dev/null ||
		fail "$1: tsnet counted $(jq -c '[.totals, (.pairs | length)]' "$out"), the generator wrote $(cat "$2")"
}
check "$DIR/big.pcap" "$DIR/big.want"
check "$DIR/prefix.pcap" "$DIR/prefix.want"
conv=$(tshark -r "$DIR/prefix.pcap" -q -z conv,ip 2>/dev/null | grep -c '<->')
want=$(jq .pairs "$DIR/prefix.want")
[ "$conv" -eq "$want" ] || fail "tshark sees $conv conversations, tsnet $want pairs"

# ---- time ----------------------------------------------------------------
# run NAME CMD...: append "CPU WALL" in seconds to $DIR/NAME; the exit
# code is ignored (tsnet exits 1 on the leaks), the result was checked.
run() {
	local name=$1
	shift
	/usr/bin/time -f '%U %S %e' -o "$DIR/time" "$@" >/dev/null 2>&1
	tail -1 "$DIR/time" | awk '{ print $1 + $2, $3 }' >>"$DIR/$name"
}
# median NAME [COLUMN]: of CPU (1, the default) or wall (2) times
median() {
	sort -n -k"${2:-1}" "$DIR/$1" |
		awk -v c="${2:-1}" '{ a[NR] = $c } END { print a[int((NR + 1) / 2)] }'
}
rss() {	# rss FILE: tsnet's max RSS in MB reading FILE
	/usr/bin/time -f %M -o "$DIR/rss" "$TSNET" verify --read "$1" >/dev/null 2>&1
	echo "scale=1; $(tail -1 "$DIR/rss") / 1024" | bc
}

for _ in $(seq "$RUNS"); do
	run tsnet "$TSNET" verify --read "$DIR/big.pcap"
	run tcpdump tcpdump -r "$DIR/big.pcap" -w /dev/null
	run floor "$FLOOR" "$DIR/big.pcap"
done
for _ in $(seq "$TRUNS"); do
	run tshark tshark -r "$DIR/prefix.pcap" -q -z conv,ip
done
ts=$(median tsnet)
td=$(median tcpdump)
fl=$(median floor)
tp=$(median tshark)
tk=$(echo "scale=4; $tp * $N / $NT" | bc)
wts=$(median tsnet 2)
wtd=$(median tcpdump 2)
wfl=$(median floor 2)
wtk=$(echo "scale=4; $(median tshark 2) * $N / $NT" | bc)
r_big=$(rss "$DIR/big.pcap")
r_small=$(rss "$DIR/prefix.pcap")

goal() { [ "$(echo "$1" | bc)" -eq 1 ] && echo "goal met" || echo "goal MISSED"; }
r1=$(echo "scale=3; $td / $ts" | bc)
r2=$(echo "scale=3; $ts / $fl" | bc)
r3=$(echo "scale=1; $tk / $ts" | bc)
echo "verify: $N packets, $(du -m "$DIR/big.pcap" | cut -f1) MB; medians of $RUNS runs (tshark: $TRUNS runs of the first $NT packets, scaled); CPU time (wall)"
printf 'verify-tcpdump: tsnet %.3f s (%.3f), tcpdump %.3f s (%.3f), ratio %.2f (goal > 1: %s)\n' \
	"$ts" "$wts" "$td" "$wtd" "$r1" "$(goal "$r1 > 1")"
printf 'verify-floor: tsnet %.3f s (%.3f), bare libpcap loop %.3f s (%.3f), ratio %.2f (goal <= 1.3: %s)\n' \
	"$ts" "$wts" "$fl" "$wfl" "$r2" "$(goal "$r2 <= 1.3")"
printf 'verify-tshark: tsnet %.3f s (%.3f), tshark %.2f s (%.2f; %.2f s for %d), ratio %.1f (goal >= 30: %s)\n' \
	"$ts" "$wts" "$tk" "$wtk" "$tp" "$NT" "$r3" "$(goal "$r3 >= 30")"
printf 'verify-rss: tsnet max RSS %s MB (%d packets), %s MB (%d packets) (goal < 32: %s)\n' \
	"$r_big" "$N" "$r_small" "$NT" "$(goal "$r_big < 32 && $r_small < 32")"
