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
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
LAB=$TOP/tests/lab/lab

inside() {
	local T=${TSNET_BIN:-$TOP/tsnet} n name inv t0 t1 t a ok
	for n in ${TSNET_SIZES:-2 4 8}; do
		name=tb$n
		LAB_QUIET=1 "$LAB" up "$n" --name $name >/dev/null || return 3
		inv=$("$LAB" inventory --name $name)
		x() { "$LAB" exec --name $name "$@"; }
		t0=$(date +%s.%N)
		"$T" -c "$inv" -q enable-ipsec --no-verify --no-probe \
			--timeout 600 >/dev/null
		ok=$?
		t1=$(date +%s.%N)
		t=$(echo "$t1 - $t0" | bc -l)
		[ $ok = 0 ] || echo "bench: enable-$n: tsnet exit $ok"
		save=$(mktemp -d)
		for i in $(seq "$n"); do
			mkdir -p "$save/n$i"
			x n$i sh -c "cp /etc/swanctl/conf.d/tsnet*.conf $save/n$i/"
		done
		"$T" -c "$inv" -q disable-ipsec >/dev/null
		t0=$(date +%s.%N)
		anchor "$n" "$save"
		t1=$(date +%s.%N)
		a=$(echo "$t1 - $t0" | bc -l)
		echo "# anchor: $(for i in $(seq "$n"); do
			x n$i swanctl --list-sas 2>/dev/null | grep -c 'INSTALLED, TRANSPORT'
		done | paste -sd+ | bc) CHILD_SAs installed (want $((n * (n - 1))))"
		printf 'enable-%d: tsnet %.1f s, anchor %.1f s, ratio %.2f\n' \
			"$n" "$t" "$a" "$(echo "$t / $a" | bc -l)"
		rm -rf "$save"
		"$LAB" down --name $name >/dev/null
	done
}

# the floor: plain commands, every node in parallel, two steps like tsnet
anchor() {
	local n=$1 save=$2 i j
	for i in $(seq "$n"); do
		x n$i sh -c "cp $save/n$i/*.conf /etc/swanctl/conf.d/ &&
			setsid /usr/lib/ipsec/charon </dev/null >/dev/null 2>&1 &
			until swanctl --stats >/dev/null 2>&1; do sleep 0.05; done
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
mkdir -p "$TOP/build/te-bench" && cp "$TOP/tsnet" "$TOP/build/te-bench/tsnet" || exit 3
start=$(date +%s)
TSNET_BIN=$TOP/build/te-bench/tsnet TSNET_SIZES=${SIZES:-2 4 8} \
	TSNET_VM_TIMEOUT=${TSNET_VM_TIMEOUT:-2400} \
	"$TOP/tests/lab/esp-run" "$TOP/bench/enable.sh" --inside 2>&1 |
	grep -E '^(enable-|# anchor|bench:)'
rc=${PIPESTATUS[0]}
echo "# enable bench: $(($(date +%s) - start)) s wall time, including the VM boot"
exit "$rc"
