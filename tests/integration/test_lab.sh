#!/bin/bash
# test_lab.sh - tests/lab/lab for real: namespaces, bridge, router modes,
# host-like nodes, sshd, inventory, down, idempotence, a failed up, and 64
# nodes.  Labs are named tl1..tl7 (this test's namespace prefix).
. "$(dirname "$0")/lib.sh"
need_root

LABS="tl1 tl2 tl3 tl4 tl5 tl6 tl7"
TMP=$(mktemp -d)
cleanup() {
	local l
	for l in $LABS; do "$LAB" down --name "$l" >/dev/null 2>&1; done
	rm -rf "$TMP"
}
trap cleanup EXIT

lab() { "$LAB" "$@"; }
lx() {	# lx LAB NODE CMD...: lab exec, output only
	local l=$1
	shift
	"$LAB" exec --name "$l" "$@" 2>&1
}

# nothing_left LAB: no namespaces, mounts or files of the lab remain
nothing_left() {
	assert_eq "$1: no namespaces left" "" \
		"$(ip netns list | awk '{ print $1 }' | grep "^$1-" || true)"
	assert_eq "$1: no mounts left" "" \
		"$(findmnt -rn -o TARGET | grep "^/run/tsnet-lab/$1[-/]" || true)"
	assert_eq "$1: no files left" "" \
		"$(ls -d /run/tsnet-lab/"$1" /run/tsnet-lab/"$1"-* 2>/dev/null || true)"
}

