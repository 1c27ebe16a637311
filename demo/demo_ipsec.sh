#!/bin/bash
# demo_ipsec.sh - the IPsec part of `make demo`: verify (cleartext, every
# leak named), a throughput baseline for one pair, enable-ipsec (with its
# proof capture), status, verify again (encrypted, SPIs matched), the
# pair's throughput against its baseline, the kernel's SAs and
# disable-ipsec on a 3-node lab.  Kernel ESP is needed, so this runs itself through
# tests/lab/esp-run: directly on a host whose kernel has ESP, else inside
# the QEMU VM (Debian's kernel).  Steps are checked as in demo.sh; the
# exit status is 1 when one failed, 3 when the lab cannot start.
#
# TSNET, if set, is the tsnet to run (default: ./tsnet of this tree).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
LAB=$TOP/tests/lab/lab
NAME=demov

if [ "${1:-}" != --inside ]; then
	# The VM runs a copy: a rebuild meanwhile does not change it.
	mkdir -p "$TOP/build/demo" &&
		cp "${TSNET:-$TOP/tsnet}" "$TOP/build/demo/tsnet" || exit 3
	TSNET_BIN=$TOP/build/demo/tsnet exec "$TOP/tests/lab/esp-run" "$0" --inside
fi

# shellcheck source=demo/demo_lib.sh
. "$TOP/demo/demo_lib.sh"
T=${TSNET_BIN:?}
tsnet() { "$T" -c "$INV" "$@"; }
trap '"$LAB" down --name $NAME >/dev/null 2>&1; rm -f "$DEMO_OUT"' EXIT

demo_step "A fresh 3-node lab (kernel $(uname -r))"
t0=$(demo_us)
if ! demo_setup "lab up" env LAB_QUIET=1 "$LAB" up 3 --name $NAME; then
	demo_summary ipsec
	exit 3
fi
echo "(lab up in $(demo_secs "$t0"))"
# The lab's nodes are dual-stack: each pair gets an IPv4 and an IPv6
# connection, and verify reports a row per pair and family.
INV=$("$LAB" inventory --name $NAME)

demo_step "verify before enable-ipsec: what is on the wire now" \
	"Every node captures at once while pinging and TCP-knocking its" \
	"peers; each cleartext flow is named: protocol, addresses, ports," \
	"direction and packets."
demo_run 1 --expect '^LEAK: 6 of 6 pairs sent cleartext' tsnet verify --duration 3

demo_step "throughput before IPsec: a baseline for one pair" \
	"TCP both ways between n1 and n2 through tsnet's own agents, the" \
	"round trip and each end's CPU, kept to compare with once ESP is on."
demo_run 0 tsnet throughput --baseline --pairs n1:n2 --duration 2

demo_step "enable-ipsec" \
	"A probe of every pair first (plain ESP, or ESP in UDP where ESP is" \
	"blocked: the ENCAP column says why), a key per pair (an IPv4 and an" \
	"IPv6 connection each: the nodes are dual-stack), load without" \
	"traps, initiate, check INSTALLED/TRANSPORT/AES-GCM and that ESP" \
	"flows, then trap; the WIRE column is the proof capture."
demo_run 0 tsnet enable-ipsec --timeout 300

demo_step "status: SAs, counters, plan hash and drift per node"
demo_run 0 tsnet status

demo_step "verify after enable-ipsec: the same capture, now ESP" \
	"Every pair encrypted, and every SPI on the wire belongs to an SA" \
	"that charon and the receiving kernel hold (-v lists them)."
demo_run 0 --expect '^encrypted: every pair is encrypted' tsnet -v verify --duration 3

demo_step "throughput after: the price of encryption for that pair" \
	"The same measurement against the baseline, and what limits it (in" \
	"this VM: an emulated CPU without AES instructions, generic GCM)."
demo_run 0 --expect '^n1 <-> n2: [0-9.]+ -> [0-9.]+ Gb/s .*\(clear -> ESP\)' \
	tsnet throughput --pairs n1:n2 --duration 2

# The keys are secrets even in a lab: the algorithm is shown, never a key.
xfrm_n1() (
	set -o pipefail
	"$LAB" exec --name $NAME n1 ip xfrm state |
		sed -E 's/0x[0-9a-f]{32,}/(key not shown)/'
)
demo_step "What the kernel holds on n1" \
	"Eight ESP states (n1 with n2 and with n3, each way, over IPv4 and" \
	"IPv6), transport mode," \
	"AES-GCM (rfc4106); the keys are not shown."
demo_run 0 --expect 'aead rfc4106\(gcm\(aes\)\) \(key not shown\)' \
	--show "ip xfrm state   (on n1, keys hidden)" xfrm_n1

demo_step "disable-ipsec: everything tsnet made is removed; cleartext flows"
demo_run 0 tsnet disable-ipsec
demo_run 0 --show "ping -c 2 198.18.1.2   (from n1)" \
	"$LAB" exec --name $NAME n1 ping -c 2 -i 0.3 198.18.1.2

demo_summary ipsec
