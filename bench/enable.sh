#!/bin/bash
# enable.sh - enable-ipsec on 2, 4 and 8 lab nodes (kernel ESP: in the VM
# via tests/lab/esp-run) against the floor measured in the same run: the
# same SAs brought up by a plain script that writes the same files (the
# ones tsnet wrote, saved), starts charon, loads them with swanctl on all
# nodes in parallel, then initiates every pair from all nodes in parallel.
# tsnet runs with --no-verify and --no-probe (the floor neither proves
# nor probes anything: the probe before enabling is preflight's work, a
# few seconds of packets, measured by bench/probe.sh); its own ESP flow
# check, trap re-apply and status polling are in its time.
# Prints `enable-N: tsnet X s, anchor Y s, ratio Z`.  SIZES="2 4" limits.
# Both must install every CHILD_SA (N * (N - 1), counted on the nodes),
# and tsnet must exit 0, or the bench fails (exit 1) without a ratio.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
LAB=$TOP/tests/lab/lab

inside() {
	local n rc=0
	for n in ${TSNET_SIZES:-2 4 8}; do
		size "${TSNET_BIN:-$TOP/tsnet}" "$n" || rc=1
		"$LAB" down --name "tb$n" >/dev/null
		[ $rc = 0 ] || break
	done
	return $rc
}

x() { "$LAB" exec --name "$name" "$@"; }	# on a node of lab $name

sas() {		# N: CHILD_SAs installed on the N nodes of lab $name
	local i
	for i in $(seq "$1"); do
		x "n$i" swanctl --list-sas 2>/dev/null |
			grep -c 'INSTALLED, TRANSPORT'
	done | paste -sd+ | bc
}

size() {	# TSNET N: one lab of N nodes; its line, or why not and 1
	local T=$1 n=$2 name=tb$2 inv t0 t1 t a rc save ts as i
	local want=$(($2 * ($2 - 1)))
	LAB_QUIET=1 "$LAB" up "$n" --name "$name" >/dev/null ||
		{ echo "bench: enable-$n: lab up failed"; return 1; }
	inv=$("$LAB" inventory --name "$name")
	t0=$(date +%s.%N)
	"$T" -c "$inv" -q enable-ipsec --no-verify --no-probe \
		--timeout 600 >/dev/null
	rc=$?
	t1=$(date +%s.%N)
	t=$(echo "$t1 - $t0" | bc -l)
	[ $rc = 0 ] || { echo "bench: enable-$n: tsnet exit $rc"; return 1; }
	ts=$(sas "$n")
	[ "$ts" = "$want" ] || {
		echo "bench: enable-$n: tsnet: $ts CHILD_SAs installed, want $want"
		return 1
	}
	save=$(mktemp -d)
	for i in $(seq "$n"); do
		mkdir -p "$save/n$i"
		x "n$i" sh -c "cp /etc/swanctl/conf.d/tsnet*.conf $save/n$i/"
	done
	"$T" -c "$inv" -q disable-ipsec >/dev/null ||
		{ echo "bench: enable-$n: tsnet disable-ipsec failed"; return 1; }
	t0=$(date +%s.%N)
	anchor "$n" "$save"
	t1=$(date +%s.%N)
	a=$(echo "$t1 - $t0" | bc -l)
	as=$(sas "$n")
	rm -rf "$save"
	echo "# sas: enable-$n: tsnet $ts, anchor $as CHILD_SAs installed (want $want)"
	[ "$as" = "$want" ] ||
		{ echo "bench: enable-$n: the anchor installed $as CHILD_SAs"; return 1; }
	printf 'enable-%d: tsnet %.1f s, anchor %.1f s, ratio %.2f\n' \
		"$n" "$t" "$a" "$(echo "$t / $a" | bc -l)"
}

# the floor: plain commands, every node in parallel, two steps like tsnet
anchor() {
	local n=$1 save=$2 i j
	for i in $(seq "$n"); do
		x n$i sh -c "cp $save/n$i/*.conf /etc/swanctl/conf.d/ &&
			setsid /usr/lib/ipsec/charon </dev/null >/dev/null 2>&1 &
			k=0; until swanctl --stats >/dev/null 2>&1; do
				sleep 0.05; k=\$((k + 1)); [ \$k -lt 600 ] || exit 1
			done
			swanctl --load-all --noprompt >/dev/null" &
	done
	wait
	for i in $(seq "$n"); do
		for j in $(seq $((i + 1)) "$n"); do
			x n$i swanctl --initiate --child tsnet-n$j --ike tsnet-n$j \
				--timeout 600 >/dev/null 2>&1 &
		done
	done
	wait
}

if [ "${1:-}" = --inside ]; then
	inside
	exit
fi
mkdir -p "$TOP/build/te-bench" &&
	cp "${TSNET:-$TOP/tsnet}" "$TOP/build/te-bench/tsnet" || exit 3
start=$(date +%s)
TSNET_BIN=$TOP/build/te-bench/tsnet TSNET_SIZES=${SIZES:-2 4 8} \
	TSNET_VM_TIMEOUT=${TSNET_VM_TIMEOUT:-2400} \
	"$TOP/tests/lab/esp-run" "$TOP/bench/enable.sh" --inside 2>&1 |
	grep -E '^(enable-|# sas: |bench:)'
rc=${PIPESTATUS[0]}
echo "# enable bench: $(($(date +%s) - start)) s wall time, including the VM boot"
exit "$rc"
