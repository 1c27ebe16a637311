# shellcheck shell=bash
# nft_lib.sh - sourced by test_nft.sh and test_nft_diff.sh (after lib.sh):
# a pair of namespaces wired by a veth, a ruleset loaded with the real
# `nft -f` into the first, `tsnet agent nft-eval` inside it, and real
# packets (tests/integration/nft_probe.c) sent both ways through it:
# UDP 500, UDP 4500 and a raw ESP packet, a bound UDP socket / raw ESP
# socket on the far side telling whether they got through (they only see
# what the input hook accepted).
#
# The sourcing script sets NFT_NS (namespace name prefix, unique per test
# script) first.

command -v nft >/dev/null || skip_all "nft not installed"
command -v cc >/dev/null || skip_all "no C compiler for the probe helper"
[ -x "$TSNET" ] || fail_all "build tsnet first ($TSNET)"
# shellcheck disable=SC2034 # the rulesets of the sourcing scripts
DATA=$TOP/tests/data/nft
BIN=$(mktemp -d "/tmp/$NFT_NS-nft.XXXXXX")
chmod 755 "$BIN"
NSS=()
cleanup() {
	for n in "${NSS[@]}"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$BIN"
}
trap cleanup EXIT

# A private copy: a rebuild of ./tsnet by someone else mid-run must not
# turn into "exec failed" here.
cp "$TSNET" "$BIN/tsnet" || fail_all "cannot copy $TSNET"
TSNET=$BIN/tsnet
cc -O1 -o "$BIN/nft_probe" "$TOP/tests/integration/nft_probe.c" ||
	fail_all "cannot build nft_probe"
# shellcheck disable=SC2046
cc -O1 -o "$BIN/nft_xt" "$TOP/tests/integration/nft_xt.c" \
	$(pkg-config --cflags --libs libnftnl libmnl) ||
	fail_all "cannot build nft_xt"

A4=198.18.20.1 P4=198.18.20.2 A6=fd00:7473:20::1 P6=fd00:7473:20::2
ID=0
A='' P=''

# A fresh pair of namespaces: $A (under test, eth0) and $P (peer0).
# Neighbours are static so a ruleset that drops ICMPv6 or ARP-less
# paths cannot turn "dropped by the ruleset" into "never sent".
topo() {
	ID=$((ID + 1))
	A=${NFT_NS}${ID}a P=${NFT_NS}${ID}p
	NSS+=("$A" "$P")
	ip netns add "$A" && ip netns add "$P" || return 1
	ip -n "$A" link add eth0 type veth peer name peer0 netns "$P"
	ip -n "$A" link set lo up
	ip -n "$P" link set lo up
	ip -n "$A" link set eth0 up
	ip -n "$P" link set peer0 up
	ip -n "$A" addr add $A4/24 dev eth0
	ip -n "$P" addr add $P4/24 dev peer0
	ip -n "$A" addr add $A6/64 dev eth0 nodad
	ip -n "$P" addr add $P6/64 dev peer0 nodad
	local ma mp
	ma=$(ip -n "$A" -o link show eth0 | sed -E 's/.*ether ([0-9a-f:]+).*/\1/')
	mp=$(ip -n "$P" -o link show peer0 | sed -E 's/.*ether ([0-9a-f:]+).*/\1/')
	ip -n "$A" neigh replace $P4 lladdr "$mp" dev eth0 nud permanent
	ip -n "$A" neigh replace $P6 lladdr "$mp" dev eth0 nud permanent
	ip -n "$P" neigh replace $A4 lladdr "$ma" dev peer0 nud permanent
	ip -n "$P" neigh replace $A6 lladdr "$ma" dev peer0 nud permanent
}

# verdict JSON DIR PROTO [new|established] -> "verdict|detail"
verdict() {
	local which=${4:-new} obj
	obj=$(printf '%s' "$1" | grep -oE "\"dir\":\"$2\",\"proto\":\"$3\",\"new\":\{.*" |
		head -1)
	[ "$which" = established ] &&
		obj=$(printf '%s' "$obj" | grep -oE '"established":\{.*')
	printf '%s' "$obj" | sed -E 's/^[^{]*\{"verdict":"([a-z]+)","detail":"(([^"\\]|\\.)*)".*/\1|\2/'
}

