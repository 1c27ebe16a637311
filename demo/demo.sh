#!/bin/bash
# demo.sh - `make demo`: tsnet on a three-node lab cluster, step by step.
#
#   demo.sh [--no-ipsec]
#
# The lab is three network namespaces that look like hosts (own hostname,
# /run, /etc/swanctl) on a bridge, addresses in 198.18.1.0/24; nothing
# touches this machine's own network.  Each step says what it shows and
# is checked: a tsnet command must exit as expected (0, or 1 where the
# step shows a problem being found, and then its output must name that
# problem).  Every line is shown; at the end a summary names the steps
# that did not do what they should, and the exit status is 1 if any
# did not (0 otherwise, 2 usage, 3 when the lab cannot even start).
# --no-ipsec leaves out the last part, which needs kernel ESP (a VM
# here) and takes most of the time.
#
# TSNET, if set, is the tsnet to run (default: ./tsnet of this tree).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
LAB=$TOP/tests/lab/lab
NAME=demo
INV=/run/tsnet-lab/$NAME/demo.conf
TSNET=${TSNET:-$TOP/tsnet}
# shellcheck source=demo/demo_lib.sh
. "$TOP/demo/demo_lib.sh"
tsnet() { "$TSNET" -c "$INV" "$@"; }

ipsec=1
case ${1:-} in
"") ;;
--no-ipsec) ipsec=0 ;;
*) echo "usage: demo/demo.sh [--no-ipsec]" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (namespaces)" >&2; exit 2; }
[ -x "$TSNET" ] || { echo "demo: no $TSNET (run make)" >&2; exit 2; }
trap '"$LAB" down --name $NAME >/dev/null 2>&1; rm -f "$DEMO_OUT"' EXIT

# Where kernel ESP is: decides what preflight must find, and where the
# IPsec part runs (0 this host, 1 the VM, 77 nowhere).
"$TOP/tests/lab/esp-run" --check "$TOP/demo/demo_ipsec.sh" >/dev/null 2>&1
esp_where=$?

demo_step "Bringing up a 3-node lab cluster" \
	"n1, n2 and n3 are network namespaces on one bridge, 198.18.1.1-3," \
	"each with its own hostname, /run and /etc/swanctl, like real hosts."
t0=$(demo_us)
if ! demo_setup "lab up" "$LAB" up 3 --name $NAME; then
	demo_summary demo
	exit 3
fi
echo "(lab up in $(demo_secs "$t0"))"
# The lab's inventory, plus the Azure names a real cluster would give.
sed '/^\[cluster\]$/a cloud = azure\nazure_resource_group = demo-rg\nazure_nsg = demo-nsg' \
	"$("$LAB" inventory --name $NAME)" >"$INV"

demo_step "The inventory" \
	"tsnet reads the cluster from an INI-style inventory; 'inventory check'" \
	"validates it and prints it normalised (every default written out)."
demo_run 0 tsnet inventory check

demo_step "Reaching every node" \
	"Commands run their node-local part on every node in parallel through" \
	"a transport (ssh on real clusters; here the lab's namespaces)."
demo_run 0 tsnet nodes

# After --fix preflight passes, unless this kernel has no ESP.
if [ "$esp_where" = 0 ]; then
	kernel_note=()
	fixed_exit=0
else
	kernel_note=("This machine's kernel has no ESP, so kernel.esp and kernel.gcm"
		"fail too, before and after the fix: preflight exits 1 both times.")
	fixed_exit=1
fi
demo_step "Preflight: one firewall that drops ESP, found and fixed" \
	"n2 gets a default-drop input chain that forgot ESP.  preflight reads" \
	"n2's ruleset (libnftnl, no nft) and names the chain and policy that" \
	"drop ESP (nft.in.esp); --fix opens IKE, NAT-T and ESP from the members" \
	"only, in one batch, and checks again; --unfix takes exactly that back." \
	"${kernel_note[@]}"
demo_setup "a firewall on n2" "$LAB" exec --name $NAME n2 nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		iif lo accept
		udp dport { 500, 4500 } accept
	}
}
NFT
demo_run 1 --expect "^fail  n2's firewall drops incoming ESP from every peer \(n1, n3\): table inet filter chain input: policy drop" \
	tsnet preflight --no-probe --node n2
demo_run "$fixed_exit" --expect '^  nft\.in\.esp +ok on 1 node$' \
	tsnet preflight --no-probe --fix --node n2
demo_run 0 --expect '^  nft\.unfix +ok on 1 node$' tsnet preflight --unfix --node n2
demo_setup "removing n2's firewall" \
	"$LAB" exec --name $NAME n2 nft delete table inet filter

demo_step "Probing every pair: one blocked path found" \
	"n3's input chain drops ESP.  Every node sends IKE (UDP 500), NAT-T" \
	"(UDP 4500) and ESP probes to every other, all at once; nftables'" \
	"trace names the rule that dropped ESP into n3, as nft prints it."
demo_setup "a rule dropping ESP on n3" \
	"$LAB" exec --name $NAME n3 nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		meta l4proto esp drop comment "a forgotten rule"
	}
}
NFT
demo_run 1 --expect "^fail  n3's firewall drops incoming ESP from every peer \(n1, n2\): table inet filter chain input: meta l4proto esp drop comment \"a forgotten rule\" # handle" \
	tsnet probe
demo_setup "removing n3's rule" \
	"$LAB" exec --name $NAME n3 nft delete table inet filter

demo_step "What to run in the cloud" \
	"In Azure the portal cannot add IP protocol 50 (ESP) to a security" \
	"group; tsnet writes the Azure CLI script that does, with the resource" \
	"group and security group named in the inventory.  Nothing is run."
demo_run 0 tsnet cloud azure

# ipsec_part: demo_ipsec.sh as one step; its own failed steps go into
# this summary too.
ipsec_part() {
	local t0 rc l n=0
	t0=$(demo_us)
	TSNET_DEMO_TTY=$DEMO_TTY TSNET=$TSNET "$TOP/demo/demo_ipsec.sh" 2>&1 |
		tee "$DEMO_OUT"
	rc=${PIPESTATUS[0]}
	echo "(the IPsec part took $(demo_secs "$t0"))"
	DEMO_STEPS=$((DEMO_STEPS + 1))
	[ "$rc" = 0 ] && return
	while IFS= read -r l; do
		DEMO_FAILED+=("the IPsec part: ${l#demo: FAILED: }")
		n=$((n + 1))
	done < <(grep -a '^demo: FAILED: ' "$DEMO_OUT")
	[ "$n" -gt 0 ] ||	# it failed before any step could (the VM?)
		demo_fail "the IPsec part (demo/demo_ipsec.sh)" "exit status $rc"
}

if [ "$ipsec" = 1 ]; then
	case $esp_where in
	0) where=("directly, since this host's kernel has ESP.  The longest"
		  "part of the demo, under half a minute.") ;;
	1) where=("in a QEMU VM that boots Debian's kernel (this one has no"
		  "ESP).  The longest part of the demo: about 40 s on a 2-core"
		  "machine (the VM emulates its CPU), most of it enable-ipsec.") ;;
	*) where=("but this kernel has no ESP and the VM cannot run: esp-run"
		  "says why (make deps installs what the VM needs).") ;;
	esac
	demo_step "Turning IPsec on, proving it, and off again" \
		"This part needs kernel ESP: tests/lab/esp-run runs it, on a" \
		"3-node lab of its own, ${where[0]}" "${where[@]:1}"
	ipsec_part
fi

demo_step "Done" "The lab is removed on exit.  man tsnet for more."
demo_summary demo
