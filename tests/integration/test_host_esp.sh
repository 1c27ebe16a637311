#!/bin/bash
# test_host_esp.sh - preflight's kernel checks where kernel ESP exists
# (tests/lab/esp-run: this host if it has ESP, else the QEMU VM booting
# Debian's kernel).  Inside (--inside): with esp4/esp6 unloaded the check
# either passes (the kernel autoloaded them for the trial) or fails with
# "modprobe esp4 esp6"; after modprobe it passes, for IPv4 and IPv6, with
# rfc4106(gcm(aes)) accepted.
. "$(dirname "$0")/lib.sh"
need_root
# shellcheck source=tests/integration/esp_lib.sh
. "$(dirname "$0")/esp_lib.sh"

NS=th-esp

field() {
	jq -r --arg id "$2" --arg k "$3" \
		'[.checks[] | select(.id == $id)] | if length == 1
		 then .[0][$k] // "" else "NO-SUCH-CHECK" end' <<<"$1"
}

inside() {
	local out st
	trap 'ip netns del $NS 2>/dev/null; true' EXIT
	echo "kernel $(uname -r)"
	ip netns add $NS
	ip -n $NS link add eth0 type veth peer name eth1
	ip -n $NS link set eth0 up
	# Unload what the VM preloaded, if nothing holds it.
	rmmod esp6 esp4 2>/dev/null
	if grep -q '^esp4 ' /proc/modules; then
		echo "esp4 stays loaded (in use or built in)"
	else
		out=$(ip netns exec $NS "$TSNET" agent preflight-host --interface eth0)
		st=$(field "$out" kernel.esp status)
		echo "without esp4 loaded: kernel.esp $st: $(field "$out" kernel.esp detail)"
		if [ "$st" = ok ]; then
			grep -q '^esp4 ' /proc/modules
			assert_eq "kernel.esp ok: the trial made the kernel autoload esp4" 0 $?
		else
			assert_eq "kernel.esp without esp4" fail "$st"
			assert_match "fix: modprobe" 'modprobe esp4 esp6' \
				"$(field "$out" kernel.esp fix)"
		fi
	fi
	assert_exit "modprobe esp4 esp6" 0 modprobe esp4 esp6
	out=$(ip netns exec $NS "$TSNET" agent preflight-host --interface eth0)
	assert_eq "kernel.xfrm" ok "$(field "$out" kernel.xfrm status)"
	assert_eq "kernel.esp after modprobe" ok "$(field "$out" kernel.esp status)"
	assert_match "ESP state accepted, IPv4 and IPv6" \
		'accepted an ESP transport state in a scratch namespace \(IPv4 and IPv6\)' \
		"$(field "$out" kernel.esp detail)"
	assert_eq "kernel.gcm" ok "$(field "$out" kernel.gcm status)"
	assert_match "rfc4106(gcm(aes)) accepted" 'XFRM accepted rfc4106\(gcm\(aes\)\)$' \
		"$(field "$out" kernel.gcm detail)"
	# the trial lives in a scratch namespace: nothing is left here
	assert_eq "no SA left in the namespace" "" "$(ip -n $NS xfrm state)"
	assert_eq "no SA left on the host" "" "$(ip xfrm state)"
	finish
}

if [ "${1:-}" = --inside ]; then
	TSNET=$2	# a private copy: others may rebuild ./tsnet meanwhile
	inside
	exit
fi

command -v jq >/dev/null || skip_all "jq is needed to read the JSON (package jq)"
[ -x "$TSNET" ] || fail_all "no $TSNET (run make)"
esp_where
TMPD=$(mktemp -d /tmp/th-esp.XXXXXX)
trap 'rm -rf "$TMPD"' EXIT
cp "$TSNET" "$TMPD/tsnet" || fail_all "cannot copy $TSNET"
esp_run "$TMPD/log" "$TOP/tests/integration/test_host_esp.sh" \
	--inside "$TMPD/tsnet"
assert_match "inside summary" \
	'^test_host_esp: [0-9]+ passed, 0 failed, [0-9]+ skipped$' "$ESP_OUT"
assert_eq "inside exit code" 0 "$ESP_RC"
echo "test_host_esp: took $ESP_TOOK s (wall time, including the VM boot)"
finish