# arrived FAMILY DIR -> the flows that reached the far side's sockets
arrived() {
	local fam=$1 dir=$2 lns sns src dst ready=$BIN/ready.$ID.$2.$1
	local done=$BIN/done.$ID.$2.$1
	if [ "$dir" = in ]; then lns=$A sns=$P; else lns=$P sns=$A; fi
	if [ "$fam" = 4 ]; then src=$P4 dst=$A4; else src=$P6 dst=$A6; fi
	[ "$dir" = out ] && { local t=$src; src=$dst; dst=$t; }
	rm -f "$ready" "$done"
	# New connections, as nft-eval's "new" verdict assumes: the other
	# direction's packets must not make these their replies.
	ip netns exec "$A" "$BIN/nft_probe" ctflush
	ip netns exec "$P" "$BIN/nft_probe" ctflush
	ip netns exec "$lns" "$BIN/nft_probe" listen "$fam" "$ready" "$done" \
		>"$BIN/got" &
	local pid=$!
	for _ in $(seq 500); do [ -e "$ready" ] && break; sleep 0.02; done
	ip netns exec "$sns" "$BIN/nft_probe" send "$src" "$dst" 2>/dev/null
	touch "$done"
	wait "$pid"
	tr '\n' ' ' <"$BIN/got"
}

# flow_lines JSON -> one line per flow of nft-eval's answer:
# "DIR PROTO VERDICT|DETAIL" (new connection).
flow_lines() {
	printf '%s' "$1" | sed -E 's/\{"peer"/\n&/g' | sed -nE \
		's/.*"dir":"([a-z]+)","proto":"([a-z0-9]+)","new":\{"verdict":"([a-z]+)","detail":"(([^"\\]|\\.)*)".*/\1 \2 \3|\4/p'
}

# expect NAME FAMILY "dir/proto=verdict[~regex]" ...
# Evaluates in $A and asserts each verdict; decidable ones must match
# what real packets do.
expect() {
	local name=$1 fam=$2 peer json got e spec want re v det dir proto seen l
	shift 2
	if [ "$fam" = 4 ]; then peer=$P4; else peer=$P6; fi
	json=$(ip netns exec "$A" "$TSNET" agent nft-eval "$peer" 2>&1)
	assert_match "$name ip$fam: nft-eval answers" '"flows":\[\{' "$json"
	local lines
	lines=$(flow_lines "$json")
	declare -A real
	for dir in in out; do real[$dir]=$(arrived "$fam" "$dir"); done
	for e in "$@"; do
		spec=${e%%=*} want=${e#*=} re=
		case $want in *~*) re=${want#*~} want=${want%%~*} ;; esac
		dir=${spec%/*} proto=${spec#*/}
		got=
		while IFS= read -r l; do
			case $l in "$dir $proto "*) got=${l#"$dir $proto "} ;; esac
		done <<<"$lines"
		v=${got%%|*} det=${got#*|}
		assert_eq "$name ip$fam $dir $proto: verdict" "$want" "$v"
		[ -n "$re" ] && assert_match "$name ip$fam $dir $proto: detail" "$re" "$det"
		case " ${real[$dir]} " in *" $proto "*) seen=accept ;; *) seen=drop ;; esac
		[ "$v" = undecidable ] && continue
		assert_eq "$name ip$fam $dir $proto: real packet agrees" "$v" "$seen"
	done
}

load() {
	ip netns exec "$A" nft -f "$1"
}

# loads FILE: load FILE into $A, a check: a ruleset nft refuses leaves
# the namespace empty, where every flow is accepted and the checks that
# expect that would pass on nothing.  fresh FILE: the same in new
# namespaces.
loads() {
	local out
	if out=$(load "$1" 2>&1); then ok "nft -f ${1##*/} loads"
	else not_ok "nft -f ${1##*/}: $out"; return 1; fi
}
fresh() {
	topo || { not_ok "${1##*/}: cannot make the namespaces"; return 1; }
	loads "$1"
}

# agrees NAME FAMILY: each decidable verdict of the six flows is what the
# real packets do.  Counts into AGREE_DECIDED and AGREE_UNDECIDABLE, and
# AGREE_SEEN collects the verdicts (a differential test must see both).
AGREE_DECIDED=0 AGREE_UNDECIDABLE=0 AGREE_SEEN=
agrees() {
	local name=$1 fam=$2 peer json lines dir proto vd v seen
	if [ "$fam" = 4 ]; then peer=$P4; else peer=$P6; fi
	json=$(ip netns exec "$A" "$TSNET" agent nft-eval "$peer" 2>&1)
	lines=$(flow_lines "$json")
	if [ "$(printf '%s\n' "$lines" | grep -c .)" -ne 6 ]; then
		not_ok "$name ip$fam: nft-eval answers six flows: $json"
		return
	fi
	declare -A real
	for dir in in out; do real[$dir]=$(arrived "$fam" "$dir"); done
	while read -r dir proto vd; do
		v=${vd%%|*}
		if [ "$v" = undecidable ]; then
			AGREE_UNDECIDABLE=$((AGREE_UNDECIDABLE + 1))
			continue
		fi
		AGREE_DECIDED=$((AGREE_DECIDED + 1))
		AGREE_SEEN="$AGREE_SEEN $v"
		case " ${real[$dir]} " in
		*" $proto "*) seen=accept ;;
		*) seen=drop ;;
		esac
		assert_eq "$name ip$fam $dir $proto: as the packet (${vd#*|})" \
			"$seen" "$v"
	done <<<"$lines"
}
