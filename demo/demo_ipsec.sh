#!/bin/bash
# demo_ipsec.sh - the IPsec part of `make demo`: enable-ipsec (with its
# proof capture), status and disable-ipsec on a 3-node lab.  Kernel ESP
# is needed, so demo.sh runs this through tests/lab/esp-run: directly on
# a host whose kernel has ESP, else inside the QEMU VM (Debian's kernel).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
LAB=$TOP/tests/lab/lab
NAME=demov
T=${TSNET_BIN:-$TOP/tsnet}

if [ "${1:-}" != --inside ]; then
	mkdir -p "$TOP/build/demo" && cp "$TOP/tsnet" "$TOP/build/demo/tsnet" || exit 3
	TSNET_BIN=$TOP/build/demo/tsnet "$TOP/tests/lab/esp-run" "$0" --inside
	exit
fi

tsnet() { "$T" -c "$("$LAB" inventory --name $NAME)" "$@"; }
run() {	# show the command, run it, show its exit status
	printf '$ tsnet %s\n' "$*"
	tsnet "$@"
	printf '(exit status %d)\n' $?
}
say() { printf '\n== %s\n' "$*"; }
trap '"$LAB" down --name $NAME >/dev/null 2>&1' EXIT

say "A fresh 3-node lab inside the VM (kernel $(uname -r))"
LAB_QUIET=1 "$LAB" up 3 --name $NAME || exit 3
say "enable-ipsec: a probe of every pair first (plain ESP, or ESP in UDP" \
	"where ESP is blocked: the ENCAP column says why), keys per pair, load" \
	"without traps, initiate, check INSTALLED/TRANSPORT/AES-GCM and that" \
	"ESP flows, then trap; the WIRE column is the proof capture"
start=$(date +%s)
run enable-ipsec --timeout 300
echo "(took $(($(date +%s) - start)) s of emulated time)"
if "$T" help | grep -q '^  status '; then
	say "status: SAs, counters, plan hash and drift per node"
	run status
fi
say "What the kernel holds on n1"
# the keys are secrets even in a lab: show the algorithm, never the key
"$LAB" exec --name $NAME n1 ip xfrm state | grep -E '^src|proto esp|aead|mode' |
	sed -E 's/(aead [^ ]+) 0x[0-9a-f]+/\1 (key not shown)/'
say "disable-ipsec: everything tsnet made is removed; cleartext flows"
run disable-ipsec
"$LAB" exec --name $NAME n1 ping -c 2 -i 0.3 198.18.1.2 | tail -2