# capture LAB NODE IFACE FILTER: tcpdump in the background until ready;
# stop_captures stops them (by pid) once the packets had time to arrive.
capture() {
	local i
	rm -f "$TMP/cap.$2.pid"
	# shellcheck disable=SC2016  # expanded by the node's sh
	"$LAB" exec --name "$1" "$2" sh -c 'echo $$ >"$1"; exec timeout 30 tcpdump -n -l -i "$2" "$3"' \
		sh "$TMP/cap.$2.pid" "$3" "$4" >"$TMP/cap.$2" 2>"$TMP/cap.$2.err" &
	CAPS+=("$!:$2")
	for i in $(seq 100); do
		grep -q 'listening on' "$TMP/cap.$2.err" 2>/dev/null && return
		sleep 0.1
		: "$i"
	done
}
stop_captures() {
	local c
	sleep 1
	for c in "${CAPS[@]}"; do
		kill -TERM "$(cat "$TMP/cap.${c#*:}.pid")" 2>/dev/null
		wait "${c%%:*}" 2>/dev/null
	done
	CAPS=()
}
CAPS=()

host_state() {	# what must not change on the host
	{
		find /etc/swanctl -printf '%p %s %T@\n' 2>/dev/null | sort
		md5sum /etc/strongswan.conf 2>/dev/null
		find /etc/strongswan.d -printf '%p %s %T@\n' 2>/dev/null | sort
		ls -la /root/.ssh 2>/dev/null
		hostname
	} | md5sum
}
HOST_BEFORE=$(host_state)

echo "# usage errors"
assert_exit "up 1 node" 2 lab up 1 --name tl1
assert_exit "up 65 nodes" 2 lab up 65 --name tl1
assert_exit "up abc" 2 lab up abc --name tl1
assert_exit "name too long" 2 lab up 2 --name tl1234567
assert_exit "name with a capital" 2 lab up 2 --name Tl1
assert_exit "router without a second subnet" 2 lab up 2 --name tl1 --router drop-esp
assert_exit "unknown router mode" 2 lab up 4 --name tl1 --subnets 2 --router drop-all
assert_exit "--ssh with --netonly" 2 lab up 2 --name tl1 --ssh --netonly
assert_exit "unknown command" 2 lab frobnicate
nothing_left tl1

echo "# up 3: pings, host-like nodes, inventory"
out=$(lab up 3 --name tl1 2>&1)
assert_eq "up 3 ($out)" 0 $?
for a in 1 2 3; do
	for b in 1 2 3; do
		[ $a = $b ] && continue
		assert_match "n$a -> n$b IPv4" ' 0% packet loss' \
			"$(lx tl1 n$a ping -c 1 -W 2 198.18.1.$b)"
		assert_match "n$a -> n$b IPv6" ' 0% packet loss' \
			"$(lx tl1 n$a ping -c 1 -W 2 fd00:7473:1::$b)"
	done
	assert_eq "n$a hostname" "n$a" "$(lx tl1 n$a hostname)"
	assert_eq "n$a sees only its own interfaces in /sys" "eth0 lo" \
		"$(lx tl1 n$a ls /sys/class/net | tr '\n' ' ' | sed 's/ $//')"
done
lx tl1 n1 sh -c 'echo n1 >/run/tl-mark; echo "# n1" >/etc/swanctl/conf.d/tl.conf; echo x >/var/lib/tsnet/tl'
assert_eq "n1 /run is writable" "n1" "$(lx tl1 n1 cat /run/tl-mark)"
assert_eq "n2 has its own /run" "absent" "$(lx tl1 n2 sh -c '[ -e /run/tl-mark ] && echo present || echo absent')"
assert_eq "host /run untouched" "absent" "$([ -e /run/tl-mark ] && echo present || echo absent)"
assert_eq "n2 has its own /etc/swanctl" "absent" "$(lx tl1 n2 sh -c '[ -e /etc/swanctl/conf.d/tl.conf ] && echo present || echo absent')"
assert_eq "host /etc/swanctl untouched" "absent" "$([ -e /etc/swanctl/conf.d/tl.conf ] && echo present || echo absent)"
assert_eq "n2 has its own /var/lib/tsnet" "absent" "$(lx tl1 n2 sh -c '[ -e /var/lib/tsnet/tl ] && echo present || echo absent')"
assert_match "/etc/swanctl has swanctl's directories" 'conf.d.*private.*x509ca' \
	"$(lx tl1 n2 ls /etc/swanctl | tr '\n' ' ')"
assert_eq "/etc/strongswan.d is empty" "" "$(lx tl1 n2 ls -A /etc/strongswan.d)"
sw=$(lx tl1 n2 cat /etc/strongswan.conf)
assert_match "strongswan.conf: explicit plugin list with kdf" \
	'load = random nonce openssl .*kernel-netlink socket-default vici kdf hmac sha2 aes gcm' "$sw"
assert_match "strongswan.conf: vici socket in the node's /run" 'socket = unix:///run/charon.vici' "$sw"
# shellcheck disable=SC2016  # expanded in the node
assert_eq "atomic rewrite of /etc/strongswan.conf in a node (rename works)" "0 renamed" \
	"$(lx tl1 n3 sh -c 'echo "# renamed" >/etc/.sw.tmp && mv -f /etc/.sw.tmp /etc/strongswan.conf; echo "$? $(sed "s/# //" /etc/strongswan.conf)"')"
assert_match "n2 still has the lab's strongswan.conf" 'vici' "$(lx tl1 n2 cat /etc/strongswan.conf)"
assert_eq "the host's files are untouched" "$HOST_BEFORE" "$(host_state)"
assert_eq "exec shorthand: lab exec LAB NODE CMD" n2 "$(lab exec tl1 n2 hostname)"
assert_exit "exec passes the exit code" 7 lab exec --name tl1 n2 sh -c 'exit 7'
assert_exit "exec on a missing node" 2 lab exec --name tl1 n9 true
assert_eq "exec keeps the working directory" "$PWD" "$(lx tl1 n1 pwd)"

inv=$(lab inventory --name tl1)
assert_eq "inventory path" /run/tsnet-lab/tl1/cluster.conf "$inv"
text=$(cat "$inv")
assert_match "inventory: [cluster] name" '^name = tl1$' "$text"
assert_match "inventory: transport netns" '^transport = netns$' "$text"
assert_match "inventory: interface" '^interface = eth0$' "$text"
assert_match "inventory: remote_tsnet is the repo's" "^remote_tsnet = $TOP/tsnet\$" "$text"
assert_match "inventory: subnet" '^subnet = 198.18.1.0/24, fd00:7473:1::/64$' "$text"
assert_match "inventory: node n3, its lines in order" \
	$'^\\[node n3\\]$\n^address = 198\\.18\\.1\\.3$\n^address6 = fd00:7473:1::3$\n^netns = tl1-n3$' \
	"$text"
assert_eq "inventory: 3 nodes" 3 "$(grep -c '^\[node ' "$inv")"
out=$("$TSNET" -c "$inv" inventory check 2>&1)
assert_eq "tsnet inventory check accepts the lab's inventory ($out)" 0 $?
assert_match "list shows the lab" '^tl1 +3 +1 ' "$(lab list)"

echo "# idempotence"
out=$(lab up 3 --name tl1 2>&1)
assert_eq "up again ($out)" 0 $?
assert_eq "still 3 nodes + sw + ctl" 5 "$(ip netns list | grep -c '^tl1-')"
assert_match "n1 -> n3 after the second up" ' 0% packet loss' "$(lx tl1 n1 ping -c 1 -W 2 198.18.1.3)"
assert_eq "second up reset n1's /run" absent "$(lx tl1 n1 sh -c '[ -e /run/tl-mark ] && echo present || echo absent')"
lx tl1 n2 sleep 60 &
sleep 0.5
assert_exit "down" 0 lab down --name tl1
wait
nothing_left tl1
assert_exit "down again" 0 lab down --name tl1

echo "# --ipv6 --netonly"
out=$(lab up 2 --name tl2 --ipv6 --netonly --inventory "$TMP/tl2.conf" 2>&1)
assert_eq "up --ipv6 --netonly ($out)" 0 $?
assert_eq "inventory path honours --inventory" "$TMP/tl2.conf" "$(lab inventory --name tl2)"
assert_match "inventory address is IPv6" \
	"$(printf '\\[node n2\\]\naddress = fd00:7473:1::2\nnetns = tl2-n2')" "$(cat "$TMP/tl2.conf")"
assert_nomatch "no address6 with --ipv6" 'address6' "$(cat "$TMP/tl2.conf")"
assert_eq "a network-only node has the host's hostname" "$(hostname)" "$(lx tl2 n1 hostname)"
assert_eq "a network-only node has no mount namespace" "no" \
	"$([ -e /run/tsnet-lab/tl2-n1/mnt ] && echo yes || echo no)"
assert_match "netonly n2 -> n1 IPv6" ' 0% packet loss' "$(lx tl2 n2 ping -c 1 -W 2 fd00:7473:1::1)"
lab down --name tl2 >/dev/null
nothing_left tl2
assert_eq "down removed the --inventory file" absent "$([ -e "$TMP/tl2.conf" ] && echo present || echo absent)"

echo "# two subnets and the router"
out=$(lab up 4 --name tl3 --subnets 2 --router drop-esp 2>&1)
assert_eq "up 4 --subnets 2 --router drop-esp ($out)" 0 $?
assert_match "n3 is in subnet B" '198.18.2.3/24' "$(lx tl3 n3 ip -br addr show eth0)"
assert_match "n1 -> n3 across the router (IPv4)" ' 0% packet loss' "$(lx tl3 n1 ping -c 1 -W 2 198.18.2.3)"
# (two tries: under load the first can outlast neighbour discovery on
# both hops; one answer proves the route)
assert_match "n4 -> n2 across the router (IPv6)" ' [12] received' \
	"$(lx tl3 n4 ping -c 2 -i 0.5 -W 3 fd00:7473:1::2)"
assert_match "ctl -> n4 across the router" ' 0% packet loss' "$(lx tl3 ctl ping -c 1 -W 2 198.18.2.4)"
assert_match "inventory lists both subnets" \
	'^subnet = 198.18.1.0/24, fd00:7473:1::/64, 198.18.2.0/24, fd00:7473:2::/64$' \
	"$(cat "$(lab inventory --name tl3)")"
ESP4='import socket; s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50); s.sendto(bytes.fromhex("0000abcd00000001" + "00" * 24), ("198.18.2.3", 0))'
ESP6='import socket; s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 50); s.sendto(bytes.fromhex("0000abcd00000001" + "00" * 24), ("fd00:7473:2::3", 0))'
capture tl3 rt eth1 'ip proto 50 or ip6 proto 50'
capture tl3 n3 eth0 'ip proto 50 or ip6 proto 50 or udp port 4500'
lx tl3 n1 /usr/bin/python3 -c "$ESP4"
lx tl3 n1 /usr/bin/python3 -c "$ESP6"
lx tl3 n1 bash -c 'echo probe >/dev/udp/198.18.2.3/4500'
stop_captures
assert_match "drop-esp: ESP reaches the router (IPv4)" '198.18.1.1 > 198.18.2.3: ESP\(spi=0x0000abcd' "$(cat "$TMP/cap.rt")"
assert_match "drop-esp: ESP reaches the router (IPv6)" 'fd00:7473:1::1 > fd00:7473:2::3: ESP\(spi=0x0000abcd' "$(cat "$TMP/cap.rt")"
assert_nomatch "drop-esp: no ESP behind the router" 'ESP' "$(cat "$TMP/cap.n3")"
assert_match "drop-esp: UDP 4500 still passes" '198.18.1.1.[0-9]+ > 198.18.2.3.4500: UDP' "$(cat "$TMP/cap.n3")"
assert_match "drop-esp: the router's rule counted 2 packets" 'esp counter packets 2 ' \
	"$(lx tl3 rt nft list table inet tsnet_lab)"
assert_match "same-subnet ESP is not dropped (no bridge netfilter)" 'ESP' \
	"$(capture tl3 n2 eth0 'ip proto 50'; lx tl3 n1 /usr/bin/python3 -c "${ESP4/198.18.2.3/198.18.1.2}"; stop_captures; cat "$TMP/cap.n2")"

assert_exit "router drop-4500" 0 lab router --name tl3 drop-4500
capture tl3 n3 eth0 'ip proto 50 or udp port 4500'
lx tl3 n1 /usr/bin/python3 -c "$ESP4"
lx tl3 n1 bash -c 'echo probe >/dev/udp/198.18.2.3/4500'
stop_captures
assert_match "drop-4500: ESP passes" 'ESP\(spi=0x0000abcd' "$(cat "$TMP/cap.n3")"
assert_nomatch "drop-4500: UDP 4500 dropped" '\.4500: UDP' "$(cat "$TMP/cap.n3")"
assert_eq "router replaced only its own table" "table inet tsnet_lab" \
	"$(lx tl3 rt nft list tables)"

assert_exit "router masquerade" 0 lab router --name tl3 masquerade
capture tl3 n3 eth0 'icmp or (icmp6 and ip6[40] == 128)'
lx tl3 n1 ping -c 1 -W 2 198.18.2.3 >/dev/null
lx tl3 n1 ping -c 1 -W 2 fd00:7473:2::3 >/dev/null
stop_captures
assert_match "masquerade: n3 sees the router's IPv4 address" '198.18.2.254 > 198.18.2.3: ICMP echo request' "$(cat "$TMP/cap.n3")"
assert_match "masquerade: n3 sees the router's IPv6 address" 'fd00:7473:2::fe > fd00:7473:2::3: ICMP6, echo request' "$(cat "$TMP/cap.n3")"
assert_exit "router none" 0 lab router --name tl3 none
capture tl3 n3 eth0 'icmp'
lx tl3 n1 ping -c 1 -W 2 198.18.2.3 >/dev/null
stop_captures
assert_match "none: n3 sees n1's own address" '198.18.1.1 > 198.18.2.3: ICMP echo request' "$(cat "$TMP/cap.n3")"
assert_match "list shows the router mode" '^tl3 +4 +2 +none ' "$(lab list)"
assert_exit "router drop-500" 0 lab router --name tl3 drop-500
capture tl3 n3 eth0 'udp port 500 or udp port 4500'
lx tl3 n1 bash -c 'echo probe >/dev/udp/198.18.2.3/500; echo probe >/dev/udp/198.18.2.3/4500'
stop_captures
assert_match "drop-500: UDP 4500 passes" '\.4500: UDP' "$(cat "$TMP/cap.n3")"
assert_nomatch "drop-500: UDP 500 dropped" '\.500: ' "$(cat "$TMP/cap.n3")"
assert_exit "router on a lab without one" 2 lab router --name tl2 drop-esp
lab down --name tl3 >/dev/null
nothing_left tl3

echo "# --ssh"
out=$(lab up 2 --name tl4 --ssh 2>&1)
assert_eq "up --ssh ($out)" 0 $?
inv=$(lab inventory --name tl4)
assert_match "inventory: transport ssh" '^transport = ssh$' "$(cat "$inv")"
assert_match "inventory: ssh_identity" '^ssh_identity = /run/tsnet-lab/tl4/id_ed25519$' "$(cat "$inv")"
assert_match "inventory: ssh_options" '^ssh_options = StrictHostKeyChecking=no UserKnownHostsFile=/run/tsnet-lab/tl4/known_hosts$' "$(cat "$inv")"
assert_match "inventory: ssh_host" '^ssh_host = 198.18.1.2$' "$(cat "$inv")"
SSHO=(-o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/run/tsnet-lab/tl4/known_hosts)
assert_eq "ssh from ctl into n1 runs hostname there" n1 \
	"$(lab exec --name tl4 ctl ssh "${SSHO[@]}" -i /run/tsnet-lab/tl4/id_ed25519 root@198.18.1.1 hostname 2>/dev/null)"
assert_eq "ssh over IPv6 into n2" n2 \
	"$(lab exec --name tl4 ctl ssh "${SSHO[@]}" -i /run/tsnet-lab/tl4/id_ed25519 root@fd00:7473:1::2 hostname 2>/dev/null)"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/other"
assert_exit "another key is refused" 255 lab exec --name tl4 ctl ssh "${SSHO[@]}" \
	-o IdentitiesOnly=yes -i "$TMP/other" root@198.18.1.1 true
pids=$(cat /run/tsnet-lab/tl4/sshd-n*.pid)
alive=0
for p in $pids; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
assert_eq "sshd runs in each node" 2 "$alive"
lab down --name tl4 >/dev/null
alive=0
for p in $pids; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
assert_eq "down stopped every sshd" 0 "$alive"
nothing_left tl4
assert_eq "the host's files are still untouched" "$HOST_BEFORE" "$(host_state)"

echo "# a failed up cleans up"
out=$(lab up 3 --name tl5 --inventory /proc/tl5.conf 2>&1)
assert_eq "up that cannot write its inventory fails with 3 ($out)" 3 $?
assert_match "and says it cleaned up" 'removing what it made' "$out"
nothing_left tl5

echo "# 64 nodes"
start=$(date +%s)
out=$(lab up 64 --name tl6 2>&1)
assert_eq "up 64 ($out)" 0 $?
up_s=$(($(date +%s) - start))
assert_match "n1 -> n64" ' 0% packet loss' "$(lx tl6 n1 ping -c 1 -W 2 198.18.1.64)"
assert_eq "n64 hostname" n64 "$(lx tl6 n64 hostname)"
assert_eq "64 nodes in the inventory" 64 "$(grep -c '^\[node ' "$(lab inventory --name tl6)")"
start=$(date +%s)
assert_exit "down 64" 0 lab down --name tl6
echo "  (64 nodes: up ${up_s} s, down $(($(date +%s) - start)) s)"
nothing_left tl6
finish
