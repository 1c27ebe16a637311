#!/bin/bash
# test_inventory_cli.sh - `tsnet inventory check` on every inventory in
# tests/data/inventory/: each bad-*.conf exits 2 with exactly one stderr
# line "tsnet: inventory: FILE:LINE: reason" (the one its first line
# announces as "# expect: LINE: reason") and never crashes; good ones
# exit 0 and print text that checks again to the same text; --json;
# usage, read errors and the world-writable warning.  Needs no network.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

DATA=$TOP/tests/data/inventory
[ -x "$TSNET" ] || fail_all "no $TSNET (run make)"
command -v jq >/dev/null || skip_all "needs jq"
TMP=$(mktemp -d /tmp/ti-inv.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# run ARGS...: sets OUT, ERR (without their last newline), NERR (stderr
# lines) and RC.  Builtins only: forks are slow on a loaded machine.
run() {
	local lines
	"$TSNET" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	IFS= read -r -d '' OUT <"$TMP/out"
	IFS= read -r -d '' ERR <"$TMP/err"
	OUT=${OUT%$'\n'}
	ERR=${ERR%$'\n'}
	mapfile -t lines <"$TMP/err"
	NERR=${#lines[@]}
}

echo "# malformed inventories"
n=0
for f in "$DATA"/bad-*.conf; do
	name=$(basename "$f")
	n=$((n + 1))
	run -c "$f" inventory check
	# 134 abort, 139 segfault: a crash is never an inventory error
	assert_eq "$name: exit" 2 "$RC"
	assert_eq "$name: one stderr line" 1 "$NERR"
	assert_eq "$name: nothing on stdout" "" "$OUT"
	first=
	IFS= read -r first <"$f"
	expect=${first#"# expect: "}
	if [ "$expect" != "$first" ]; then
		assert_eq "$name: message" "tsnet: inventory: $f:$expect" "$ERR"
	else
		assert_match "$name: FILE:LINE: form" \
			"^tsnet: inventory: $f:[0-9]+: [^ ]" "$ERR"
	fi
done
if [ "$n" -ge 40 ]; then ok "$n malformed files"; else not_ok "only $n bad-*.conf"; fi

echo "# valid inventories: exit 0, and the output checks to itself"
for f in "$DATA"/good-*.conf "$DATA"/example.conf; do
	name=$(basename "$f")
	run -c "$f" inventory check
	assert_eq "$name: exit" 0 "$RC"
	assert_eq "$name: quiet stderr" "" "$ERR"
	printf '%s\n' "$OUT" >"$TMP/norm.conf"
	first=$OUT
	run inventory check -c "$TMP/norm.conf"
	assert_eq "$name: round trip exit" 0 "$RC"
	assert_eq "$name: round trip text" "$first" "$OUT"
	run inventory check --json -c "$f"
	assert_eq "$name: --json exit" 0 "$RC"
	nodes=$(grep -c '^\[node ' "$TMP/norm.conf")
	assert_eq "$name: --json nodes" "$nodes" \
		"$(printf '%s' "$OUT" | jq '.nodes | length')"
done

echo "# the normalised text"
run -c "$DATA/good-minimal.conf" inventory check
assert_eq "defaults written out" "[cluster]
name = lab
transport = ssh
interface =
ssh_user = root
ssh_port = 22
ssh_identity =
ssh_options =
remote_tsnet = tsnet
concurrency = 32
timeout = 60
payload_mtu = 0
auth = psk
encap = auto
esp_proposals = aes256gcm16-x25519,aes128gcm16-x25519
ike_proposals = aes256gcm16-prfsha384-x25519,aes128gcm16-prfsha256-ecp256
rekey_time = 14400
cloud = none
subnet =
azure_resource_group =
azure_nsg =
azure_priority = 3000
aws_region =
aws_security_group =
aws_vpc =
gcp_project =
gcp_network =
gcp_target_tags =

[node n1]
address = 198.18.0.1" "$OUT"
run -c "$DATA/good-ipv6.conf" inventory check
assert_match "IPv6 normalised" '^address = fd00:7473::b$' "$OUT"

echo "# --json"
run --json -c "$DATA/good-all-keys.conf" inventory check
assert_eq "--json exit" 0 "$RC"
assert_eq "cluster keys" 27 "$(printf '%s' "$OUT" | jq '.cluster | length')"
assert_eq "ssh_options array" '"ProxyJump=admin@bastion:22"' \
	"$(printf '%s' "$OUT" | jq -c '.cluster.ssh_options[2]')"
assert_eq "subnet array" '["198.18.0.0/24","fd00:7473::/64"]' \
	"$(printf '%s' "$OUT" | jq -c '.cluster.subnet')"
assert_eq "numbers are numbers" 2222 "$(printf '%s' "$OUT" | jq '.cluster.ssh_port')"
assert_eq "node 1 effective values" \
	'{"name":"db1","address":"198.18.0.11","address6":"fd00:7473::11","netns":"lab-db1","ssh_host":"db1.example.com","ssh_user":"ops","ssh_port":22,"interface":"eth1","remote_tsnet":"tsnet"}' \
	"$(printf '%s' "$OUT" | jq -c '.nodes[0]')"
assert_eq "node 2 inherits" \
	'{"name":"db2","address":"198.18.0.12","address6":null,"netns":"db2","ssh_host":"198.18.0.12","ssh_user":"deploy","ssh_port":2222,"interface":"bond0.100","remote_tsnet":"/usr/local/sbin/tsnet"}' \
	"$(printf '%s' "$OUT" | jq -c '.nodes[1]')"
run -c "$DATA/good-minimal.conf" inventory check --json
assert_eq "unset is null" null "$(printf '%s' "$OUT" | jq '.cluster.interface')"
run -c "$DATA/bad-nul.conf" --json inventory check
assert_eq "--json error exit" 2 "$RC"
assert_eq "--json error: the line on stderr" 1 "$NERR"
assert_eq "--json error: one JSON object on stdout, with the same words" \
	"inventory|${ERR#tsnet: inventory: }|2" \
	"$(printf '%s' "$OUT" | jq -r '[.command, .error, .exit] | join("|")')"

echo "# where the inventory comes from"
run -c "$TMP/none.conf" inventory check
assert_eq "missing: exit" 2 "$RC"
assert_eq "missing: message" \
	"tsnet: inventory: no inventory: $TMP/none.conf does not exist; give one with -c FILE or \$TSNET_CONFIG (an example is in man tsnet-inventory)" "$ERR"
run -c "$TMP" inventory check
assert_eq "directory: exit" 2 "$RC"
assert_eq "directory: message" \
	"tsnet: inventory: $TMP: cannot read: Is a directory" "$ERR"
TSNET_CONFIG=$DATA/good-minimal.conf run inventory check
assert_eq "TSNET_CONFIG" 0 "$RC"
TSNET_CONFIG=$TMP/none.conf run -c "$DATA/good-minimal.conf" inventory check
assert_eq "-c beats TSNET_CONFIG" 0 "$RC"
run -c "$DATA/good-minimal.conf" inventory check < "$DATA/bad-nul.conf"
assert_eq "stdin ignored" 0 "$RC"
run -c /dev/stdin inventory check < "$DATA/good-minimal.conf"
assert_eq "-c /dev/stdin" 0 "$RC"
cp "$DATA/good-minimal.conf" "$TMP/ww.conf"
chmod 0666 "$TMP/ww.conf"
run -c "$TMP/ww.conf" inventory check
assert_eq "world-writable: still valid" 0 "$RC"
assert_eq "world-writable: warning" "tsnet: inventory: warning: $TMP/ww.conf: world-writable, anyone can change the cluster's inventory" "$ERR"
run -q -c "$TMP/ww.conf" inventory check
assert_eq "world-writable: -q silences" "" "$ERR"
if [ -w /dev/full ]; then
	"$TSNET" -c "$DATA/good-minimal.conf" inventory check >/dev/full 2>"$TMP/err"
	assert_eq "stdout full: exit 3" 3 "$?"
	assert_match "stdout full: says so" "cannot print the inventory" "$(cat "$TMP/err")"
fi

echo "# usage"
run inventory
assert_eq "no subcommand: exit" 2 "$RC"
assert_eq "no subcommand: one line" \
	"tsnet: inventory: missing subcommand (check); see 'tsnet inventory --help'" "$ERR"
run inventory --help
assert_eq "--help: exit" 0 "$RC"
assert_match "--help: usage on stdout" "^usage: tsnet inventory check \[-c FILE\] \[--json\]" "$OUT"
run help inventory
assert_eq "help inventory" 0 "$RC"
run inventory frob
assert_eq "unknown subcommand: exit" 2 "$RC"
assert_match "unknown subcommand: says so" "unknown subcommand 'frob'" "$ERR"
run -c "$DATA/good-minimal.conf" inventory check extra
assert_eq "extra argument: exit" 2 "$RC"
run inventory check --frob
assert_eq "unknown option: exit" 2 "$RC"
assert_eq "unknown option: one line" \
	"tsnet: inventory: unknown option '--frob'; see 'tsnet inventory --help'" "$ERR"
run inventory check -c
assert_eq "-c without FILE: exit" 2 "$RC"
assert_eq "-c without FILE: one line" \
	"tsnet: inventory: option '-c' needs an argument; see 'tsnet inventory --help'" "$ERR"

finish
