#!/bin/bash
# esp_pair.sh - kernel ESP and the lab where it works (run by
# tests/integration/test_esp_vm.sh through tests/lab/esp-run): esp4
# loads; two namespaces with a hand-made ESP transport-mode SA pair
# (AES-GCM, rfc4106) ping each other, the SA counters count the packets
# and tcpdump sees ESP, not ICMP, on the wire; then `lab up 2 --ssh`
# works there too (host-like nodes, sshd).
. "$(dirname "$0")/../../integration/lib.sh"
need_root

A=198.18.3.1 B=198.18.3.2
KEY_AB=0x1111111111111111111111111111111111111111111111111111111111111111aaaaaaaa
KEY_BA=0x2222222222222222222222222222222222222222222222222222222222222222bbbbbbbb

cleanup() {
	"$LAB" down --name tlv >/dev/null 2>&1
	ip netns del tlva 2>/dev/null
	ip netns del tlvb 2>/dev/null
	true
}

# sa NS: both SAs and this side's policies (ours is A when NS is tlva)
sa() {
	local ns=$1 me=$2 peer=$3
	ip -n "$ns" xfrm state add src "$A" dst "$B" proto esp spi 0x1001 \
		reqid 1 mode transport aead 'rfc4106(gcm(aes))' "$KEY_AB" 128 &&
	ip -n "$ns" xfrm state add src "$B" dst "$A" proto esp spi 0x1002 \
		reqid 1 mode transport aead 'rfc4106(gcm(aes))' "$KEY_BA" 128 &&
	ip -n "$ns" xfrm policy add src "$me" dst "$peer" dir out \
		tmpl src "$me" dst "$peer" proto esp reqid 1 mode transport &&
	ip -n "$ns" xfrm policy add src "$peer" dst "$me" dir in \
		tmpl src "$peer" dst "$me" proto esp reqid 1 mode transport
}

# packets NS: the packet count of the SA A -> B (spi 0x1001) in NS
packets() {
	ip -n "$1" -s xfrm state get src "$A" dst "$B" proto esp spi 0x1001 |
		sed -n 's/.*(bytes), \([0-9]*\)(packets).*/\1/p' | head -n 1
}

trap cleanup EXIT
cleanup
echo "kernel $(uname -r)"
assert_exit "modprobe esp4" 0 modprobe esp4
ip netns add tlva && ip netns add tlvb &&
ip -n tlva link add eth0 type veth peer name eth0 netns tlvb &&
ip -n tlva addr add "$A/24" dev eth0 && ip -n tlvb addr add "$B/24" dev eth0 &&
ip -n tlva link set eth0 up && ip -n tlvb link set eth0 up &&
ip -n tlva link set lo up && ip -n tlvb link set lo up
assert_eq "two namespaces on a veth" 0 $?
sa tlva "$A" "$B"
assert_eq "ESP SAs + policies in tlva (ip xfrm, rfc4106(gcm(aes)))" 0 $?
sa tlvb "$B" "$A"
assert_eq "ESP SAs + policies in tlvb" 0 $?

cap=$(mktemp)
ip netns exec tlvb timeout 20 tcpdump -n -l -i eth0 -c 4 'ip proto 50 or icmp' >"$cap" 2>/dev/null &
sleep 2
out=$(ip netns exec tlva ping -c 3 -i 0.3 -W 3 "$B" 2>&1)
assert_match "ping A -> B through ESP" ' 0% packet loss' "$out"
wait
assert_match "tcpdump sees ESP on the wire" 'ESP\(spi=0x00001001' "$(cat "$cap")"
assert_nomatch "tcpdump sees no cleartext ICMP" 'ICMP echo' "$(cat "$cap")"
rm -f "$cap"
n=$(packets tlva)
if [ "${n:-0}" -ge 3 ]; then ok "SA A->B counted $n packets"
else not_ok "SA A->B counted ${n:-no} packets"; fi
n=$(packets tlvb)
if [ "${n:-0}" -ge 3 ]; then ok "SA A->B decrypted $n packets on B"
else not_ok "SA A->B decrypted ${n:-no} packets on B"; fi
ip netns del tlva && ip netns del tlvb

out=$("$LAB" up 2 --name tlv --ssh 2>&1)
assert_eq "lab up 2 --ssh in the VM: $out" 0 $?
assert_eq "lab node n1 hostname" n1 "$("$LAB" exec --name tlv n1 hostname)"
# Entering a node's mount namespace must land in the host's tree (with
# a chroot'ed VM it would land in the initramfs).
assert_eq "lab node n1 sees the repository" yes \
	"$("$LAB" exec --name tlv n1 sh -c "[ -f '$TOP/tests/lab/lab' ] && echo yes")"
assert_match "lab node n1 has the lab's strongswan.conf" 'charon.vici' \
	"$("$LAB" exec --name tlv n1 cat /etc/strongswan.conf)"
assert_eq "ssh from ctl into n2" n2 \
	"$("$LAB" exec --name tlv ctl ssh -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -i /run/tsnet-lab/tlv/id_ed25519 \
		root@198.18.1.2 hostname 2>/dev/null)"
out=$("$LAB" exec --name tlv n1 ping -c 2 -i 0.3 -W 3 198.18.1.2 2>&1)
assert_match "lab n1 -> n2 ping (IPv4)" ' 0% packet loss' "$out"
out=$("$LAB" exec --name tlv n2 ping -c 2 -i 0.3 -W 3 fd00:7473:1::1 2>&1)
assert_match "lab n2 -> n1 ping (IPv6)" ' 0% packet loss' "$out"
"$LAB" down --name tlv >/dev/null 2>&1
assert_eq "lab down in the VM" "" "$(ip netns list | grep '^tlv-' || true)"
finish
