#!/bin/bash
# demo.sh - `make demo`: tsnet on a three-node lab cluster, step by step.
#
# The lab is three network namespaces that look like hosts (own hostname,
# /run, /etc/swanctl) on a bridge, addresses in 198.18.1.0/24; nothing
# touches this machine's own network.  Each step says what it shows.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
LAB=$TOP/tests/lab/lab
NAME=demo
INV=/run/tsnet-lab/$NAME/demo.conf
tsnet() { "$TOP/tsnet" -c "$INV" "$@"; }

step() {
	printf '\n\033[1m== %s\033[0m\n' "$1"
	shift
	[ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/   /'
	echo
}

run() {	# show the command, run it, show its exit status
	printf '$ tsnet %s\n' "$*"
	tsnet "$@"
	printf '(exit status %d)\n' $?
}

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (namespaces)"; exit 2; }
trap '"$LAB" down --name $NAME >/dev/null 2>&1' EXIT

step "Bringing up a 3-node lab cluster" \
	"n1, n2 and n3 are network namespaces on one bridge, 198.18.1.1-3," \
	"each with its own hostname, /run and /etc/swanctl, like real hosts."
"$LAB" up 3 --name $NAME || exit 3
# The lab's inventory, plus the Azure names a real cluster would give.
sed '/^\[cluster\]$/a cloud = azure\nazure_resource_group = demo-rg\nazure_nsg = demo-nsg' \
	"$("$LAB" inventory --name $NAME)" >"$INV"

step "The inventory" \
	"tsnet reads the cluster from an INI-style inventory; 'inventory check'" \
	"validates it and prints it normalised (every default written out)."
run inventory check

step "Reaching every node" \
	"Commands run their node-local part on every node in parallel through" \
	"a transport (ssh on real clusters; here the lab's namespaces)."
run nodes

step "Preflight: one firewall that drops ESP, found and fixed" \
	"n2 runs a default-drop host firewall that forgot ESP.  preflight reads" \
	"every node's ruleset (libnftnl, no nft), names the chain and policy that" \
	"drop it, then --fix opens IKE, NAT-T and ESP between members only, in" \
	"one batch, and checks again; --unfix takes exactly that back."
"$LAB" exec --name $NAME n2 nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		iif lo accept
		udp dport { 500, 4500 } accept
	}
}
NFT
printf '$ tsnet preflight --no-probe --node n2 | grep nft\n'
tsnet preflight --no-probe --node n2 | grep -E 'CHECK|nft\.'
printf '$ tsnet preflight --no-probe --fix --node n2 | grep nft\n'
tsnet preflight --no-probe --fix --node n2 | grep -E 'CHECK|nft\.'
run preflight --unfix --node n2
"$LAB" exec --name $NAME n2 nft delete table inet filter

step "Probing every pair: one blocked path found" \
	"n3's input chain drops ESP here.  Every node sends IKE (500), NAT-T" \
	"(4500) and an authenticated ESP probe to every other, all at once;" \
	"the kernel's nftables trace names the exact rule that dropped one."
"$LAB" exec --name $NAME n3 nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		meta l4proto esp drop comment "a forgotten rule"
	}
}
NFT
run probe
"$LAB" exec --name $NAME n3 nft delete table inet filter

step "What to run in the cloud" \
	"In Azure the portal cannot add IP protocol 50 (ESP) to a security" \
	"group; tsnet writes the Azure CLI script from the inventory.  Names" \
	"the inventory does not give become placeholders, with a warning."
run cloud azure

step "Turning IPsec on, proving it, and off again (in a VM)" \
	"This machine's kernel has no ESP, so this part runs through" \
	"tests/lab/esp-run: directly where the kernel has ESP, else in a QEMU VM" \
	"booting Debian's kernel, with its own 3-node lab (a few minutes)."
"$TOP/demo/demo_ipsec.sh"

step "Done" "The lab is removed on exit.  man tsnet for more."
